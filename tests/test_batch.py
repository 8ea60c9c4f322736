"""`grade batch`: a class regraded in parallel, resumable, and never stopped by one submission."""
from __future__ import annotations

import csv
import json
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from grader.batch.roster import content_hash, find_submissions
from grader.batch.runner import available_cores, regrade
from grader.cli import main as grade_main
from grader.sandbox.limits import WORKER_THREADS

KIT = Path(__file__).resolve().parent.parent
REFERENCE = KIT / "solutions" / "exercise3_data.py"
STUB = KIT / "exercises" / "exercise3_data.py"
ONE_TEST = "zero_mean"  # a single public test keeps each grading short; full gradings are tested elsewhere


class CountingExecutor(ThreadPoolExecutor):
    """Stands in for another engine's executor: counts the work handed to it."""

    submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        CountingExecutor.submitted += 1
        return super().submit(fn, *args, **kwargs)


class BrokenExecutor:
    """An engine whose every job fails (a lost machine, a pickling error)."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        future.set_exception(ConnectionError("lost the worker machine"))
        return future


def _class_folder(root: Path) -> Path:
    folder = root / "class"
    (folder / "alice").mkdir(parents=True)
    shutil.copy(REFERENCE, folder / "alice" / "exercise3_data.py")
    shutil.copy(STUB, folder / "bob.py")
    (folder / "carol.py").write_text("def standardize(data:\n    return data\n")  # a syntax error
    (folder / ".DS_Store").write_text("not a student")
    return folder


def _rows(path: Path) -> dict[str, dict]:
    with open(path, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_roster_and_content_hash(tmp_path):
    folder = _class_folder(tmp_path)
    assert [s.student for s in find_submissions(folder)] == ["alice", "bob", "carol"]
    alice = folder / "alice"
    elsewhere = tmp_path / "elsewhere" / "alice"
    shutil.copytree(alice, elsewhere)  # the same files under another path: the same submission
    assert content_hash(elsewhere, "suite-1") == content_hash(alice, "suite-1")
    assert content_hash(alice, "suite-1") != content_hash(alice, "suite-2")  # a fixed test regrades
    before = content_hash(alice, "suite-1")
    (alice / "notes.txt").write_text("new file")
    assert content_hash(alice, "suite-1") != before


def test_class_is_graded_then_resumed(tmp_path, capsys):
    folder = _class_folder(tmp_path)
    out = tmp_path / "grades.csv"
    assert grade_main(["batch", "exercise3", str(folder), "--jobs", "2", "--out", str(out), "-k", ONE_TEST]) == 0
    assert "3 graded, 0 unchanged" in capsys.readouterr().out
    rows = _rows(out)
    assert list(rows) == ["alice", "bob", "carol"]
    assert (rows["alice"]["score"], rows["alice"]["max"], rows["alice"]["status"]) == ("2", "2", "graded")
    assert rows["alice"]["test_standardize_zero_mean_unit_variance"] == "2"
    assert rows["bob"]["score"] == rows["carol"]["score"] == "0"
    feedback = json.loads((tmp_path / "grades_feedback" / "carol.json").read_text())
    assert feedback["status"] == "graded" and feedback["report"]["tests"]
    shown = feedback["report"]["errors"] + [t["output"] for t in feedback["report"]["tests"]]
    assert any("SyntaxError" in text for text in shown), shown
    assert (tmp_path / "grades_feedback" / "alice.txt").read_text().strip()  # the terminal report

    shutil.copy(REFERENCE, folder / "bob.py")  # bob resubmits; alice and carol are unchanged
    CountingExecutor.submitted = 0
    with CountingExecutor(max_workers=1) as executor:
        summary = regrade("exercise3", folder, out, keyword=ONE_TEST, executor=executor, progress=False)
    assert (summary.graded, summary.reused, summary.failed, CountingExecutor.submitted) == (1, 2, 0, 1)
    assert _rows(out)["bob"]["score"] == "2"


def test_a_hanging_submission_is_stopped_at_the_time_limit(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "dave.py").write_text("while True:\n    pass\n")
    summary = regrade("exercise3", folder, tmp_path / "grades.csv", jobs=1, timeout_s=5, keyword=ONE_TEST,
                      progress=False)
    record = summary.records[0]
    assert record["status"] == "timeout" and record["seconds"] < 30
    assert "limit of 5 s" in record["message"]
    assert _rows(tmp_path / "grades.csv")["dave"]["status"] == "timeout"
    assert all(str(folder) not in p.read_text(errors="replace")
               for p in Path("/proc").glob("[0-9]*/cmdline") if _readable(p)), "the grading process is still running"


def _readable(path: Path) -> bool:
    try:
        path.read_text(errors="replace")
        return True
    except OSError:
        return False


def test_a_failing_engine_never_stops_the_batch(tmp_path):
    folder = _class_folder(tmp_path)
    summary = regrade("exercise3", folder, tmp_path / "grades.csv", executor=BrokenExecutor(), progress=False)
    assert (summary.graded, summary.failed) == (0, 3)
    rows = _rows(tmp_path / "grades.csv")
    assert {row["status"] for row in rows.values()} == {"error"}
    record = json.loads((tmp_path / "grades_feedback" / "bob.json").read_text())
    assert "lost the worker machine" in record["message"]


def test_side_by_side_gradings_share_the_cores_out(tmp_path, monkeypatch):
    """Each of ``--jobs N`` gradings runs its code with cores/N threads, not every core each."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    folder = tmp_path / "class"
    folder.mkdir()
    for student in ("erin", "frank"):
        (folder / f"{student}.py").write_text(REFERENCE.read_text() + "\nimport os, torch\n"
                                              "print('threads', os.environ.get('OMP_NUM_THREADS'), torch.get_num_threads())\n")
    for jobs, warm in ((2, True), (1, False)):
        summary = regrade("exercise3", folder, tmp_path / f"grades-{jobs}.csv", jobs=jobs, warm=warm,
                          keyword=ONE_TEST, progress=False, force=True, same_user=os.geteuid() != 0)
        want = max(1, min(WORKER_THREADS, available_cores() // jobs))  # a worker's usual threads at most
        assert [r["report"]["import_output"].split() for r in summary.records] == [["threads", str(want), str(want)]] * 2
        assert all(r["score"] == 2 for r in summary.records)
