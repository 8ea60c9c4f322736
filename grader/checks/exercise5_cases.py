"""Drawing exercise-5 cases: parameters, gradients per step, hyperparameters and groups.

Hypothesis strategies for the LARS and trust-ratio tests, and the fixed case every LARS
detail shows up in; the suite compares the student's answers with ``grader.checks.exercise5_math``.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

SHAPES = [(), (3,), (5,), (2, 3), (4, 2), (3, 1, 2, 2)]
HYPERPARAMETERS = st.fixed_dictionaries({
    "lr": st.sampled_from([0.01, 0.1, 1.0, 2.5]),
    "momentum": st.sampled_from([0.0, 0.5, 0.9]),
    "weight_decay": st.sampled_from([0.0, 1e-4, 0.05]),
    "trust_coefficient": st.sampled_from([1e-3, 0.02, 0.5]),
    "eps": st.sampled_from([0.0, 1e-8, 1e-3]),
    "exclude_1d": st.booleans(),
})
# A parameter: its shape, whether its weight is all zeros, its scale (10**k), and per step
# what its gradient is: drawn at a scale 10**k, all zeros, or None (no gradient).
PARAMETER = st.tuples(st.sampled_from(SHAPES), st.booleans(), st.integers(-6, 6),
                      st.lists(st.one_of(st.integers(-6, 6), st.sampled_from(["zero", "none"])),
                               min_size=3, max_size=3))


@st.composite
def lars_cases(draw, max_steps: int = 3):
    """A full case: parameters, gradients for each step, hyperparameters and groups."""
    specs = draw(st.lists(PARAMETER, min_size=1, max_size=4))
    steps = draw(st.integers(1, max_steps))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    params, grads = [], [[] for _ in range(steps)]
    for shape, zero_weight, scale, kinds in specs:
        params.append(np.zeros(shape) if zero_weight else rng.normal(size=shape) * 10.0 ** scale)
        for step in range(steps):
            kind = kinds[step]
            grads[step].append(None if kind == "none" else np.zeros(shape) if kind == "zero"
                               else rng.normal(size=shape) * 10.0 ** kind)
    hyperparameters = draw(HYPERPARAMETERS)
    groups = None
    if len(params) > 1 and draw(st.booleans()):
        split = draw(st.integers(1, len(params) - 1))
        overrides = draw(st.fixed_dictionaries({}, optional={
            "lr": st.sampled_from([0.05, 3.0]), "momentum": st.sampled_from([0.0, 0.8]),
            "weight_decay": st.sampled_from([0.0, 0.01]), "trust_coefficient": st.sampled_from([0.1]),
            "exclude_1d": st.booleans()}))
        groups = [{"indices": list(range(split))}, {"indices": list(range(split, len(params))), **overrides}]
    return params, grads, hyperparameters, groups


def describe_case(params, grads, hyperparameters, groups) -> str:
    def norm(a):
        return "None" if a is None else f"{np.linalg.norm(a):.3g}"
    shapes = [tuple(np.shape(p)) for p in params]
    text = (f"LARS(params of shapes {shapes}, {', '.join(f'{k}={v}' for k, v in hyperparameters.items())})"
            f"; ||w|| = {[norm(p) for p in params]}; ||g|| per step = {[[norm(g) for g in s] for s in grads]}")
    return text + (f"; groups {groups}" if groups else "")


@st.composite
def trust_cases(draw):
    shape = draw(st.sampled_from(SHAPES[1:] + [(1,)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    weight = rng.normal(size=shape) * 10.0 ** draw(st.integers(-8, 8))
    grad = rng.normal(size=shape) * 10.0 ** draw(st.integers(-8, 8))
    zero = draw(st.sampled_from(["none", "none", "weight", "grad", "both"]))
    if zero in ("weight", "both"):
        weight = np.zeros(shape)
    if zero in ("grad", "both"):
        grad = np.zeros(shape)
    return (weight, grad, draw(st.sampled_from([1e-3, 0.02, 1.0])), draw(st.sampled_from([0.0, 1e-4, 0.1])),
            draw(st.sampled_from([0.0, 1e-8, 1e-2])))


# Always tried first: a weight, a bias and a scalar, all with gradients, weight decay on,
# biases excluded, two steps with momentum -- the case every LARS detail shows up in.
MIXED_CASE = ([np.linspace(-1, 1, 6).reshape(3, 2), np.array([0.3, -0.2, 0.1]), np.array(1.5)],
              [[np.linspace(2, -3, 6).reshape(3, 2), np.array([1.0, 4.0, -2.0]), np.array(-0.5)],
               [np.linspace(-1, 1, 6).reshape(3, 2), np.array([0.5, 0.5, 0.5]), np.array(2.0)]],
              dict(lr=0.5, momentum=0.9, weight_decay=0.05, trust_coefficient=0.02, eps=1e-8, exclude_1d=True),
              None)
