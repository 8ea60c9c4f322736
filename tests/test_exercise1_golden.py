"""Exercise 1 graded for real: the reference, the stubs and golden bugs."""
from __future__ import annotations

import pytest

from tests.conftest import assert_full_marks, assert_scores_zero, failed_tests
from tests.golden.exercise1.buggy import MODULE, MUTANTS


def test_reference_scores_full_marks(grade_submission, kit_root):
    report = grade_submission("exercise1", kit_root / "solutions" / f"{MODULE}.py")
    assert_full_marks(report)


def test_stub_scores_zero(grade_submission, kit_root):
    report = grade_submission("exercise1", kit_root / "exercises" / f"{MODULE}.py")
    assert_scores_zero(report)


@pytest.mark.parametrize("bug", MUTANTS, ids=lambda m: m.name)
def test_golden_bug_loses_exactly_its_tests(grade_submission, tmp_path, bug):
    report = grade_submission("exercise1", bug.write(MODULE, tmp_path))
    assert not report.errors, report.errors
    assert failed_tests(report) == bug.fails, {t.test_id: t.output for t in report.tests if t.status == "failed"}
