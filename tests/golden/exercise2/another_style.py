"""A correct exercise-2 submission in another style: numpy first, where the reference is torch first.

The optimizers update numpy views of the parameters, gradients and states in place; the
schedules are closed forms written another way (the polynomial through ``exp`` and
``log1p``, the cosine through ``np.interp`` and a clamped share of the decay); the noisy
path is a numpy array; ``train_concise`` times its steps with a stopwatch. Written from the
stub's docstrings alone: it must get full marks.
"""
from __future__ import annotations

import math
import time

import numpy as np
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
    rate = hyperparams["lr"]
    for param in params:
        weights, grads = _arrays(param, param.grad)
        weights -= rate * grads
        grads[...] = 0.0


def init_momentum_states(feature_dim: int):
    """The velocities of ``w`` and ``b``: ``(zeros (feature_dim, 1), zeros (1,))``."""
    return _zeros_like_model(feature_dim)


def sgd_momentum(params, states, hyperparams):
    """SGD with momentum: ``v = momentum·v + g;  p -= lr·v``, both in place; zero ``p.grad``.

    Args:
        params: the parameter tensors.
        states: one velocity per parameter, same shape (:func:`init_momentum_states`).
        hyperparams: ``{'lr': ..., 'momentum': ...}``.
    """
    rate, friction = hyperparams["lr"], hyperparams["momentum"]
    for param, velocity in zip(params, states):
        weights, grads, v = _arrays(param, param.grad, velocity)
        v *= friction
        v += grads
        weights -= rate * v
        grads[...] = 0.0


def init_adagrad_states(feature_dim: int):
    """The running sums of squared gradients: ``(zeros (feature_dim, 1), zeros (1,))``."""
    return _zeros_like_model(feature_dim)


def adagrad(params, states, hyperparams):
    """Adagrad: ``s += g²;  p -= lr·g / sqrt(s + 1e-6)``, in place; zero ``p.grad``.

    Args:
        params: the parameter tensors.
        states: one sum of squares per parameter (:func:`init_adagrad_states`).
        hyperparams: ``{'lr': ...}``.
    """
    rate = hyperparams["lr"]
    for param, squares in zip(params, states):
        weights, grads, s = _arrays(param, param.grad, squares)
        s += grads * grads
        weights -= rate * grads / np.sqrt(s + EPS)
        grads[...] = 0.0


def init_rmsprop_states(feature_dim: int):
    """The leaky averages of squared gradients: ``(zeros (feature_dim, 1), zeros (1,))``."""
    return _zeros_like_model(feature_dim)


def rmsprop(params, states, hyperparams):
    """RMSProp: ``s = γ·s + (1 - γ)·g²;  p -= lr·g / sqrt(s + 1e-6)``, in place; zero ``p.grad``.

    Args:
        params: the parameter tensors.
        states: one leaky average per parameter (:func:`init_rmsprop_states`).
        hyperparams: ``{'lr': ..., 'gamma': γ}``.
    """
    rate, gamma = hyperparams["lr"], hyperparams["gamma"]
    for param, leaky in zip(params, states):
        weights, grads, s = _arrays(param, param.grad, leaky)
        s *= gamma
        s += (1 - gamma) * grads * grads
        weights -= rate * grads / np.sqrt(s + EPS)
        grads[...] = 0.0


def init_adam_states(feature_dim: int):
    """Adam's moments, one ``(v, s)`` pair per parameter: ``((v_w, s_w), (v_b, s_b))``, all zeros.

    ``v_w`` and ``s_w`` have shape ``(feature_dim, 1)``, ``v_b`` and ``s_b`` shape ``(1,)``.
    """
    first, second = _zeros_like_model(feature_dim), _zeros_like_model(feature_dim)
    return tuple(zip(first, second))


def adam(params, states, hyperparams):
    """Adam with bias correction, d2l's form (see the module docstring); zero ``p.grad``.

    ``hyperparams['t']`` is the step number used in the bias correction (1 at the first
    step); increment it by one after updating every parameter.

    Args:
        params: the parameter tensors.
        states: one ``(v, s)`` pair per parameter (:func:`init_adam_states`), updated in place.
        hyperparams: ``{'lr': ..., 't': ...}``.
    """
    step = hyperparams["t"]
    unbias_first, unbias_second = 1 - BETA1 ** step, 1 - BETA2 ** step
    for param, moments in zip(params, states):
        weights, grads, v, s = _arrays(param, param.grad, *moments)
        v += (1 - BETA1) * (grads - v)  # the leaky average as an interpolation towards g
        s *= BETA2
        s += (1 - BETA2) * grads * grads
        weights -= hyperparams["lr"] * (v / unbias_first) / (np.sqrt(s / unbias_second) + EPS)
        grads[...] = 0.0
    hyperparams["t"] = step + 1


# -- learning-rate schedules: pure functions of the step t --------------------------------------
def constant_lr(t) -> float:
    """A constant multiplier, 1 at every step (the worked example: a schedule is just ``t -> rate``)."""
    return 1.0


