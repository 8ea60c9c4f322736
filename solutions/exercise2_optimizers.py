"""Exercise 2 — Optimizers from scratch, learning-rate schedules, and SGD on a noisy quadratic.

Every optimizer in "Dive into Deep Learning" chapter 12 is a few lines once the convention
is clear: ``fn(params, states, hyperparams)`` updates each parameter ``p`` in place from
``p.grad``, updates its state (velocity, running squares) in place, and zeroes ``p.grad``
itself, because ``backward()`` *adds* to whatever gradient is already there. The state
comes from ``init_*_states(feature_dim)``: zeros shaped like the linear model's ``w``
``(feature_dim, 1)`` and ``b`` ``(1,)``. You then train d2l's linear regression on the
airfoil data with each of them (the grader runs them through its own ``train_ch11``).

The second half is about the learning rate. With a constant rate SGD never settles: on
``f(x1, x2) = x1² + 2·x2²`` with N(0, 1) noise added to every gradient component it bounces
around the minimum at a *noise floor* whose height grows with the rate. Decaying the rate
(inverse, polynomial ``(1 + βt)^(-α)``, exponential ``e^(-λt)``, piecewise constant, cosine
with warm-up) shrinks the floor, so the iterates get closer to the minimum.

What you will see once it works (``grade exercise2`` prints it and draws the curves):

* momentum (lr 0.02, momentum 0.5), Adagrad (lr 0.1), RMSProp (lr 0.01, γ 0.9) and Adam
  (lr 0.01) all reach a loss near 0.243 on airfoil in two epochs of minibatch 10;
* with a constant rate 0.1, the mean of f over many noisy runs stays near 0.059 after 50
  steps; polynomial decay ``(1 + 0.1t)^(-0.5)`` brings it down to about 0.023.

The d2l (PyTorch tab) update rules, ``g = p.grad``:

* momentum: ``v = momentum·v + g;  p -= lr·v`` (torch.optim.SGD with dampening 0);
* Adagrad: ``s += g²;  p -= lr·g / sqrt(s + 1e-6)`` (torch puts eps outside the root);
* RMSProp: ``s = γ·s + (1 - γ)·g²;  p -= lr·g / sqrt(s + 1e-6)`` (torch: outside, too);
* Adam: ``v = β1·v + (1 - β1)·g;  s = β2·s + (1 - β2)·g²;  v̂ = v / (1 - β1^t);
  ŝ = s / (1 - β2^t);  p -= lr·v̂ / (sqrt(ŝ) + 1e-6)`` with β1 = 0.9, β2 = 0.999 and
  ``t = hyperparams['t']`` (1 at the first step), incremented by one after each call.
"""
from __future__ import annotations

import bisect
import math
import time

import torch
from torch import nn

BETA1, BETA2, EPS = 0.9, 0.999, 1e-6  # d2l's Adam constants; EPS is Adagrad's and RMSProp's too


# -- optimizers: fn(params, states, hyperparams) ------------------------------------------------
def sgd(params, states, hyperparams):
    """Minibatch SGD: ``p -= lr·p.grad`` in place, then zero ``p.grad``.

    Args:
        params: the parameter tensors (``requires_grad=True``, with ``.grad`` filled in).
        states: unused (SGD keeps no state; d2l passes ``None``).
        hyperparams: ``{'lr': learning rate}``.
    """
    # BEGIN SOLUTION
    with torch.no_grad():
        for p in params:
            p -= hyperparams["lr"] * p.grad
            p.grad.zero_()
    # END SOLUTION


def init_momentum_states(feature_dim: int):
    """The velocities of ``w`` and ``b``: ``(zeros (feature_dim, 1), zeros (1,))``."""
    # BEGIN SOLUTION
    return torch.zeros((feature_dim, 1)), torch.zeros(1)
    # END SOLUTION


def sgd_momentum(params, states, hyperparams):
    """SGD with momentum: ``v = momentum·v + g;  p -= lr·v``, both in place; zero ``p.grad``.

    Args:
        params: the parameter tensors.
        states: one velocity per parameter, same shape (:func:`init_momentum_states`).
        hyperparams: ``{'lr': ..., 'momentum': ...}``.
    """
    # BEGIN SOLUTION
    with torch.no_grad():
        for p, v in zip(params, states):
            v[:] = hyperparams["momentum"] * v + p.grad
            p[:] -= hyperparams["lr"] * v
            p.grad.zero_()
    # END SOLUTION


def init_adagrad_states(feature_dim: int):
    """The running sums of squared gradients: ``(zeros (feature_dim, 1), zeros (1,))``."""
    # BEGIN SOLUTION
    return torch.zeros((feature_dim, 1)), torch.zeros(1)
    # END SOLUTION


