"""Exercise 4's timed inputs: drawn from the grading secret, fresh for every timed call on a CPU."""
from __future__ import annotations

import itertools

from grader.checks import exercise4_flops as flops


def test_cpu_calls_never_repeat_inputs_and_a_gpu_keeps_one(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "one regrade")
    cpu = list(itertools.islice(flops.timing_seeds("full/256", "cpu"), 5))
    assert len(set(cpu)) == 5  # remembering an earlier call's products gains nothing
    assert cpu == list(itertools.islice(flops.timing_seeds("full/256", "cpu"), 5))  # the same regrade: the same
    gpu = list(itertools.islice(flops.timing_seeds("full/4096", "cuda"), 3))
    assert len(set(gpu)) == 1
    monkeypatch.setenv("GRADER_SECRET", "another regrade")
    assert next(flops.timing_seeds("full/256", "cpu")) != cpu[0]