def exponential_lr(t, rate) -> float:
    """Exponential decay of the multiplier: ``exp(-rate·t)``."""
    return math.pow(math.e, -rate * t)


def polynomial_lr(t, beta, alpha) -> float:
    """Polynomial decay of the multiplier: ``(1 + beta·t)^(-alpha)``."""
    # (1 + bt)^(-a) = e^(-a ln(1 + bt))
    return math.exp(-alpha * math.log1p(beta * t))


def inverse_lr(t, eta0, beta) -> float:
    """Inverse-time decay of the rate: ``eta0 / (1 + beta·t)``."""
    return eta0 * (1.0 / (1.0 + beta * t))


def multistep_lr(t, base_lr, milestones, gamma) -> float:
    """Piecewise constant: ``base_lr·gamma^k``, ``k`` the number of milestones ``m <= t``.

    As ``torch.optim.lr_scheduler.MultiStepLR``: with milestones ``[10, 20]`` the rate is
    ``base_lr`` for ``t < 10``, ``base_lr·gamma`` for ``10 <= t < 20``, then ``base_lr·gamma²``.
    ``milestones`` is sorted.
    """
    rate = base_lr
    for milestone in milestones:
        if milestone > t:
            break
        rate *= gamma
    return rate


def cosine_lr(t, base_lr, final_lr, max_steps, warmup_steps=0, warmup_begin_lr=0) -> float:
    """d2l's cosine schedule with linear warm-up, as a pure function of ``t``.

    * ``t < warmup_steps``: linear from ``warmup_begin_lr`` (at ``t = 0``) towards ``base_lr``:
      ``warmup_begin_lr + (base_lr - warmup_begin_lr)·t / warmup_steps``;
    * ``warmup_steps <= t <= max_steps``: half a cosine from ``base_lr`` down to ``final_lr``:
      ``final_lr + (base_lr - final_lr)·(1 + cos(π·(t - warmup_steps) / (max_steps - warmup_steps))) / 2``;
    * ``t > max_steps``: ``final_lr``.

    ``max_steps`` counts the warm-up too (d2l's ``max_update``); ``max_steps > warmup_steps``.
    """
    if t < warmup_steps:
        return float(np.interp(t, [0, warmup_steps], [warmup_begin_lr, base_lr]))
    decay = max_steps - warmup_steps
    done = min(t - warmup_steps, decay) / decay  # the share of the decay behind us, 1 from max_steps on
    return final_lr + 0.5 * (base_lr - final_lr) * (1 + math.cos(math.pi * done))


# -- SGD on a noisy quadratic ------------------------------------------------------------------
def f_2d(x1, x2):
    """The objective ``f(x1, x2) = x1² + 2·x2²`` (the worked example)."""
    return x1 ** 2 + 2 * x2 ** 2


def f_2d_grad(x1, x2):
    """The gradient of :func:`f_2d`, as a pair ``(df/dx1, df/dx2)``."""
    # d/dx1 of x1² is 2·x1; d/dx2 of 2·x2² is 4·x2.
    return x1 * 2.0, x2 * 4.0


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
    path = np.empty((steps + 1, 2))
    path[0] = (-5.0, -2.0)
    for t in range(steps):
        noise = torch.randn(2, generator=generator, dtype=torch.float64).numpy()
        direction = np.array(f_2d_grad(*path[t])) + noise
        path[t + 1] = path[t] - eta * schedule(t) * direction
    return torch.from_numpy(path)


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
    net = nn.Linear(5, 1)
    with torch.no_grad():
        net.weight.normal_(0.0, 0.01)
    optimizer = optimizer_cls(net.parameters(), **hyperparams)
    mse = nn.MSELoss()
    summed = nn.MSELoss(reduction="sum")

    def half_mse_everywhere() -> float:
        with torch.no_grad():
            pairs = [(float(summed(net(X), y.reshape(-1, 1))), len(y)) for X, y in data_iter]
        return sum(e for e, _ in pairs) / sum(k for _, k in pairs) / 2

    clock, examples, times, losses = _Stopwatch(), 0, [], []
    for _epoch in range(num_epochs):
        for X, y in data_iter:
            with clock:
                optimizer.zero_grad()
                mse(net(X), y.reshape(-1, 1)).backward()
                optimizer.step()
            examples += len(X)
            if examples % 200 == 0:
                times.append(clock.seconds)
                losses.append(half_mse_everywhere())
    return times, losses


# -- helpers of this solution ------------------------------------------------------------------
def _arrays(*tensors):
    """numpy views of CPU tensors: writing into them writes into the tensors, autograd unaware."""
    return [t.detach().numpy() for t in tensors]


def _zeros_like_model(feature_dim: int):
    """Zeros shaped like the linear model's ``w`` and ``b``, float32 as its parameters."""
    return tuple(torch.from_numpy(np.zeros(shape, dtype=np.float32)) for shape in ((feature_dim, 1), (1,)))


class _Stopwatch:
    """Adds up the seconds spent inside ``with stopwatch:`` blocks."""

    def __init__(self):
        self.seconds = 0.0

    def __enter__(self):
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds += time.perf_counter() - self._started
        return False
