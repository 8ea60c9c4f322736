"""Grading suite for exercise 2: optimizers, learning-rate schedules and SGD on a noisy quadratic.

Student code runs only in the ``student`` worker; every verdict is computed here, against
float64 numpy (grader.checks.optimizer_math), torch.optim where d2l's semantics agree with
it, exact distributions (grader.checks.noisy_quadratic) and, in hidden tests, the reference.

Where d2l and torch.optim differ, knowingly:
* Adagrad and RMSProp: d2l divides by ``sqrt(s + 1e-6)``, torch by ``sqrt(s) + eps``; the two
  agree for large gradients and part for tiny ones (test_eps_inside_the_root_unlike_torch);
* Adam: both divide by ``sqrt(ŝ) + eps`` with ``ŝ`` bias-corrected, so torch.optim.Adam with
  ``eps=1e-6`` (its default is 1e-8) takes exactly d2l's steps; d2l's ``t`` starts at 1 and
  is the caller's, torch counts steps itself;
* SGD with momentum: torch's ``dampening=0`` is d2l's ``v = momentum·v + g``.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.checks import noisy_quadratic, optimizer_math, optimizer_plots
from grader.checks.compare import as_array, assert_close, fail
from grader.probes import exercise2 as probes

EXERCISE = "exercise2"
OPTIMIZERS = ["sgd", "sgd_momentum", "adagrad", "rmsprop", "adam"]
STATEFUL = OPTIMIZERS[1:]
SCHEDULES = ["exponential_lr", "polynomial_lr", "inverse_lr", "multistep_lr", "cosine_lr"]
HINTS = {
    "sgd": "p -= lr * p.grad, then p.grad.zero_()",
    "sgd_momentum": "v[:] = momentum * v + p.grad; p[:] -= lr * v (no (1 - momentum) factor)",
    "adagrad": "s[:] += p.grad**2; p[:] -= lr * p.grad / torch.sqrt(s + 1e-6) (eps inside the root)",
    "rmsprop": "s[:] = gamma * s + (1 - gamma) * p.grad**2; p[:] -= lr * p.grad / torch.sqrt(s + 1e-6)",
    "adam": "bias-correct with t = hyperparams['t'] (before incrementing it), divide by sqrt(s_hat) + 1e-6",
}
RTOL, ATOL = 1e-9, 1e-12  # float64 in, float64 out: only rounding may differ


# -- hypothesis strategies -----------------------------------------------------------------------------
def _arrays(shape, elements):
    return hnp.arrays(np.float64, shape, elements=elements)


values = st.floats(-5, 5)
# Tiny gradients make eps matter: sqrt(s + eps) and sqrt(s) + eps part ways when s ~ eps.
grad_values = st.one_of(st.floats(-5, 5), st.floats(-1e-3, 1e-3))
square_values = st.one_of(st.just(0.0), st.floats(0, 1e-6), st.floats(0, 10))
HYPERPARAMS = {
    "sgd": {"lr": st.floats(1e-3, 1.0)},
    "sgd_momentum": {"lr": st.floats(1e-3, 1.0), "momentum": st.floats(0.0, 0.99)},
    "adagrad": {"lr": st.floats(1e-3, 1.0)},
    "rmsprop": {"lr": st.floats(1e-3, 1.0), "gamma": st.floats(0.5, 0.999)},
    "adam": {"lr": st.floats(1e-3, 1.0), "t": st.integers(1, 100)},
}


@st.composite
def update_cases(draw, name: str, zero_states: bool = False, max_steps: int = 3):
    """Parameters w (d, 1) and b (1,), gradients for 1..max_steps steps, states, hyperparameters."""
    d = draw(st.integers(1, 4))
    shapes = [(d, 1), (1,)]
    steps = draw(st.integers(1, max_steps))
    params = [draw(_arrays(s, values)) for s in shapes]
    grads = [[draw(_arrays(s, grad_values)) for s in shapes] for _ in range(steps)]
    if zero_states or name == "sgd":
        states = optimizer_math.zero_states(name, d)
    elif name == "sgd_momentum":
        states = [draw(_arrays(s, values)) for s in shapes]
    elif name == "adam":
        states = [(draw(_arrays(s, values)), draw(_arrays(s, square_values))) for s in shapes]
    else:
        states = [draw(_arrays(s, square_values)) for s in shapes]
    hyper = {key: draw(strategy) for key, strategy in HYPERPARAMS[name].items()}
    if zero_states and name == "adam":
        hyper["t"] = 1
    return {"params": params, "states": states, "grads": grads, "hyperparams": hyper}


def describe_case(case: dict) -> str:
    return (f"hyperparams {{{optimizer_math.describe(case['hyperparams'])}}}, feature_dim="
            f"{case['params'][0].shape[0]}, {len(case['grads'])} step(s)")


# -- comparing histories ------------------------------------------------------------------------------
def check_params(name, received, expected, inputs, what="", hint=None):
    """Parameters after every step; the first step that differs is the one reported."""
    for step, (got, want) in enumerate(zip(received, expected), start=1):
        for label, g, w in zip(("w", "b"), got["params"], want["params"]):
            assert_close(g, w, name, f"{label} after step {step}{what}", inputs=inputs,
                         hint=hint or HINTS[name], rtol=RTOL, atol=ATOL)


def check_states(name, received, expected, inputs):
    labels = ["v_w", "s_w", "v_b", "s_b"] if name == "adam" else ["state of w", "state of b"]
    for step, (got, want) in enumerate(zip(received, expected), start=1):
        if len(got["states"]) != len(want["states"]):
            fail(name, "the states hold a different number of tensors", expected=len(want["states"]),
                 received=len(got["states"]), inputs=inputs)
        for label, g, w in zip(labels, got["states"], want["states"]):
            assert_close(g, w, name, f"{label} after step {step}", inputs=inputs, rtol=RTOL, atol=ATOL,
                         hint="update the state tensors you were given in place (v[:] = ...), "
                              "so the next call sees them")


def check_update(student, name, case):
    received = student.call(probes.STEP_PROBES[name], **case)
    expected = optimizer_math.run_steps(name, case["params"], case["states"], case["grads"], case["hyperparams"])
    inputs = describe_case(case)
    check_params(name, received, expected, inputs)
    check_states(name, received, expected, inputs)


# -- init_*_states ---------------------------------------------------------------------------------------
def flat_states(described):
    if isinstance(described, dict):
        return [described]
    if not isinstance(described, list):
        return [None]
    return [leaf for item in described for leaf in flat_states(item)]


@pytest.mark.points(1)
@pytest.mark.parametrize("name", STATEFUL)
def test_init_states_are_zeros_shaped_like_params(student, name):
    """init_*_states(feature_dim) returns zeros shaped like w (feature_dim, 1) and b (1,)"""
    function = probes.INIT_FUNCTIONS[name]
    for feature_dim in (1, 5):
        out = student.call(probes.INIT_PROBES[name], feature_dim=feature_dim)
        expected = [[(feature_dim, 1), (feature_dim, 1)], [(1,), (1,)]] if name == "adam" else [(feature_dim, 1), (1,)]
        shapes = [tuple(leaf["shape"]) if isinstance(leaf, dict) else leaf for leaf in flat_states(out)]
        want = [s for pair in expected for s in pair] if name == "adam" else expected
        layout = "((v_w, s_w), (v_b, s_b))" if name == "adam" else "(state_w, state_b)"
        if shapes != want:
            fail(function, "the states have the wrong layout or shapes", expected=f"{layout} with shapes {want}",
                 received=shapes, inputs=f"feature_dim={feature_dim}")
        for leaf in flat_states(out):
            if np.any(as_array(leaf["values"], function, "a state") != 0):
                fail(function, "the states must start at zero", inputs=f"feature_dim={feature_dim}")


# -- updates against float64 --------------------------------------------------------------------------
@pytest.mark.points(2)
@given(case=update_cases("sgd"))
def test_sgd_update(student, case):
    """sgd: one and several steps match p -= lr * grad computed in float64"""
    check_update(student, "sgd", case)


@pytest.mark.points(2)
@given(case=update_cases("sgd_momentum"))
def test_sgd_momentum_update(student, case):
    """sgd_momentum: one and several steps match v = momentum*v + g; p -= lr*v"""
    check_update(student, "sgd_momentum", case)


@pytest.mark.points(2)
@given(case=update_cases("adagrad"))
def test_adagrad_update(student, case):
    """adagrad: one and several steps match s += g²; p -= lr*g/sqrt(s + 1e-6)"""
    check_update(student, "adagrad", case)


@pytest.mark.points(2)
@given(case=update_cases("rmsprop"))
def test_rmsprop_update(student, case):
    """rmsprop: one and several steps match s = γs + (1-γ)g²; p -= lr*g/sqrt(s + 1e-6)"""
    check_update(student, "rmsprop", case)


@pytest.mark.points(2)
@given(case=update_cases("adam"))
def test_adam_update(student, case):
    """adam: one and several steps match d2l's bias-corrected update"""
    check_update(student, "adam", case)


