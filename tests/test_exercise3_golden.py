"""Exercise 3's own golden tests: hostile submissions, timing cheats, the feedback's wording.

The reference, the stub and the golden bank are graded in tests/test_golden_bank.py.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from grader.policy import scan_source
from grader.sandbox.limits import Limits
from tests.conftest import failed_tests
from tests.golden.exercise3.buggy import MODULE, MUTANTS
from tests.golden.exercise3.timing_cheats import RECOGNISES_THE_TIMING_INPUTS, TIMING_TESTS

HOSTILE = sorted((Path(__file__).parent / "golden" / "exercise3" / "hostile").glob("*.py"))
# The defence that must show in the report of a hostile submission (its words), where one is named.
# What the report must show of the defence that fired: a text, and one of the words for the refusal.
FIRED = {"reads_the_git_history": (".git", ("does not let submissions", "Permission denied")),
         "memory_bomb": ("exercise3_data.py, line 7, in _bomb", ("MemoryError",))}
# The submission policy refuses these before they run (grader/policy.py): the rule it names.
REFUSED_BY = {"attacks_the_grader_process": "signals", "copies_the_reference": "kit-internals",
              "forges_worker_replies": "introspection", "monkeypatches_the_grader": "kit-internals",
              "os_exit_in_every_function": "os", "reads_the_git_history": "introspection"}


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_hostile_submission_is_refused_by_the_policy_or_runs(grade_submission, path):
    """Graded as a course grades: the policy refuses what it can name, before anything runs."""
    assert {r.rule for r in scan_source(path.read_text(encoding="utf-8"), "exercise3")} >= (
        {REFUSED_BY[path.stem]} if path.stem in REFUSED_BY else set())
    if path.stem not in REFUSED_BY:
        assert scan_source(path.read_text(encoding="utf-8"), "exercise3") == []
        return  # left to the sandbox: the next test
    report = grade_submission("exercise3", path, keyword="standardize")
    assert report.score == 0 and report.tests
    assert report.errors[0].startswith("Refused by the submission policy")
    assert f"rule {REFUSED_BY[path.stem]!r}" in report.errors[0], report.errors


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_hostile_submission_earns_nothing(grade_submission, path, monkeypatch):
    """The sandbox's own proof: the policy switched off, every attack runs and still earns nothing."""
    monkeypatch.setenv("GRADER_POLICY", "off")
    started = time.monotonic()
    # 1 GiB of memory, under which the reference scores full marks: a bomb's first gigabyte fails at
    # once instead of being zero-filled first (the whole grading 1.4 s instead of 23 s).
    report = grade_submission("exercise3", path, limits=Limits(call_timeout_s=3, after_strikes_timeout_s=1,
                                                                  memory_bytes=1 << 30))
    assert report.tests, "the report must list every test"
    assert report.score == 0, [(t.name, t.output) for t in report.tests if t.score]
    assert time.monotonic() - started < 240
    if path.stem in FIRED:
        shown = "\n".join([*report.errors, *(t.output for t in report.tests)])
        text, refusals = FIRED[path.stem]
        assert text in shown and any(refusal in shown for refusal in refusals), shown


def test_without_the_reference_hidden_tests_are_reported_not_run(grade_submission, kit_root, tmp_path):
    report = grade_submission("exercise3", kit_root / "solutions" / f"{MODULE}.py", solutions_dir=tmp_path,
                              keyword="standardize")
    hidden = report.not_run
    assert hidden and all(t.score == 0 and "Gradescope" in t.output for t in hidden)
    assert report.score == report.max_score == sum(t.max_score for t in report.tests if t.status == "passed")


def test_feedback_shows_the_smallest_failing_input(grade_submission, tmp_path):
    bug = next(m for m in MUTANTS if m.name == "forgets_the_short_last_batch")
    report = grade_submission("exercise3", bug.write(MODULE, tmp_path), keyword="covers")
    (result,) = report.tests
    assert "Smallest failing input found: case=(1, 2, False, False)" in result.output, result.output
    assert "expected: [1]" in result.output and "received: []" in result.output
    assert "Worker object" not in result.output


def test_recognising_the_timing_inputs_loses_exactly_the_timing_tests(grade_submission, tmp_path):
    """One big batch where it thinks it is timed: every timed epoch is checked batch by batch."""
    cheat = RECOGNISES_THE_TIMING_INPUTS
    report = grade_submission("exercise3", cheat.write(MODULE, tmp_path))
    assert not report.errors, report.errors
    assert failed_tests(report) == cheat.fails == TIMING_TESTS
    for test in (t for t in report.tests if t.status == "failed"):
        assert "the timed epochs were not a valid epoch: 1 batches of sizes" in test.output, test.output


def test_the_same_submission_graded_five_times_gets_one_score(grade_submission, tmp_path, monkeypatch):
    """The timing shapes come from the grading secret: fixed for one regrade, unknown to the submission."""
    path = RECOGNISES_THE_TIMING_INPUTS.write(MODULE, tmp_path)
    monkeypatch.setenv("GRADER_SECRET", "one regrade")
    reports = [grade_submission("exercise3", path, keyword="big_batches or reproducible") for _ in range(5)]
    assert len({r.score for r in reports}) == 1 and reports[0].score == 1 and reports[0].max_score == 2
    shown = {tuple(t.output for t in r.tests) for r in reports}
    assert len(shown) == 1, shown  # the same n and d in every report: "input: n=..., d=..."
    monkeypatch.setenv("GRADER_SECRET", "another regrade")
    other = grade_submission("exercise3", path, keyword="big_batches")
    assert _timing_shape(other) != _timing_shape(reports[0])  # another secret, other shapes


def _timing_shape(report) -> str:
    (test,) = [t for t in report.tests if t.test_id == "test_big_batches_take_less_time_per_epoch"]
    return re.search(r"input: (n=\d+, d=\d+)", test.output).group(1)