def adagrad(params, states, hyperparams):
    """Adagrad: ``s += g²;  p -= lr·g / sqrt(s + 1e-6)``, in place; zero ``p.grad``.

    Args:
        params: the parameter tensors.
        states: one sum of squares per parameter (:func:`init_adagrad_states`).
        hyperparams: ``{'lr': ...}``.
    """
    # BEGIN SOLUTION
    with torch.no_grad():
        for p, s in zip(params, states):
            s[:] += torch.square(p.grad)
            p[:] -= hyperparams["lr"] * p.grad / torch.sqrt(s + EPS)
            p.grad.zero_()
    # END SOLUTION


def init_rmsprop_states(feature_dim: int):
    """The leaky averages of squared gradients: ``(zeros (feature_dim, 1), zeros (1,))``."""
    # BEGIN SOLUTION
    return torch.zeros((feature_dim, 1)), torch.zeros(1)
    # END SOLUTION


def rmsprop(params, states, hyperparams):
    """RMSProp: ``s = γ·s + (1 - γ)·g²;  p -= lr·g / sqrt(s + 1e-6)``, in place; zero ``p.grad``.

    Args:
        params: the parameter tensors.
        states: one leaky average per parameter (:func:`init_rmsprop_states`).
        hyperparams: ``{'lr': ..., 'gamma': γ}``.
    """
    # BEGIN SOLUTION
    gamma = hyperparams["gamma"]
    with torch.no_grad():
        for p, s in zip(params, states):
            s[:] = gamma * s + (1 - gamma) * torch.square(p.grad)
            p[:] -= hyperparams["lr"] * p.grad / torch.sqrt(s + EPS)
            p.grad.zero_()
    # END SOLUTION


def init_adam_states(feature_dim: int):
    """Adam's moments, one ``(v, s)`` pair per parameter: ``((v_w, s_w), (v_b, s_b))``, all zeros.

    ``v_w`` and ``s_w`` have shape ``(feature_dim, 1)``, ``v_b`` and ``s_b`` shape ``(1,)``.
    """
    # BEGIN SOLUTION
    return ((torch.zeros((feature_dim, 1)), torch.zeros((feature_dim, 1))),
            (torch.zeros(1), torch.zeros(1)))
    # END SOLUTION


def adam(params, states, hyperparams):
    """Adam with bias correction, d2l's form (see the module docstring); zero ``p.grad``.

    ``hyperparams['t']`` is the step number used in the bias correction (1 at the first
    step); increment it by one after updating every parameter.

    Args:
        params: the parameter tensors.
        states: one ``(v, s)`` pair per parameter (:func:`init_adam_states`), updated in place.
        hyperparams: ``{'lr': ..., 't': ...}``.
    """
    # BEGIN SOLUTION
    t = hyperparams["t"]
    with torch.no_grad():
        for p, (v, s) in zip(params, states):
            v[:] = BETA1 * v + (1 - BETA1) * p.grad
            s[:] = BETA2 * s + (1 - BETA2) * torch.square(p.grad)
            v_hat = v / (1 - BETA1 ** t)
            s_hat = s / (1 - BETA2 ** t)
            p[:] -= hyperparams["lr"] * v_hat / (torch.sqrt(s_hat) + EPS)
            p.grad.zero_()
    hyperparams["t"] += 1
    # END SOLUTION


# -- learning-rate schedules: pure functions of the step t --------------------------------------
def constant_lr(t) -> float:
    """A constant multiplier, 1 at every step (the worked example: a schedule is just ``t -> rate``)."""
    return 1.0


def exponential_lr(t, rate) -> float:
    """Exponential decay of the multiplier: ``exp(-rate·t)``."""
    # BEGIN SOLUTION
    return math.exp(-rate * t)
    # END SOLUTION


def polynomial_lr(t, beta, alpha) -> float:
    """Polynomial decay of the multiplier: ``(1 + beta·t)^(-alpha)``."""
    # BEGIN SOLUTION
    return (1 + beta * t) ** (-alpha)
    # END SOLUTION


def inverse_lr(t, eta0, beta) -> float:
    """Inverse-time decay of the rate: ``eta0 / (1 + beta·t)``."""
    # BEGIN SOLUTION
    return eta0 / (1 + beta * t)
    # END SOLUTION


def multistep_lr(t, base_lr, milestones, gamma) -> float:
    """Piecewise constant: ``base_lr·gamma^k``, ``k`` the number of milestones ``m <= t``.

    As ``torch.optim.lr_scheduler.MultiStepLR``: with milestones ``[10, 20]`` the rate is
    ``base_lr`` for ``t < 10``, ``base_lr·gamma`` for ``10 <= t < 20``, then ``base_lr·gamma²``.
    ``milestones`` is sorted.
    """
    # BEGIN SOLUTION
    return base_lr * gamma ** bisect.bisect_right(milestones, t)
    # END SOLUTION


