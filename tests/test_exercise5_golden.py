"""Exercise 5 graded for real: the reference, the stub and golden bugs.

Each bug must lose exactly its tests; where a bug names parametrized cases, exactly those
cases. The large-batch plot must reach the feedback folder.
"""
from __future__ import annotations

import pytest

from tests.golden.exercise5.buggy import MODULE, MUTANTS

EXERCISE = "exercise5"


def failures(report, expected: frozenset[str]) -> set[str]:
    """Failed tests as function names, or full ids for the functions ``expected`` names by case."""
    by_case = {name.split("[")[0] for name in expected if "[" in name}
    failed = {t.test_id for t in report.tests if t.status == "failed"}
    return {i if i.split("[")[0] in by_case else i.split("[")[0] for i in failed}


def test_reference_scores_full_marks(grade_submission, kit_root):
    report = grade_submission(EXERCISE, kit_root / "solutions" / f"{MODULE}.py")
    assert not report.errors, report.errors
    assert report.not_run == []
    assert report.score == report.max_score > 0, [(t.test_id, t.output) for t in report.tests
                                                  if t.status == "failed"]
    assert any(a.endswith("exercise5_large_batch.png") for a in report.artifacts), report.artifacts


def test_stub_scores_zero(grade_submission, kit_root):
    report = grade_submission(EXERCISE, kit_root / "exercises" / f"{MODULE}.py")
    assert report.score == 0
    assert all(t.status == "failed" for t in report.tests)
    assert any("is not implemented yet" in t.output for t in report.tests)


def test_bank_is_large_enough():
    assert len(MUTANTS) >= 8
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)


@pytest.mark.parametrize("bug", MUTANTS, ids=lambda m: m.name)
def test_golden_bug_loses_exactly_its_tests(grade_submission, tmp_path, bug):
    report = grade_submission(EXERCISE, bug.write(MODULE, tmp_path))
    assert not report.errors, report.errors
    assert failures(report, bug.fails) == set(bug.fails), {t.test_id: t.output[:600] for t in report.tests
                                                            if t.status == "failed"}
