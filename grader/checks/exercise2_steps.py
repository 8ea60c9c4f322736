"""Exercise 2's optimizer steps and schedule values compared with float64 (trusted side).

A worker's history is one dict per step, ``{"params": [w, b], "states": [...], "t": ...}``;
it is compared step by step with :mod:`grader.checks.exercise2_math` (or torch.optim, or the
reference), and the first step that differs is the one reported, with the hint that fixes
the usual mistake.
"""
from __future__ import annotations

from grader.checks import exercise2_math as optimizer_math
from grader.checks.compare import assert_close, fail
from grader.checks.exercise2_cases import describe_case
from grader.probes import exercise2 as probes

RTOL, ATOL = 1e-9, 1e-12  # float64 in, float64 out: only rounding may differ
HINTS = {
    "sgd": "p -= lr * p.grad, then p.grad.zero_()",
    "sgd_momentum": "v[:] = momentum * v + p.grad; p[:] -= lr * v (no (1 - momentum) factor)",
    "adagrad": "s[:] += p.grad**2; p[:] -= lr * p.grad / torch.sqrt(s + 1e-6) (eps inside the root)",
    "rmsprop": "s[:] = gamma * s + (1 - gamma) * p.grad**2; p[:] -= lr * p.grad / torch.sqrt(s + 1e-6)",
    "adam": "bias-correct with t = hyperparams['t'] (before incrementing it), divide by sqrt(s_hat) + 1e-6"}
SCHEDULE_HINTS = {
    "exponential_lr": "math.exp(-rate * t)",
    "polynomial_lr": "(1 + beta * t) ** (-alpha)",
    "inverse_lr": "eta0 / (1 + beta * t)",
    "multistep_lr": "base_lr * gamma ** (number of milestones m with m <= t)",
    "cosine_lr": "warm-up for t < warmup_steps, half-cosine up to t = max_steps, final_lr after"}


def flat_states(described) -> list:
    """The state tensors a worker described (dicts of shape and values), in order, nesting flattened."""
    if isinstance(described, dict):
        return [described]
    if not isinstance(described, list):
        return [None]
    return [leaf for item in described for leaf in flat_states(item)]


def check_params(name: str, received, expected, inputs: str, what: str = "", hint: str | None = None) -> None:
    """Parameters after every step; the first step that differs is the one reported."""
    for step, (got, want) in enumerate(zip(received, expected), start=1):
        for label, g, w in zip(("w", "b"), got["params"], want["params"]):
            assert_close(g, w, name, f"{label} after step {step}{what}", inputs=inputs,
                         hint=hint or HINTS[name], rtol=RTOL, atol=ATOL)


def check_states(name: str, received, expected, inputs: str) -> None:
    """The state tensors after every step: as many as expected, each equal to its expected value."""
    labels = ["v_w", "s_w", "v_b", "s_b"] if name == "adam" else ["state of w", "state of b"]
    for step, (got, want) in enumerate(zip(received, expected), start=1):
        if len(got["states"]) != len(want["states"]):
            fail(name, "the states hold a different number of tensors", expected=len(want["states"]),
                 received=len(got["states"]), inputs=inputs)
        for label, g, w in zip(labels, got["states"], want["states"]):
            assert_close(g, w, name, f"{label} after step {step}", inputs=inputs, rtol=RTOL, atol=ATOL,
                         hint="update the state tensors you were given in place (v[:] = ...), "
                              "so the next call sees them")


def check_update(student, name: str, case: dict) -> None:
    """The student's steps on ``case`` (an optimizer_cases case) against float64, states included."""
    received = student.call(probes.STEP_PROBES[name], **case)
    expected = optimizer_math.run_steps(name, case["params"], case["states"], case["grads"], case["hyperparams"])
    inputs = describe_case(case)
    check_params(name, received, expected, inputs)
    check_states(name, received, expected, inputs)


def check_schedule(student, name: str, ts: list[int], kwargs: dict) -> None:
    """The student's schedule at the steps ``ts`` against its formula in float64."""
    got = student.call(probes.SCHEDULE_PROBES[name], ts=ts, kwargs=kwargs)
    want = [optimizer_math.SCHEDULES[name](t, **kwargs) for t in ts]
    assert_close(got, want, name, "the values at t = " + str(ts), inputs=optimizer_math.describe(kwargs),
                 rtol=RTOL, atol=ATOL, hint=SCHEDULE_HINTS[name])