def cosine_lr(t, base_lr, final_lr, max_steps, warmup_steps=0, warmup_begin_lr=0) -> float:
    """d2l's cosine schedule with linear warm-up, as a pure function of ``t``.

    * ``t < warmup_steps``: linear from ``warmup_begin_lr`` (at ``t = 0``) towards ``base_lr``:
      ``warmup_begin_lr + (base_lr - warmup_begin_lr)·t / warmup_steps``;
    * ``warmup_steps <= t <= max_steps``: half a cosine from ``base_lr`` down to ``final_lr``:
      ``final_lr + (base_lr - final_lr)·(1 + cos(π·(t - warmup_steps) / (max_steps - warmup_steps))) / 2``;
    * ``t > max_steps``: ``final_lr``.

    ``max_steps`` counts the warm-up too (d2l's ``max_update``); ``max_steps > warmup_steps``.
    """
    # BEGIN SOLUTION
    if t < warmup_steps:
        return warmup_begin_lr + (base_lr - warmup_begin_lr) * t / warmup_steps
    if t > max_steps:
        return final_lr
    progress = (t - warmup_steps) / (max_steps - warmup_steps)
    return final_lr + (base_lr - final_lr) * (1 + math.cos(math.pi * progress)) / 2
    # END SOLUTION


# -- SGD on a noisy quadratic ------------------------------------------------------------------
def f_2d(x1, x2):
    """The objective ``f(x1, x2) = x1² + 2·x2²`` (the worked example)."""
    return x1 ** 2 + 2 * x2 ** 2


def f_2d_grad(x1, x2):
    """The gradient of :func:`f_2d`, as a pair ``(df/dx1, df/dx2)``."""
    # BEGIN SOLUTION
    return 2 * x1, 4 * x2
    # END SOLUTION


def noisy_sgd_2d(eta, schedule, steps, generator=None):
    """SGD on :func:`f_2d` with N(0, 1) noise on each gradient component, from ``(-5, -2)``.

    Step ``t = 0 .. steps-1`` draws ``noise = torch.randn(2, generator=generator,
    dtype=torch.float64)`` (both components at once, in this order) and moves
    ``x <- x - eta·schedule(t)·(grad f(x) + noise)``.

    Args:
        eta: the base learning rate.
        schedule: ``t -> multiplier``, e.g. :func:`constant_lr` or
            ``lambda t: polynomial_lr(t, 0.1, 0.5)``.
        steps: the number of updates.
        generator: a ``torch.Generator`` making the noise reproducible.

    Returns:
        The iterates, float64 of shape ``(steps + 1, 2)``; row 0 is ``(-5, -2)``.
    """
    # BEGIN SOLUTION
    x = torch.tensor([-5.0, -2.0], dtype=torch.float64)
    path = [x]
    for t in range(steps):
        noise = torch.randn(2, generator=generator, dtype=torch.float64)
        grad = torch.stack(f_2d_grad(x[0], x[1])) + noise
        x = x - eta * schedule(t) * grad
        path.append(x)
    return torch.stack(path)
    # END SOLUTION


# -- the concise version with torch.optim --------------------------------------------------------
def train_concise(optimizer_cls, hyperparams, data_iter, num_epochs=4):
    """d2l's ``train_concise_ch11``: the same linear regression, trained with ``torch.optim``.

    The model is ``nn.Linear(5, 1)`` (airfoil's five features) with its weight drawn from
    ``N(0, 0.01²)`` (``nn.init.normal_``) and the default bias. For every minibatch: zero the
    gradients, ``nn.MSELoss`` averaged over the batch, ``backward()``, ``optimizer.step()``.
    Each time the number of examples seen reaches a multiple of 200, record half the mean
    squared error on all of ``data_iter`` (MSE has no 1/2; d2l's squared loss has) and the
    training time so far (time spent evaluating excluded).

    Args:
        optimizer_cls: e.g. ``torch.optim.SGD``; built as ``optimizer_cls(params, **hyperparams)``.
        hyperparams: keyword arguments of the optimizer, e.g. ``{'lr': 0.01}``.
        data_iter: a re-iterable loader of ``(X, y)`` minibatches.
        num_epochs: passes over ``data_iter``.

    Returns:
        ``(cumulative_times, losses)``: the loss curve, two lists of equal length.
    """
    # BEGIN SOLUTION
    net = nn.Linear(5, 1)
    nn.init.normal_(net.weight, std=0.01)
    optimizer = optimizer_cls(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction="none")

    def full_loss() -> float:
        total, count = 0.0, 0
        with torch.no_grad():
            for X, y in data_iter:
                out = net(X)
                losses = loss(out, y.reshape(out.shape))
                total += float(losses.sum())
                count += losses.numel()
        return total / count / 2

    seen, elapsed, times, curve = 0, 0.0, [], []
    start = time.perf_counter()
    for _ in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            loss(out, y.reshape(out.shape)).mean().backward()
            optimizer.step()
            seen += X.shape[0]
            if seen % 200 == 0:
                elapsed += time.perf_counter() - start
                times.append(elapsed)
                curve.append(full_loss())
                start = time.perf_counter()
    return times, curve
    # END SOLUTION
