"""The student's loop: progress remembered between runs, and grading again on every save."""
from __future__ import annotations

from rich.console import Console

from grader import progress
from grader.cli import main
from grader.watch import watch

STUB = "exercise1_autograd.py"


def test_progress_is_remembered_and_names_the_next_task(kit_root, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    work = tmp_path / STUB
    work.write_text((kit_root / "exercises" / STUB).read_text())
    assert main(["exercise1", "--submission", str(work), "-k", "mean"]) == 0
    state = progress.load_state()
    assert (tmp_path / "feedback" / "progress.json").is_file()
    assert {t["status"] for t in state["exercises"]["exercise1"]["tests"].values()} == {"failed"}
    capsys.readouterr()
    assert main(["progress"]) == 0  # a later run reads what the grading left
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("exercise1"))
    assert "next: Exercise 1.1 `__neg__`" in row and "0/" in row
    assert "not graded yet: grade exercise2" in out


def test_a_wrong_function_comes_before_the_next_unwritten_task():
    entry = {"tests": {"t1": {"title": "mean's gradient", "status": "failed", "not_written": False,
                              "summary": "every element gets upstream / n"},
                       "t2": {"title": "abs", "status": "failed", "not_written": True, "summary": ""}},
             "unwritten": [{"task": "Exercise 1.14", "name": "__abs__", "hint": ""}]}
    assert progress.next_step(entry) == "fix: mean's gradient (hint: every element gets upstream / n)"
    entry["tests"]["t1"]["status"] = "passed"
    assert progress.next_step(entry) == "next: Exercise 1.14 `__abs__`"


def test_unwritten_tasks_in_task_order():
    source = '''
def b():
    """Second."""
    raise NotImplementedError("Exercise 1.10")

class M:
    def a(self):
        """First one."""
        # TODO: Exercise 1.2
        raise NotImplementedError("Exercise 1.2")
'''
    assert [(t["task"], t["name"], t["hint"]) for t in progress.unwritten_tasks(source)] == [
        ("Exercise 1.2", "a", "First one."), ("Exercise 1.10", "b", "Second.")]


def test_watch_grades_again_on_save_and_prints_only_what_changed(kit_root, tmp_path):
    work = tmp_path / STUB
    work.write_text((kit_root / "exercises" / STUB).read_text())
    solution = (kit_root / "solutions" / STUB).read_text()
    saves = []

    def save_once(seconds):  # the student saves their finished work while the loop waits
        if not saves:
            work.write_text(solution)
            saves.append(seconds)
    console = Console(record=True, width=120)
    rounds = watch("exercise1", work, console=console, interval_s=0.01, max_rounds=2, sleep=save_once,
                   keyword="mean", feedback_dir=tmp_path / "fb")
    assert rounds == 2 and saves == [0.01]
    text = console.export_text()
    first, second = text.split("saved, graded again")
    assert "FAIL" in first and "now passing" not in first
    assert second.count("now passing") >= 3 and "FAIL" not in second
    assert "Total: 0 -> " in second


def test_a_test_failing_on_a_not_implemented_error_counts_as_not_written(tmp_path):
    from grader.results import FAILED, GradeReport, TestResult
    report = GradeReport("exercise1", title="t", tests=[TestResult(
        "backward() on a result that is not 1x1 raises ValueError", 1, test_id="t1", status=FAILED,
        output="backward: no gradient to seed\n  expected: ValueError\n  received: NotImplementedError")])
    source = 'def backward(self):\n    """Fill grad."""\n    raise NotImplementedError("Exercise 1.21")\n'
    state = progress.record(report, source, path=tmp_path / "progress.json")
    assert progress.next_step(state["exercises"]["exercise1"]) == "next: Exercise 1.21 `backward` (Fill grad.)"
