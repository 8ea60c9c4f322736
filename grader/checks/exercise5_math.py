"""LARS, written out in float64 numpy on the trusted side, for the suites to compare with.

These follow exercise 5's stated semantics (timm's ``Lars``), independently of the
reference solution, so a public test needs no hidden code.
"""
from __future__ import annotations

import numpy as np

DEFAULTS = dict(lr=1.0, momentum=0.9, weight_decay=0.0, trust_coefficient=0.001, eps=1e-8, exclude_1d=True)


def trust_ratio(weight, grad, trust_coefficient: float, weight_decay: float, eps: float) -> float:
    """``tc * ||w|| / (||g|| + wd * ||w|| + eps)``, or 1 when either norm is 0."""
    w_norm = float(np.linalg.norm(np.asarray(weight, dtype=np.float64).ravel()))
    g_norm = float(np.linalg.norm(np.asarray(grad, dtype=np.float64).ravel()))
    if w_norm == 0 or g_norm == 0:
        return 1.0
    return trust_coefficient * w_norm / (g_norm + weight_decay * w_norm + eps)


def settings_per_param(num_params: int, hyperparameters: dict, groups) -> list[dict]:
    """The hyperparameters each parameter is updated with (group overrides over defaults)."""
    base = {**DEFAULTS, **hyperparameters}
    if groups is None:
        return [dict(base) for _ in range(num_params)]
    settings: list[dict | None] = [None] * num_params
    for group in groups:
        for index in group["indices"]:
            settings[index] = {**base, **{k: v for k, v in group.items() if k != "indices"}}
    return settings


def lars_trajectory(params, grads_per_step, hyperparameters: dict, groups=None) -> list[list[np.ndarray]]:
    """The parameters after every step: ``d = (g + wd w) trust``, ``buf = m buf + d``, ``w -= lr buf``.

    Excluded (``ndim <= 1`` with ``exclude_1d``) parameters use ``d = g``; a ``None``
    gradient leaves a parameter and its buffer alone.
    """
    weights = [np.array(p, dtype=np.float64) for p in params]
    settings = settings_per_param(len(weights), hyperparameters, groups)
    buffers: dict[int, np.ndarray] = {}
    trajectory = []
    for grads in grads_per_step:
        for index, (weight, grad) in enumerate(zip(weights, grads)):
            if grad is None:
                continue
            s, grad = settings[index], np.asarray(grad, dtype=np.float64)
            if s["exclude_1d"] and weight.ndim <= 1:
                update = grad
            else:
                ratio = trust_ratio(weight, grad, s["trust_coefficient"], s["weight_decay"], s["eps"])
                update = (grad + s["weight_decay"] * weight) * ratio
            if index in buffers:
                buffers[index] = s["momentum"] * buffers[index] + update
            else:
                buffers[index] = update.copy()
            weights[index] = weight - s["lr"] * buffers[index]
        trajectory.append([w.copy() for w in weights])
    return trajectory


def warmup_then_poly_lr(step: int, total_steps: int, warmup_steps: int, peak_lr: float, power: float) -> float:
    """Linear warm-up ``peak (step + 1) / warmup``, then ``peak (1 - progress) ** power``, then 0.

    ``1 - progress`` is the share of the decay steps still to come, ``(total - step) / (total -
    warmup)``: 1 at the first decay step, 0 at ``total_steps``, where the rate stays.
    """
    if step < warmup_steps:  # then step < total_steps too: warmup_steps <= total_steps
        return peak_lr * ((step + 1) / warmup_steps)
    remaining = total_steps - step
    return peak_lr * (remaining / (total_steps - warmup_steps)) ** power if remaining > 0 else 0.0
