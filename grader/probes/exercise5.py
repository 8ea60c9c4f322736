"""Probes for exercise 5 (LARS). They run INSIDE the untrusted worker.

Each probe builds tensors from plain inputs, runs the student's code and returns plain
data (floats, lists, numpy arrays). No verdicts here: the suite decides.
"""
from __future__ import annotations

import functools
import io
import time

import numpy as np

from grader.probes import float64_copy as _np
from grader.probes import torch, uses

NUM_TRAIN = 8000


def _error_of(action) -> str:
    """'ExceptionType: message' for what ``action()`` raised, or 'no error'."""
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the type and message are the answer
        return f"{type(exc).__name__}: {exc}"
    return "no error"


# -- trust ratio and optimizer steps ----------------------------------------------------------
@uses("trust_ratio")
def trust(sub, weight, grad, trust_coefficient, weight_decay, eps):
    w = torch.tensor(np.asarray(weight, dtype=np.float64))
    g = torch.tensor(np.asarray(grad, dtype=np.float64))
    result = sub.trust_ratio(w, g, trust_coefficient, weight_decay, eps)
    return float(result)


def _leaves(params):
    return [torch.tensor(np.asarray(p, dtype=np.float64), requires_grad=True) for p in params]


def _param_groups(tensors, groups):
    """``groups`` is None (one flat list) or [{"indices": [...], **overrides}, ...]."""
    if groups is None:
        return tensors
    return [{"params": [tensors[i] for i in group["indices"]],
             **{k: v for k, v in group.items() if k != "indices"}} for group in groups]


def _set_grads(tensors, grads):
    for tensor, grad in zip(tensors, grads):
        tensor.grad = None if grad is None else torch.tensor(np.asarray(grad, dtype=np.float64))


@uses("LARS")
def lars_steps(sub, params, grads_per_step, hyperparameters, groups=None):
    """Run ``len(grads_per_step)`` LARS steps; the parameters after each one."""
    tensors = _leaves(params)
    optimizer = sub.LARS(_param_groups(tensors, groups), **hyperparameters)
    trajectory = []
    for grads in grads_per_step:
        _set_grads(tensors, grads)
        optimizer.step()
        trajectory.append([_np(t) for t in tensors])
    return {"trajectory": trajectory}


@uses("LARS")
def state_dict_round_trip(sub, params, grads_before, grads_after, hyperparameters):
    """Optimizer A steps on; optimizer B is rebuilt from A's saved state_dict and steps on too."""
    first = _leaves(params)
    optimizer = sub.LARS(first, **hyperparameters)
    for grads in grads_before:
        _set_grads(first, grads)
        optimizer.step()
    buffer = io.BytesIO()
    torch.save(optimizer.state_dict(), buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    second = [t.detach().clone().requires_grad_(True) for t in first]
    restored = sub.LARS(second, **hyperparameters)
    restored.load_state_dict(saved)
    for grads in grads_after:
        for tensors, opt in ((first, optimizer), (second, restored)):
            _set_grads(tensors, grads)
            opt.step()
    return {"continued": [_np(t) for t in first], "restored": [_np(t) for t in second],
            "saved_states": len(saved.get("state", {}))}


@uses("LARS")
def bad_hyperparameter(sub, name, value, in_group=False):
    """What ``LARS`` raises for one out-of-range setting (as a default or in a group)."""
    p = torch.zeros(2, 2, requires_grad=True)
    if in_group:
        return _error_of(lambda: sub.LARS([{"params": [p], name: value}]))
    return _error_of(lambda: sub.LARS([p], **{name: value}))


# -- learning-rate rules ----------------------------------------------------------------------
@uses("linear_scaled_lr")
def linear_scaled(sub, base_lr, base_batch_size, batch_size):
    return float(sub.linear_scaled_lr(base_lr, base_batch_size, batch_size))


@uses("linear_scaled_lr")
def linear_scaled_error(sub, base_lr, base_batch_size, batch_size):
    return _error_of(lambda: sub.linear_scaled_lr(base_lr, base_batch_size, batch_size))


@uses("warmup_then_poly_lr")
def schedule(sub, steps, total_steps, warmup_steps, peak_lr, power):
    return [float(sub.warmup_then_poly_lr(s, total_steps, warmup_steps, peak_lr, power=power)) for s in steps]


@uses("warmup_then_poly_lr")
def schedule_error(sub, step, total_steps, warmup_steps):
    return _error_of(lambda: sub.warmup_then_poly_lr(step, total_steps, warmup_steps, 1.0))


# -- training on MNIST ------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _mnist():
    from grader.data import load_mnist10k
    pixels, digits = load_mnist10k()
    X, y = torch.from_numpy(pixels), torch.from_numpy(digits)
    return X[:NUM_TRAIN], y[:NUM_TRAIN], X[NUM_TRAIN:], y[NUM_TRAIN:]


def _mlp() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(784, 50), torch.nn.ReLU(), torch.nn.Linear(50, 10))


def _evaluate(model, X, y):
    with torch.no_grad():
        logits = model(X)
    return float(torch.nn.functional.cross_entropy(logits, y)), float((logits.argmax(dim=1) == y).float().mean())


