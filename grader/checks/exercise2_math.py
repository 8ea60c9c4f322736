"""The d2l update rules and learning-rate schedules in plain float64 numpy (trusted side).

Suites compute what a correct optimizer step or schedule gives from the same inputs the
student's code received, and compare. The forms follow d2l chapter 12's PyTorch tab:
Adagrad and RMSProp put ``eps`` inside the square root, Adam outside the root of the
bias-corrected second moment, with the step number ``t`` taken before it is incremented.
"""
from __future__ import annotations

import bisect
import math

import numpy as np

BETA1, BETA2, EPS = 0.9, 0.999, 1e-6


def _step(name: str, p, g, state, hyper):
    """One parameter's update; returns ``(new_p, new_state)`` without touching the inputs."""
    lr = hyper["lr"]
    if name == "sgd":
        return p - lr * g, state
    if name == "sgd_momentum":
        v = hyper["momentum"] * state + g
        return p - lr * v, v
    if name == "adagrad":
        s = state + g ** 2
        return p - lr * g / np.sqrt(s + EPS), s
    if name == "rmsprop":
        s = hyper["gamma"] * state + (1 - hyper["gamma"]) * g ** 2
        return p - lr * g / np.sqrt(s + EPS), s
    if name == "adam":
        v = BETA1 * state[0] + (1 - BETA1) * g
        s = BETA2 * state[1] + (1 - BETA2) * g ** 2
        v_hat, s_hat = v / (1 - BETA1 ** hyper["t"]), s / (1 - BETA2 ** hyper["t"])
        return p - lr * v_hat / (np.sqrt(s_hat) + EPS), (v, s)
    raise ValueError(f"unknown optimizer {name!r}")


def run_steps(name: str, params, states, grads, hyperparams) -> list[dict]:
    """Expected history of ``len(grads)`` steps, shaped like the probe's.

    Gradients are zeroed after each step, so step ``k`` sees exactly ``grads[k]``.
    ``states`` is ``None`` (sgd), one array per parameter, or one ``(v, s)`` pair per parameter
    (adam); the history lists the state arrays flattened in that order.
    """
    params = [np.asarray(p, dtype=np.float64) for p in params]
    states = None if states is None else [
        tuple(np.asarray(a, dtype=np.float64) for a in s) if name == "adam" else np.asarray(s, dtype=np.float64)
        for s in states]
    hyper = dict(hyperparams)
    history = []
    for step_grads in grads:
        new_params, new_states = [], []
        for index, (p, g) in enumerate(zip(params, step_grads)):
            state = None if states is None else states[index]
            p, state = _step(name, p, np.asarray(g, dtype=np.float64), state, hyper)
            new_params.append(p)
            new_states.append(state)
        params = new_params
        states = None if states is None else new_states
        if name == "adam":
            hyper["t"] += 1
        history.append({"params": params, "states": flatten_states(states), "t": hyper.get("t")})
    return history


def flatten_states(states) -> list[np.ndarray]:
    if states is None:
        return []
    flat = []
    for state in states:
        flat.extend(state if isinstance(state, tuple) else [state])
    return flat


def zero_states(name: str, feature_dim: int):
    """What ``init_*_states(feature_dim)`` returns, as numpy: ``None`` for sgd."""
    shapes = [(feature_dim, 1), (1,)]
    if name == "sgd":
        return None
    if name == "adam":
        return [(np.zeros(s), np.zeros(s)) for s in shapes]
    return [np.zeros(s) for s in shapes]


# -- schedules ---------------------------------------------------------------------------------------
def exponential_lr(t, rate):
    """e^(-rate·t)."""
    return float(np.exp(-rate * t))


def polynomial_lr(t, beta, alpha):
    """(1 + beta·t)^(-alpha)."""
    return float(np.power(1.0 + beta * t, -alpha))


def inverse_lr(t, eta0, beta):
    """eta0 / (1 + beta·t)."""
    return float(np.divide(eta0, 1.0 + beta * t))


def multistep_lr(t, base_lr, milestones, gamma):
    return base_lr * gamma ** bisect.bisect_right(sorted(milestones), t)


def cosine_lr(t, base_lr, final_lr, max_steps, warmup_steps=0, warmup_begin_lr=0):
    """A straight line from ``warmup_begin_lr`` towards ``base_lr``, then half a cosine down to ``final_lr``.

    After the warm-up the rate is ``final + (base - final)·cos²(θ)`` with θ going from 0 to π/2
    over the ``max_steps - warmup_steps`` decay steps and staying at π/2 after them:
    cos²(θ) = (1 + cos 2θ) / 2, the half-cosine written with half the angle.
    """
    if t < warmup_steps:
        share = t / warmup_steps
        return (1 - share) * warmup_begin_lr + share * base_lr
    decay_steps = max_steps - warmup_steps
    theta = 0.5 * math.pi * min(t - warmup_steps, decay_steps) / decay_steps
    return final_lr + (base_lr - final_lr) * math.cos(theta) ** 2


SCHEDULES = {"exponential_lr": exponential_lr, "polynomial_lr": polynomial_lr, "inverse_lr": inverse_lr,
             "multistep_lr": multistep_lr, "cosine_lr": cosine_lr}


def describe(hyperparams: dict) -> str:
    """``lr=0.1, momentum=0.5``: hyperparameters as a student would type them."""
    return ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in hyperparams.items())



def schedule_job_problem(got, falling, rising) -> str:
    """'' if the rates are finite, non-negative, and the schedule does decay (and warm up).

    A schedule's basic job comes before any property of its shape: a constant is monotone,
    and earns nothing for it. Its values at each step are the value tests' business.
    """
    got = np.asarray(got, dtype=float).reshape(-1)
    if not np.all(np.isfinite(got)) or (got < 0).any():
        return "every rate must be a finite, non-negative number"
    falling, rising = list(falling), list(rising)
    for span, word, ok in ((falling, "decay", lambda a, b: b <= 0.5 * a), (rising, "warm up", lambda a, b: b >= 2 * a)):
        if span and not ok(got[span[0]], got[span[-1]]):
            return (f"the rate does not {word}: {got[span[0]]:.6g} at t={span[0]}, "
                    f"{got[span[-1]]:.6g} at t={span[-1]}")
    return ""
