"""Inputs for exercise 2's grading tests, drawn by hypothesis or fixed, and torch.optim's answers (trusted side).

An optimizer case is a linear model's ``w`` (d, 1) and ``b`` (1,), gradients for a few
steps, starting states and hyperparameters; a schedule case is a schedule's arguments and
the steps ``t`` to evaluate it at, edges included. ``describe_case`` prints a case so a
student can replay it by hand.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.checks import exercise2_math as optimizer_math


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


def one_step_case(name: str) -> dict:
    """One step of ``name`` from fixed, non-zero states: every parameter and state must change."""
    params = [np.array([[1.0], [-2.0]]), np.array([0.5])]
    states = {"sgd": None, "adam": [(np.full((2, 1), 0.1), np.full((2, 1), 0.2)), (np.full(1, 0.1), np.full(1, 0.2))]
              }.get(name, [np.full((2, 1), 0.3), np.full(1, 0.3)])
    hyper = {"sgd": {"lr": 0.1}, "sgd_momentum": {"lr": 0.1, "momentum": 0.5}, "adagrad": {"lr": 0.1},
             "rmsprop": {"lr": 0.1, "gamma": 0.9}, "adam": {"lr": 0.1, "t": 3}}[name]
    grads = [[np.array([[0.4], [-0.7]]), np.array([1.5])]]
    return {"params": params, "states": states, "grads": grads, "hyperparams": hyper}


# Gradients of w and b where sqrt(s + eps) and sqrt(s) + eps part ways, and where they agree.
EPS_CASES = {"tiny gradients": [np.array([[1e-4], [-3e-4]]), np.array([2e-4])],
             "large gradients": [np.array([[2.0], [-3.0]]), np.array([1.5])]}


def _compact(array) -> str:
    return np.array2string(np.asarray(array).ravel(), precision=4, separator=", ")


def describe_case(case: dict) -> str:
    """Hyperparameters, then every starting value, flattened: enough to replay the case by hand."""
    params = ", ".join(f"{label}={_compact(p)}" for label, p in zip(("w", "b"), case["params"]))
    states = optimizer_math.flatten_states(case["states"])
    grads = "; ".join(f"step {k}: " + ", ".join(_compact(g) for g in step) for k, step in enumerate(case["grads"], 1))
    return (f"hyperparams {{{optimizer_math.describe(case['hyperparams'])}}}, feature_dim={case['params'][0].shape[0]}"
            f", {len(case['grads'])} step(s)\n    start {params}"
            + (f", states {', '.join(_compact(s) for s in states)}" if states else "")
            + f"\n    grads (w, b) {grads}")


steps_t = st.lists(st.integers(0, 1000), min_size=1, max_size=8)


@st.composite
def schedule_cases(draw, name: str):
    """Arguments of one schedule and the steps t to evaluate it at (edges included for cosine)."""
    ts = draw(steps_t)
    if name == "exponential_lr":
        kwargs = {"rate": draw(st.floats(0, 2))}
    elif name == "polynomial_lr":
        kwargs = {"beta": draw(st.floats(0, 2)), "alpha": draw(st.floats(0, 3))}
    elif name == "inverse_lr":
        kwargs = {"eta0": draw(st.floats(1e-3, 10)), "beta": draw(st.floats(0, 2))}
    elif name == "multistep_lr":
        milestones = sorted(draw(st.sets(st.integers(1, 300), max_size=5)))
        kwargs = {"base_lr": draw(st.floats(1e-3, 10)), "milestones": milestones, "gamma": draw(st.floats(0.01, 1))}
        ts = sorted(set(ts) | set(milestones) | {m - 1 for m in milestones})
    else:
        max_steps = draw(st.integers(1, 400))
        warmup = draw(st.integers(0, max_steps - 1))
        base = draw(st.floats(0.01, 10))
        kwargs = {"base_lr": base, "final_lr": draw(st.floats(0, base)), "max_steps": max_steps,
                  "warmup_steps": warmup, "warmup_begin_lr": draw(st.floats(0, base))}
        ts = sorted(set(ts) | {0, warmup, max(warmup - 1, 0), max_steps, max_steps + 1})
    return ts, kwargs


COSINE = {"base_lr": 1.0, "final_lr": 0.1, "max_steps": 100, "warmup_steps": 10, "warmup_begin_lr": 0.0}
EDGE_CASES = {  # label -> (schedule, kwargs, t, the value there)
    "exponential t=0": ("exponential_lr", {"rate": 0.3}, 0, 1.0),
    "polynomial t=0": ("polynomial_lr", {"beta": 0.1, "alpha": 0.5}, 0, 1.0),
    "inverse t=0": ("inverse_lr", {"eta0": 0.5, "beta": 0.2}, 0, 0.5),
    "multistep before the first milestone": ("multistep_lr", {"base_lr": 1.0, "milestones": [5, 8], "gamma": 0.1}, 4, 1.0),
    "multistep at a milestone": ("multistep_lr", {"base_lr": 1.0, "milestones": [5, 8], "gamma": 0.1}, 5, 0.1),
    "multistep past every milestone": ("multistep_lr", {"base_lr": 1.0, "milestones": [5, 8], "gamma": 0.1}, 9, 0.01),
    "cosine warm-up starts at warmup_begin_lr": ("cosine_lr", COSINE, 0, 0.0),
    "cosine last warm-up step": ("cosine_lr", COSINE, 9, 0.9),
    "cosine reaches base_lr after warm-up": ("cosine_lr", COSINE, 10, 1.0),
    "cosine t=0 without warm-up": ("cosine_lr", dict(COSINE, warmup_steps=0), 0, 1.0),
    "cosine at max_steps": ("cosine_lr", COSINE, 100, 0.1),
    "cosine just past max_steps": ("cosine_lr", COSINE, 101, 0.1),
    "cosine far past max_steps": ("cosine_lr", COSINE, 10_000, 0.1),
}
MONOTONE = {  # schedule -> (kwargs, where it must not increase, where it must not decrease)
    "exponential_lr": ({"rate": 0.05}, range(0, 400), ()),
    "polynomial_lr": ({"beta": 0.1, "alpha": 0.5}, range(0, 400), ()),
    "inverse_lr": ({"eta0": 1.0, "beta": 0.1}, range(0, 400), ()),
    "multistep_lr": ({"base_lr": 1.0, "milestones": [50, 120, 300], "gamma": 0.5}, range(0, 400), ()),
    "cosine_lr": ({"base_lr": 1.0, "final_lr": 0.05, "max_steps": 200, "warmup_steps": 20, "warmup_begin_lr": 0.01},
                  range(20, 400), range(0, 21)),
}

# d2l chapter 12's settings for training on airfoil (minibatch 10, two epochs).
AIRFOIL = {
    "sgd": {"lr": 0.05},
    "sgd_momentum": {"lr": 0.02, "momentum": 0.5},
    "adagrad": {"lr": 0.1},
    "rmsprop": {"lr": 0.01, "gamma": 0.9},
    "adam": {"lr": 0.01, "t": 1}}


def torch_history(name: str, params, grads, hyper: dict, eps: float = 1e-6) -> list[dict]:
    """Parameters after each step of the matching torch.optim optimizer, in float64, from zero state."""
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    make = {
        "sgd": lambda: torch.optim.SGD(tensors, lr=hyper["lr"]),
        "sgd_momentum": lambda: torch.optim.SGD(tensors, lr=hyper["lr"], momentum=hyper["momentum"], dampening=0),
        "adam": lambda: torch.optim.Adam(tensors, lr=hyper["lr"], betas=(0.9, 0.999), eps=eps),
        "adagrad": lambda: torch.optim.Adagrad(tensors, lr=hyper["lr"], eps=eps),
        "rmsprop": lambda: torch.optim.RMSprop(tensors, lr=hyper["lr"], alpha=hyper.get("gamma", 0.99), eps=eps),
    }
    optimizer = make[name]()
    history = []
    for step_grads in grads:
        for tensor, grad in zip(tensors, step_grads):
            tensor.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        history.append({"params": [t.detach().numpy().copy() for t in tensors]})
    return history
