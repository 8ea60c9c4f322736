"""A hang is reported at the student's line, costs one timeout, and what hung is not called again."""
from __future__ import annotations

import re
import textwrap
import time

import nbformat
import pytest

from grader.probes import diagnostics
from grader.sandbox.errors import ProbeTimeout
from grader.sandbox.hangs import NotCalledAgain
from grader.sandbox.limits import Limits
from grader.sandbox.worker import Worker

MODULE = "exercise3_data"
SHUFFLED = "    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)\n"
# data_iter "trims" its order until it is no longer than n: it always is, so it never stops.
SPIN = SHUFFLED + "    while len(order) <= n:\n        order = order[:n]\n"
CALL_TIMEOUT_S = 10.0


def spinning_source(kit_root) -> tuple[str, set[int]]:
    """The reference with a data_iter that never returns, and the lines of its loop."""
    source = (kit_root / "solutions" / f"{MODULE}.py").read_text(encoding="utf-8")
    assert source.count(SHUFFLED) == 1
    source = source.replace(SHUFFLED, SPIN)
    first = source.splitlines().index("    while len(order) <= n:") + 1
    return source, {first, first + 1}


def test_a_hang_names_the_line_costs_one_timeout_and_is_not_called_again(grade_submission, kit_root, tmp_path):
    source, loop = spinning_source(kit_root)
    path = tmp_path / f"{MODULE}.py"
    path.write_text(source, encoding="utf-8")
    started = time.monotonic()
    report = grade_submission("exercise3", path, keyword="data_iter", limits=Limits(call_timeout_s=CALL_TIMEOUT_S))
    elapsed = time.monotonic() - started
    failed = [t for t in report.tests if t.status == "failed"]
    hung = [t for t in failed if "did not return within" in t.output]
    assert len(hung) == 1, [t.output for t in failed]
    match = re.search(rf"{MODULE}\.py, line (\d+), in data_iter\n    (.*)", hung[0].output)
    assert match and int(match.group(1)) in loop, hung[0].output
    assert match.group(2) in ("while len(order) <= n:", "order = order[:n]")
    line = int(match.group(1))
    again = [t for t in failed if f"data_iter hung in an earlier test (line {line}): not called again" in t.output]
    assert len(again) >= 8 and len(again) == len(failed) - 1, [t.output for t in failed]
    durations = sorted(t.duration_s for t in again)  # at once: only a reference worker's start takes time
    assert durations[len(durations) // 2] < 1 and sum(durations) < 2 * CALL_TIMEOUT_S, durations
    # One timeout, not one per test: a timeout each (5 s after the first two) would take 20 + 9 * 5 s and more.
    assert elapsed < 3 * CALL_TIMEOUT_S + 30, elapsed
    assert any(t.status == "passed" for t in report.tests)  # what does not call it is graded as usual


def test_a_notebooks_hang_is_given_as_its_cell_and_line(grade_submission, kit_root, tmp_path):
    source, loop = spinning_source(kit_root)
    head, tail = source.split("def data_iter(", 1)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(head.rstrip() + "\n"),
                      nbformat.v4.new_code_cell("def data_iter(" + tail)]
    path = tmp_path / f"{MODULE}.ipynb"
    nbformat.write(notebook, str(path))
    cell_line = {line - head.count("\n") for line in loop}  # data_iter's cell starts at its def
    report = grade_submission("exercise3", path, keyword="keeps_order or data_iter_accepts",
                              limits=Limits(call_timeout_s=5))
    outputs = "\n".join(t.output for t in report.tests)
    match = re.search(r"cell 2, line (\d+), in data_iter", outputs)
    assert match and int(match.group(1)) in cell_line, outputs
    assert re.search(r"data_iter hung in an earlier test \(cell 2, line \d+\): not called again", outputs), outputs


def test_every_binding_of_what_hung_is_stubbed_methods_and_closures_too(tmp_path):
    path = tmp_path / "student_module.py"
    path.write_text(textwrap.dedent("""
        def _spin(*args):
            while True:
                pass
        first = second = _spin
        class Model:
            def step(self):
                def inner():
                    while True:
                        pass
                return inner()
            @staticmethod
            def fine():
                return 3
        def step():
            return Model().step()
        def answer():
            return 42
    """))
    with Worker(path, "student_module", limits=Limits(call_timeout_s=2)) as worker:
        with pytest.raises(ProbeTimeout, match=r"line [34], in _spin\n    (while True:|pass)") as first:
            worker.call(diagnostics.call, name="first")
        assert not isinstance(first.value, NotCalledAgain)
        with pytest.raises(NotCalledAgain, match=r"call: _spin hung in an earlier test \(line [34]\): not called"):
            worker.call(diagnostics.call, name="second")  # another name for the same function
        assert worker.timeouts == 1 and worker.restarts == 1  # a fresh worker failed at once
        with pytest.raises(ProbeTimeout, match=r"line 11, in step\n    return inner\(\)\n.*line (9|10), in inner"):
            worker.call(diagnostics.call, name="step")
        with pytest.raises(NotCalledAgain, match="inner hung in an earlier test"):
            worker.call(diagnostics.call, name="step")  # Model.step, whose closure hung, is stubbed
        assert worker.call(diagnostics.call, name="answer") == 42
        assert worker.timeouts == 2


def test_a_call_stopped_by_its_tests_budget_is_slow_not_hung(tmp_path):
    path = tmp_path / "student_module.py"
    path.write_text("def slow():\n    while True:\n        pass\n")
    with Worker(path, "student_module", limits=Limits(call_timeout_s=2)) as worker:
        worker.deadline = time.monotonic() + 0.6  # the test's budget ends before the call's limit
        with pytest.raises(ProbeTimeout, match="line [23], in slow"):
            worker.call(diagnostics.call, name="slow")
        worker.deadline = None
        with pytest.raises(ProbeTimeout, match="did not return within 2 s") as again:
            worker.call(diagnostics.call, name="slow")  # called again: it was not said to hang
        assert not isinstance(again.value, NotCalledAgain)
