"""Timing one LARS step on a ResNet-50-sized parameter list, with the work verified.

A timed probe builds the parameters and their gradients from a seed (:func:`parameter`,
numpy, so both sides make the same float32 values), runs ``steps`` optimizer steps and
returns, per parameter, the sum of its entries and the sum of their squares. The grader
recomputes a few parameters chosen at random *after* the call, in float64
(:mod:`grader.checks.exercise5_math`): LARS updates each parameter on its own, so a submission
that skipped any part of the work cannot know whether that part is checked. Every timed
call uses another learning rate (:func:`learning_rate`), so no call can replay an earlier
answer. The clock is the grader's, around the whole call (:func:`step_timer`); the CUDA-event
times the probe reports come from the submission's process and only go into the feedback.
"""
from __future__ import annotations

import functools
import math
import random

import numpy as np

from grader.checks import exercise5_math as lars_math, timing
from grader.checks.compare import fail
from grader.probes import exercise5 as probes

RESNET50_NUMEL = 25_557_032  # torchvision's resnet50(): 161 parameter tensors
SETTINGS = dict(momentum=0.9, weight_decay=1e-4, trust_coefficient=0.02, eps=1e-8, exclude_1d=True)
CHECKED_PER_CALL = 4
MAX_STEP_SLOWDOWN = 3.0  # student/reference time; the same algorithm, so about 1x on any device
TIMED_STEPS = 10  # per timed call: the call's own overhead (copies, checksums) stays small


def resnet50_shapes() -> list[tuple[int, ...]]:
    """The parameter shapes of torchvision's ResNet-50 (convolutions, batch norms, classifier)."""
    shapes: list[tuple[int, ...]] = [(64, 3, 7, 7), (64,), (64,)]
    in_channels = 64
    for width, blocks in ((64, 3), (128, 4), (256, 6), (512, 3)):
        for block in range(blocks):
            out_channels = width * 4
            shapes += [(width, in_channels, 1, 1), (width,), (width,),
                       (width, width, 3, 3), (width,), (width,),
                       (out_channels, width, 1, 1), (out_channels,), (out_channels,)]
            if block == 0:  # the projection shortcut
                shapes += [(out_channels, in_channels, 1, 1), (out_channels,), (out_channels,)]
            in_channels = out_channels
    return shapes + [(1000, 2048), (1000,)]


def parameter(shape, seed: int, index: int) -> tuple[np.ndarray, np.ndarray]:
    """The float32 weight and gradient of parameter ``index``, made on their own from the seed.

    The gradient leans along the weight (plus noise), so one step changes every parameter's
    sum of squares by far more than float32 rounding: skipped work shows in the checksums.
    """
    rng = np.random.default_rng([seed, index])
    weight = np.asarray(rng.standard_normal(shape, dtype=np.float32) * np.float32(0.05), dtype=np.float32)
    noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.01)
    return weight, np.asarray(weight * np.float32(0.5) + noise, dtype=np.float32)


def learning_rate(call: int) -> float:
    """The learning rate of the ``call``-th timed call: every call asks for new work."""
    return 0.5 + (call % 16) / 32


@functools.lru_cache(maxsize=256)
def expected_checksums(shape: tuple, seed: int, index: int, lr: float, steps: int) -> tuple[float, float]:
    """(sum, sum of squares) of parameter ``index`` after ``steps`` LARS steps, in float64."""
    weight, grad = parameter(shape, seed, index)
    trajectory = lars_math.lars_trajectory([weight], [[grad]] * steps, dict(SETTINGS, lr=lr))
    final = trajectory[-1][0]
    return float(final.sum()), float((final * final).sum())


def checksum_problem(received, shapes, seed: int, lr: float, steps: int, chooser=None) -> str:
    """'' when the probe's checksums are those of real LARS steps, else what is wrong.

    ``chooser`` picks the parameters to recompute (by default unpredictably, per call).
    """
    try:
        values = np.asarray(received, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        return f"expected a pair of checksums per parameter, received {str(received)[:80]}"
    if len(values) != len(shapes):
        return f"expected checksums of {len(shapes)} parameters, received {len(values)}"
    chooser = chooser or random.SystemRandom()
    for index in sorted(chooser.sample(range(len(shapes)), min(CHECKED_PER_CALL, len(shapes)))):
        total, squares = values[index]
        want_total, want_squares = expected_checksums(tuple(shapes[index]), seed, index, lr, steps)
        # float32 steps: each entry is off by about 1e-6 of itself; 100x that, summed, is the slack.
        size = math.prod(shapes[index])
        if not (abs(total - want_total) <= 1e-4 * math.sqrt(size * want_squares) + 1e-12
                and abs(squares - want_squares) <= 1e-4 * want_squares + 1e-12):
            return (f"parameter {index} (shape {tuple(shapes[index])}) after {steps} steps: sum {total:.6g} "
                    f"(expected {want_total:.6g}), sum of squares {squares:.6g} (expected {want_squares:.6g})")
    return ""


# -- the suite's timer ---------------------------------------------------------------------------
def step_timer(worker, shapes, device: str, optimizer: str = "lars", seed: int = 0):
    """A zero-argument callable: seconds per optimizer step, clocked here, the work verified.

    Each call asks for other work (a new learning rate); the CUDA-event times the worker
    reports are kept in ``run.event_seconds`` for the feedback, never used for a verdict.
    """
    calls = []

    def run() -> float:
        lr = learning_rate(len(calls))
        out, seconds = worker.timed_call(probes.timed_steps, shapes=shapes, seed=seed, lr=lr, steps=TIMED_STEPS,
                                         settings=SETTINGS, device=device, optimizer=optimizer)
        calls.append(float(out["event_seconds"]))
        problem = optimizer == "lars" and checksum_problem(out["checksums"], shapes, seed, lr, TIMED_STEPS)
        if problem:
            fail("LARS.step", f"the timed steps are wrong: {problem}", inputs=f"{len(shapes)} parameters on "
                 f"{device}, lr={lr}", hint="the timing check runs real steps; they must match the float64 tests")
        return seconds / TIMED_STEPS
    run.event_seconds = calls
    return run


def speed_note(comparison, events: dict, where: str) -> str:
    """The graded comparison, then the lesson: each optimizer's step by CUDA events, LARS
    against torch's SGD loops on the same list (``events``: label -> seconds per step, per call)."""
    steps = ", ".join(f"{label} {timing.duration(timing.quartiles(seconds)[1])}" for label, seconds in events.items())
    return (f"one step, {RESNET50_NUMEL / 1e6:.1f} M parameters in 161 tensors: {comparison.describe(where)}. "
            f"Per step by CUDA events (the reference's worker; yours from your own process, not graded): {steps}")