def _kit_training(make_optimizer, batch_size, epochs, seed):
    """The kit's own loop (the exercise's train_mnist), so an optimizer is graded on its own.

    Seeded as the exercise says: the global seed before the model is made, one generator of
    the same seed for the epochs' permutations, each cut into consecutive batches.
    """
    X, y, X_val, y_val = _mnist()
    torch.manual_seed(seed)
    model = _mlp()
    optimizer = make_optimizer(model.parameters())
    shuffler = torch.Generator().manual_seed(seed)
    curves = {"val_loss": [], "val_accuracy": []}
    for _epoch in range(epochs):
        for rows in torch.split(torch.randperm(len(X), generator=shuffler), batch_size):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(X[rows]), y[rows]).backward()
            optimizer.step()
        for curve, value in zip(curves.values(), _evaluate(model, X_val, y_val)):
            curve.append(value)
    return curves


@uses("LARS")
def lars_runs(sub, lars_seeds, epochs, lars_settings, large_batch):
    """The student's LARS in the kit's loop on MNIST, one run per seed."""
    torch.set_num_threads(1)  # tiny matrices: one thread is fastest and immune to a busy machine
    return [_kit_training(lambda p: sub.LARS(p, **lars_settings), large_batch, epochs, seed) for seed in lars_seeds]


@uses("linear_scaled_lr")
def scaled_lr(sub, base_lr, base_batch, batch):
    return float(sub.linear_scaled_lr(base_lr, base_batch, batch))


def sgd_run(sub, lr, batch_size, epochs, seed):
    """``torch.optim.SGD`` (momentum 0.9) in the kit's loop on MNIST: no student code, so the
    suite may ask any worker, and asks the reference's, whose answers a regrade keeps."""
    torch.set_num_threads(1)
    return _kit_training(lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9), batch_size, epochs, seed)


@uses("train_mnist")
def train(sub, lr, momentum, batch_size, epochs, seed):
    """The student's train_mnist with the kit's SGD; the returned model evaluated by the kit."""
    torch.set_num_threads(1)
    factory_calls = []

    def factory(parameters):
        parameters = list(parameters)
        factory_calls.append([list(p.shape) for p in parameters])
        return torch.optim.SGD(parameters, lr=lr, momentum=momentum)

    history = sub.train_mnist(factory, batch_size, epochs, seed)
    keys = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
    out = {"keys": sorted(str(k) for k in history), "factory_calls": factory_calls}
    out.update({key: [float(v) for v in history[key]] for key in keys if key in history})
    model = history.get("model")
    if isinstance(model, torch.nn.Module):
        _, _, X_val, y_val = _mnist()
        out["model_val_loss"], out["model_val_accuracy"] = _evaluate(model, X_val, y_val)
    return out


# -- one LARS step timed on a ResNet-50-sized parameter list -----------------------------------
@functools.lru_cache(maxsize=2)
def _step_inputs(shapes: tuple, seed: int, device: str) -> list:
    """Weights and gradients on ``device``, made once per worker (drawing 51 M numbers takes
    far longer than a step on a GPU)."""
    from grader.checks.exercise5_timing import parameter
    return [tuple(torch.from_numpy(a).to(device) for a in parameter(shape, seed, index))
            for index, shape in enumerate(shapes)]


def _make_optimizer(sub, kind: str, params, lr: float, settings: dict):
    """The student's (or the reference's) LARS, or one of torch's SGD loops to compare with."""
    if kind == "lars":
        return sub.LARS(params, lr=lr, **settings)
    sgd = dict(momentum=settings["momentum"], weight_decay=settings["weight_decay"])
    return torch.optim.SGD(params, lr=lr, foreach=(kind == "sgd_foreach"), **sgd)


def _stepping_seconds(opt, steps: int, device: str) -> float:
    """Seconds ``steps`` calls of ``opt.step()`` take: the process clock on the CPU; on a GPU,
    two CUDA events queued around the calls, read once the device has passed the second."""
    if device != "cuda":
        began = time.perf_counter()
        for _ in range(steps):
            opt.step()
        return time.perf_counter() - began
    before, after = (torch.cuda.Event(enable_timing=True) for _ in "ab")
    before.record()
    for _ in range(steps):
        opt.step()
    after.record()
    torch.cuda.synchronize()
    return before.elapsed_time(after) / 1e3


@uses("LARS")
def timed_steps(sub, shapes, seed, lr, steps, settings, device="cpu", optimizer="lars"):
    """``steps`` optimizer steps on fresh copies of the seeded parameters; per parameter the
    sum and the sum of squares after them (the grader verifies some), and the seconds the
    steps took by CUDA events (the clock of a CPU run): shown in the feedback, never graded."""
    params = []
    for weight, grad in _step_inputs(tuple(tuple(s) for s in shapes), seed, device):
        p = weight.clone().requires_grad_(True)
        p.grad = grad.clone()  # a copy: a step that wrote into p.grad would spoil the cache
        params.append(p)
    opt = _make_optimizer(sub, optimizer, params, lr, settings)
    seconds = _stepping_seconds(opt, steps, device)
    with torch.no_grad():
        sums = torch.stack([torch.stack([p.sum(dtype=torch.float64), p.double().square().sum()]) for p in params])
    return {"checksums": sums.cpu().numpy(), "event_seconds": seconds / steps}
