"""Exercise 4 graded for real: the reference, the stubs and golden bugs.

Bugs are matched test by test, parameters included: a wrong blocked product must cost the
blocked cases only. Where a GPU is present, each CPU case a bug fails is expected to fail
on CUDA too, plus the bug's GPU-only failures; without one, every CUDA case must be
reported as skipped with its reason, never passed.
"""
from __future__ import annotations

import importlib.util

import pytest
import torch

from grader.checks import torch_calls
from grader.policy import scan_source
from tests.conftest import assert_full_marks, quiet_when_timed
from tests.golden.exercise4.buggy import (GPU_FAILS, HIDES_TORCH_MM_FROM_THE_RECORDER, MODULE, MUTANTS,
                                         TIMING_TESTS)

EXERCISE = "exercise4"


def failed_ids(report) -> set[str]:
    """Test ids, parameters kept, of the tests that lost points."""
    return {t.test_id for t in report.tests if t.status == "failed"}


def expected_failures(bug) -> set[str]:
    if not torch.cuda.is_available():
        return set(bug.fails)
    on_gpu = {name.replace("cpu]", "cuda]") for name in bug.fails if name.endswith("cpu]")}
    return set(bug.fails) | on_gpu | GPU_FAILS.get(bug.name, set())


def test_reference_scores_full_marks(grade_submission, kit_root):
    report = grade_submission(EXERCISE, kit_root / "solutions" / f"{MODULE}.py")
    assert_full_marks(report)
    cuda_cases = [t for t in report.tests if "cuda" in t.test_id]
    assert cuda_cases, "the suite must hold CUDA cases"
    if not torch.cuda.is_available():
        assert all(t.status == "skipped" and "CUDA" in t.output for t in cuda_cases), \
            [(t.test_id, t.status, t.output) for t in cuda_cases]
    assert any(e.name.startswith("Blocked GFLOPS") and e.value > 0 for e in report.leaderboard)
    assert any(a.endswith("exercise4_gflops_cpu.png") for a in report.artifacts)


def test_stub_scores_zero(grade_submission, kit_root):
    report = grade_submission(EXERCISE, kit_root / "exercises" / f"{MODULE}.py")
    assert report.score == 0
    assert all(t.status in ("failed", "skipped") for t in report.tests)
    assert any("is not implemented yet" in t.output for t in report.tests)


@pytest.mark.parametrize("bug", quiet_when_timed(MUTANTS, TIMING_TESTS))
def test_golden_bug_loses_exactly_its_tests(grade_submission, tmp_path, bug):
    report = grade_submission(EXERCISE, bug.write(MODULE, tmp_path))
    assert not report.errors, report.errors
    assert failed_ids(report) == expected_failures(bug), \
        {t.test_id: t.output for t in report.tests if t.status == "failed"}


def test_the_asked_way_is_read_from_the_source_not_from_the_worker(grade_submission, tmp_path):
    """The evidence is the submission's source, read on the trusted side: the failure names its line
    (the calls recorded in the worker could be forged; a source line cannot)."""
    bug = next(m for m in MUTANTS if m.name == "elementwise_returns_torch_mm")
    path = bug.write(MODULE, tmp_path)
    report = grade_submission(EXERCISE, path, keyword="asked_one")
    (failed,) = [t for t in report.tests if t.status == "failed"]
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "return torch.mm(B, C)" in text)
    assert failed.test_id == "test_strategy_is_the_asked_one[elementwise]"
    assert f"does not multiply the asked way (line {line}: `return torch.mm(B, C)`)" in failed.output, failed.output


def test_hiding_torch_mm_from_the_recorder_is_caught_by_the_source(grade_submission, tmp_path):
    """The recorder in the worker is blind to it (shown here); the source read by the grader is not."""
    hostile = HIDES_TORCH_MM_FROM_THE_RECORDER
    path = hostile.write(MODULE, tmp_path)
    assert scan_source(path.read_text(), EXERCISE) == []  # it runs: the policy has no rule for it
    spec = importlib.util.spec_from_file_location("hostile_matmul", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, calls = torch_calls.record_calls(module.matmul_elementwise, torch.ones(3, 4), torch.ones(4, 2))
    assert torch_calls.products(calls).dots == 0 and not torch_calls.products(calls).matrix  # blind
    report = grade_submission(EXERCISE, path, keyword="asked_one")
    assert {t.test_id for t in report.tests if t.status == "failed"} == set(hostile.fails)
    (failed,) = [t for t in report.tests if t.status == "failed"]
    assert "does not multiply the asked way (line" in failed.output and "torch.mm(B, C)" in failed.output