def _one_step_case(name):
    params = [np.array([[1.0], [-2.0]]), np.array([0.5])]
    states = {"sgd": None, "adam": [(np.full((2, 1), 0.1), np.full((2, 1), 0.2)), (np.full(1, 0.1), np.full(1, 0.2))]
              }.get(name, [np.full((2, 1), 0.3), np.full(1, 0.3)])
    hyper = {"sgd": {"lr": 0.1}, "sgd_momentum": {"lr": 0.1, "momentum": 0.5}, "adagrad": {"lr": 0.1},
             "rmsprop": {"lr": 0.1, "gamma": 0.9}, "adam": {"lr": 0.1, "t": 3}}[name]
    grads = [[np.array([[0.4], [-0.7]]), np.array([1.5])]]
    return {"params": params, "states": states, "grads": grads, "hyperparams": hyper}


@pytest.mark.points(1)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_updates_in_place(student, name):
    """The parameters and states passed in are updated in place (not rebound)"""
    case = _one_step_case(name)
    (received,) = student.call(probes.STEP_PROBES[name], **case)
    (expected,) = optimizer_math.run_steps(name, **case)
    inputs = describe_case(case)
    for label, got, before in zip(("w", "b"), received["params"], case["params"]):
        if np.array_equal(got, before):
            fail(name, f"the parameter {label} you were given did not change", inputs=inputs,
                 hint="write into the tensor (p[:] -= ... or p -= ... under torch.no_grad()); "
                      "p = p - ... only rebinds a local name")
    check_params(name, [received], [expected], inputs)
    before = optimizer_math.flatten_states(case["states"])
    for index, (got, old) in enumerate(zip(received["states"], before)):
        if np.array_equal(got, old):
            fail(name, f"state tensor {index} you were given did not change", inputs=inputs,
                 hint="update it in place (v[:] = momentum * v + g), or the next call starts from the old state")
    check_states(name, [received], [expected], inputs)


