"""Probes for exercise 2. They run INSIDE the untrusted worker.

Each probe takes the submission module and plain inputs, calls the student's functions
and returns plain data (numbers, lists, numpy arrays). No verdicts here: the suite decides.
Airfoil training runs the student's optimizer through the kit's own copy of d2l's
``train_ch11`` and loader, so a bug elsewhere in the kit's exercises cannot leak in.
"""
from __future__ import annotations

import math

import numpy as np

from grader.probes import float64_copy as _np
from grader.probes import torch, uses
from grader.probes.airfoil import KitLoader, airfoil_tensors, kit_train_ch11

INIT_FUNCTIONS = {"sgd_momentum": "init_momentum_states", "adagrad": "init_adagrad_states",
                  "rmsprop": "init_rmsprop_states", "adam": "init_adam_states"}


def _plain_number(value):
    """A number the wire can carry (a tensor ``t`` becomes its float), else the type's name."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    return f"<{type(value).__name__}>"


def _tensors(nested):
    """Nested lists of arrays -> the same nesting as tuples of float64 tensors (as d2l's init returns)."""
    if nested is None:
        return None
    if isinstance(nested, np.ndarray):
        return torch.tensor(nested, dtype=torch.float64)
    return tuple(_tensors(item) for item in nested)


def _flatten(nested):
    if nested is None:
        return []
    if isinstance(nested, torch.Tensor):
        return [nested]
    return [leaf for item in nested for leaf in _flatten(item)]


# -- optimizer steps ------------------------------------------------------------------------------
def _run_steps(step_fn, params, states, grads, hyperparams):
    """Run ``step_fn`` once per entry of ``grads``; gradients accumulate as ``backward()`` does.

    The parameters and states read back are the very objects handed in, so an update that
    rebinds a name instead of writing into the tensor shows up as "unchanged".
    """
    tensors = [torch.tensor(np.asarray(p), dtype=torch.float64, requires_grad=True) for p in params]
    state_tensors = _tensors(states)
    originals = _flatten(state_tensors)
    hyper = dict(hyperparams)
    history = []
    for step_grads in grads:
        for tensor, grad in zip(tensors, step_grads):
            grad = torch.tensor(np.asarray(grad), dtype=torch.float64)
            if tensor.grad is None:
                tensor.grad = grad
            else:
                tensor.grad.add_(grad)
        step_fn(tensors, state_tensors, hyper)
        history.append({"params": [_np(t) for t in tensors], "states": [_np(s) for s in originals],
                        "grads": [None if t.grad is None else _np(t.grad) for t in tensors],
                        "t": _plain_number(hyper.get("t"))})
    return history


def _steps_probe(function: str):
    @uses(function)
    def probe(sub, params, states, grads, hyperparams):
        return _run_steps(getattr(sub, function), params, states, grads, hyperparams)
    probe.__name__ = probe.__qualname__ = f"{function}_steps"
    return probe


sgd_steps = _steps_probe("sgd")
sgd_momentum_steps = _steps_probe("sgd_momentum")
adagrad_steps = _steps_probe("adagrad")
rmsprop_steps = _steps_probe("rmsprop")
adam_steps = _steps_probe("adam")
STEP_PROBES = {"sgd": sgd_steps, "sgd_momentum": sgd_momentum_steps, "adagrad": adagrad_steps,
               "rmsprop": rmsprop_steps, "adam": adam_steps}


def _describe_states(value, depth=0):
    """The structure of what init_*_states returned: tensors as arrays, containers as lists."""
    if depth > 4:
        return "<too deep>"
    if isinstance(value, torch.Tensor):
        return {"shape": list(value.shape), "dtype": str(value.dtype).removeprefix("torch."),
                "values": _np(value)}
    if isinstance(value, (tuple, list)):
        return [_describe_states(item, depth + 1) for item in value]
    return f"<{type(value).__name__}>"


def _init_probe(function: str):
    @uses(function)
    def probe(sub, feature_dim):
        return _describe_states(getattr(sub, function)(feature_dim))
    probe.__name__ = probe.__qualname__ = function
    return probe


init_momentum_states = _init_probe("init_momentum_states")
init_adagrad_states = _init_probe("init_adagrad_states")
init_rmsprop_states = _init_probe("init_rmsprop_states")
init_adam_states = _init_probe("init_adam_states")
INIT_PROBES = {"sgd_momentum": init_momentum_states, "adagrad": init_adagrad_states,
               "rmsprop": init_rmsprop_states, "adam": init_adam_states}


# -- schedules --------------------------------------------------------------------------------------
def _schedule_probe(function: str):
    @uses(function)
    def probe(sub, ts, kwargs):
        schedule = getattr(sub, function)
        return [_plain_number(schedule(t, **kwargs)) for t in ts]
    probe.__name__ = probe.__qualname__ = f"{function}_values"
    return probe


exponential_lr_values = _schedule_probe("exponential_lr")
polynomial_lr_values = _schedule_probe("polynomial_lr")
inverse_lr_values = _schedule_probe("inverse_lr")
multistep_lr_values = _schedule_probe("multistep_lr")
cosine_lr_values = _schedule_probe("cosine_lr")
SCHEDULE_PROBES = {"exponential_lr": exponential_lr_values, "polynomial_lr": polynomial_lr_values,
                   "inverse_lr": inverse_lr_values, "multistep_lr": multistep_lr_values,
                   "cosine_lr": cosine_lr_values}


# -- the noisy quadratic ------------------------------------------------------------------------------
@uses("f_2d_grad")
def f_2d_grad(sub, points):
    out = []
    for x1, x2 in points:
        g1, g2 = sub.f_2d_grad(x1, x2)
        out.append([_plain_number(g1), _plain_number(g2)])
    return out


def kit_schedule(name: str, kwargs: dict):
    """The kit's own schedules, so noisy_sgd_2d is graded apart from the student's schedules."""
    if name == "constant":
        return lambda t: 1.0
    if name == "polynomial":
        return lambda t: (1 + kwargs["beta"] * t) ** (-kwargs["alpha"])
    if name == "exponential":
        return lambda t: math.exp(-kwargs["rate"] * t)
    raise ValueError(f"unknown schedule {name!r}")


@uses("noisy_sgd_2d")
def noisy_runs(sub, eta, schedule, schedule_kwargs, steps, seeds, final_only=False):
    """One run per seed (``torch.Generator().manual_seed(seed)``); whole paths or final points."""
    out = []
    for seed in seeds:
        path = sub.noisy_sgd_2d(eta, kit_schedule(schedule, schedule_kwargs), steps,
                                torch.Generator().manual_seed(seed))
        path = _np(path)
        out.append(path[-1] if final_only and path.ndim == 2 else path)
    return out


# -- airfoil: the kit's train_ch11 with the student's optimizer --------------------------------------
def _train_probe(function: str):
    @uses(function)
    def probe(sub, hyperparams, batch_size=10, num_epochs=2, seed=0):
        torch.manual_seed(seed)
        features, labels = airfoil_tensors()
        data = KitLoader(features, labels, batch_size, seed)
        init = INIT_FUNCTIONS.get(function)
        states = getattr(sub, init)(features.shape[1]) if init else None
        times, losses = kit_train_ch11(getattr(sub, function), states, dict(hyperparams), data,
                                       features.shape[1], num_epochs)
        return {"times": times, "losses": losses}
    probe.__name__ = probe.__qualname__ = f"train_with_{function}"
    return probe


TRAIN_PROBES = {name: _train_probe(name) for name in STEP_PROBES}
train_with_sgd = TRAIN_PROBES["sgd"]
train_with_sgd_momentum = TRAIN_PROBES["sgd_momentum"]
train_with_adagrad = TRAIN_PROBES["adagrad"]
train_with_rmsprop = TRAIN_PROBES["rmsprop"]
train_with_adam = TRAIN_PROBES["adam"]


@uses("train_concise")
def concise(sub, optimizer, hyperparams, batch_size=10, num_epochs=2, seed=0):
    """The student's train_concise with a torch.optim class named by the grader."""
    optimizer_cls = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "Adagrad": torch.optim.Adagrad,
                     "RMSprop": torch.optim.RMSprop}[optimizer]
    torch.manual_seed(seed)
    features, labels = airfoil_tensors()
    data = KitLoader(features, labels, batch_size, seed)
    result = sub.train_concise(optimizer_cls, dict(hyperparams), data, num_epochs)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"train_concise should return (times, losses), got {type(result).__name__}")
    times, losses = result
    return {"times": [_plain_number(t) for t in times], "losses": [_plain_number(v) for v in losses]}
