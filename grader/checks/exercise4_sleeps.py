"""Exercise 4's own timing functions (``time_strategy``, ``gflops``) checked on strategies that sleep.

A strategy that sleeps a known time per call (the probes' ``time_sleep``) has a known answer:
the seconds ``time_strategy`` returns must be about ``SLEEP_S``. On a loaded machine a wake-up
comes up to a few ms late, so the sleep is long enough to dwarf that.
"""
from __future__ import annotations

import math

from grader.checks.compare import fail

SLEEP_S = 0.05
COLD_S = 0.5  # the first call's sleep in the warm-up test


def within(value: float, target: float, low: float, high: float) -> bool:
    return math.isfinite(value) and low * target <= value <= high * target


def check_sleep_calls(calls, elapsed: float, n: int, device: str, at_least: int, function: str) -> None:
    """The calls the worker reports may fail ``function``; only the grader's clock around the call
    passes it (each call of the strategy sleeps ``SLEEP_S``: the time cannot be made up)."""
    if len(calls) < at_least or elapsed < 0.9 * at_least * SLEEP_S:
        fail(function, "called the strategy too few times", expected=f"at least {at_least} (warm-up + repeats)",
             received=f"{len(calls)} calls reported, {elapsed:.3f} s on the grader's clock")
    if any(shape != [n, n] or where != device for shape, where in calls):
        fail(function, "did not pass n x n matrices on the asked device to the strategy",
             expected=f"[{n}, {n}] on {device}", received=calls[:3])


def timed_answer(worker, probe, **inputs) -> dict:
    """The probe's answer, with ``elapsed``: the seconds the grader's clock measured around it."""
    out, elapsed = worker.timed_call(probe, **inputs)
    return dict(out, elapsed=elapsed)
