"""Timing checks that do not fail correct code on a noisy machine.

The clock runs here, in the trusted process, around a probe call that repeats the work on
fresh inputs and returns checksums the suite verifies, so a submission can neither fake
the time nor skip the work. Student and reference alternate (A B A B ...) so both see the
same machine load; the median of blocks is compared against a generous bound; a failing
comparison is measured once more before it counts.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass
class SpeedComparison:
    student_s: float
    reference_s: float
    blocks: int

    @property
    def ratio(self) -> float:
        return self.student_s / max(self.reference_s, 1e-12)

    def describe(self, device: str) -> str:
        return (f"median of {self.blocks}: yours {self.student_s * 1e3:.2f} ms, reference "
                f"{self.reference_s * 1e3:.2f} ms ({self.ratio:.2f}x) on {device}, "
                "the other side paused while each was timed")


def median_time(run, blocks: int) -> float:
    return statistics.median(run() for _ in range(blocks))


def interleaved(student_run, reference_run, blocks: int = 5, warmup: int = 1) -> SpeedComparison:
    """Median times of two zero-argument callables returning seconds, measured A B A B."""
    for _ in range(warmup):
        student_run()
        reference_run()
    student, reference = [], []
    for _ in range(blocks):
        student.append(student_run())
        reference.append(reference_run())
    return SpeedComparison(statistics.median(student), statistics.median(reference), blocks)


def within_ratio(student_run, reference_run, max_ratio: float, blocks: int = 5,
                 retries: int = 1) -> tuple[bool, SpeedComparison]:
    """Whether the student's time stays within ``max_ratio`` times the reference's."""
    comparison = interleaved(student_run, reference_run, blocks)
    for _ in range(retries):
        if comparison.ratio <= max_ratio:
            break
        comparison = interleaved(student_run, reference_run, blocks, warmup=0)
    return comparison.ratio <= max_ratio, comparison
