"""Exercise 4's own golden tests: the asked way is read from the submission's source.

The reference, the stub and the golden bank are graded in tests/test_golden_bank.py.
"""
from __future__ import annotations

import importlib.util

import torch

from grader.checks import torch_calls
from grader.probes.torch_calls import record_calls
from grader.policy import scan_source
from tests.golden.exercise4.buggy import HIDES_TORCH_MM_FROM_THE_RECORDER, MODULE, MUTANTS

EXERCISE = "exercise4"


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
    _, calls = record_calls(module.matmul_elementwise, torch.ones(3, 4), torch.ones(4, 2))
    assert torch_calls.products(calls).dots == 0 and not torch_calls.products(calls).matrix  # blind
    report = grade_submission(EXERCISE, path, keyword="asked_one")
    assert {t.test_id for t in report.tests if t.status == "failed"} == set(hostile.fails)
    (failed,) = [t for t in report.tests if t.status == "failed"]
    assert "does not multiply the asked way (line" in failed.output and "torch.mm(B, C)" in failed.output