@pytest.mark.points(1)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_zeroes_gradients(student, name):
    """The optimizer zeroes the gradients itself after the step"""
    case = _one_step_case(name)
    (received,) = student.call(probes.STEP_PROBES[name], **case)
    for label, grad in zip(("w", "b"), received["grads"]):
        if grad is not None and np.any(np.asarray(grad) != 0):
            fail(name, f"{label}.grad is not zero after the step", expected="zeros", received=grad,
                 inputs=describe_case(case),
                 hint="backward() adds to p.grad: call p.grad.zero_() after updating p")


@pytest.mark.points(1)
@settings(max_examples=20)
@given(t0=st.integers(1, 50), steps=st.integers(1, 4))
def test_adam_advances_t(student, t0, steps):
    """adam increments hyperparams['t'] by one per call"""
    case = _one_step_case("adam")
    case["grads"] = case["grads"] * steps
    case["hyperparams"] = {"lr": 0.01, "t": t0}
    received = student.call(probes.adam_steps, **case)
    got = [step["t"] for step in received]
    want = [t0 + k for k in range(1, steps + 1)]
    if got != want:
        fail("adam", "hyperparams['t'] after each call is wrong", expected=want, received=got,
             inputs=f"t starts at {t0}, {steps} call(s)",
             hint="hyperparams['t'] += 1 once per call, after updating every parameter")
