"""Exercise 5 graded for real: the reference, the stub and golden bugs.

Each bug must lose exactly its tests; where a bug names parametrized cases, exactly those
cases. The large-batch plot must reach the feedback folder. Without a GPU the CUDA test
must be reported as skipped with its reason, for the reference and the stub alike.
"""
from __future__ import annotations

import pytest
import torch

from tests.conftest import assert_full_marks, assert_scores_zero, failed_tests
from tests.golden.exercise5.buggy import MODULE, MUTANTS

EXERCISE = "exercise5"


def cuda_tests_skipped_where_no_gpu(report) -> list:
    """The CUDA tests; where there is no GPU each must be skipped with its reason, never passed."""
    cuda = [t for t in report.tests if "cuda" in t.test_id]
    assert cuda, "the suite must hold a CUDA test"
    if not torch.cuda.is_available():
        assert all(t.status == "skipped" and "CUDA" in t.output for t in cuda), \
            [(t.test_id, t.status, t.output) for t in cuda]
    return cuda


def test_reference_scores_full_marks(grade_submission, kit_root):
    report = grade_submission(EXERCISE, kit_root / "solutions" / f"{MODULE}.py")
    assert_full_marks(report)
    cuda_tests_skipped_where_no_gpu(report)
    assert any(a.endswith("exercise5_large_batch.png") for a in report.artifacts), report.artifacts


def test_stub_scores_zero(grade_submission, kit_root):
    report = grade_submission(EXERCISE, kit_root / "exercises" / f"{MODULE}.py")
    cuda = cuda_tests_skipped_where_no_gpu(report)
    if torch.cuda.is_available():
        assert_scores_zero(report)
    else:
        assert report.score == 0
        assert all(t.status == "failed" for t in report.tests if t not in cuda)
        assert any("is not implemented yet" in t.output for t in report.tests)


def test_bank_is_large_enough():
    assert len(MUTANTS) >= 8
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)


@pytest.mark.parametrize("bug", MUTANTS, ids=lambda m: m.name)
def test_golden_bug_loses_exactly_its_tests(grade_submission, tmp_path, bug):
    report = grade_submission(EXERCISE, bug.write(MODULE, tmp_path))
    assert not report.errors, report.errors
    assert failed_tests(report, bug.fails) == set(bug.fails), {t.test_id: t.output[:600] for t in report.tests
                                                            if t.status == "failed"}
