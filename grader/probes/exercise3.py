"""Probes for exercise 3. They run INSIDE the untrusted worker.

Each probe takes the submission module and plain inputs, calls the student's functions
and returns plain data (numbers, lists, numpy arrays). No verdicts here: the suite decides.
"""
from __future__ import annotations

import numpy as np

from grader.probes import float64_copy as _np
from grader.probes import one_thread, torch, uses
from grader.probes.airfoil import KitLoader, airfoil_tensors, kit_sgd


def _numbered_data(n: int, d: int):
    """Features whose row i is i*d .. i*d+d-1 and labels i: every batch says which rows it holds."""
    features = torch.arange(n * d, dtype=torch.float64).reshape(n, d)
    return features, torch.arange(n, dtype=torch.float64)


def _generator(seed):
    return None if seed is None else torch.Generator().manual_seed(seed)


def _batches(iterable, limit: int = 100_000):
    out = []
    for batch in iterable:
        if len(out) >= limit:
            raise RuntimeError(f"the iterator yielded more than {limit} batches")
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise TypeError(f"each batch must be a pair (X, y), got {type(batch).__name__}")
        out.append([_np(batch[0]), _np(batch[1])])
    return out


@uses("data_iter")
def epochs(sub, n, d, batch_size, shuffle=True, drop_last=False, seed=None, num_epochs=1, as_numpy=False):
    features, labels = _numbered_data(n, d)
    if as_numpy:
        features, labels = features.numpy(), labels.numpy()
    generator = _generator(seed)
    return [_batches(sub.data_iter(features, labels, batch_size, shuffle=shuffle, drop_last=drop_last,
                                   generator=generator)) for _ in range(num_epochs)]


@uses("data_iter")
def bad_batch_size(sub, batch_size):
    features, labels = _numbered_data(5, 2)
    try:
        list(sub.data_iter(features, labels, batch_size))
    except ValueError:
        return "ValueError"
    except Exception as exc:  # noqa: BLE001 - the type is the answer
        return type(exc).__name__
    return "no error"


@uses("data_iter_with_replacement")
def with_replacement(sub, n, d, batch_size, num_batches, seed):
    features, labels = _numbered_data(n, d)
    return _batches(sub.data_iter_with_replacement(features, labels, batch_size, num_batches,
                                                   generator=_generator(seed)))


@uses("load_array")
def loader(sub, n, d, batch_size, is_train=True, drop_last=False, seed=None, num_epochs=2):
    features, labels = _numbered_data(n, d)
    loaded = sub.load_array((features, labels), batch_size, is_train=is_train, drop_last=drop_last, seed=seed)
    return {"len": int(len(loaded)), "epochs": [_batches(loaded) for _ in range(num_epochs)]}


@uses("get_data_ch11")
def airfoil(sub, batch_size, n):
    torch.manual_seed(0)
    loaded, feature_dim = sub.get_data_ch11(batch_size=batch_size, n=n)
    return {"feature_dim": int(feature_dim), "len": int(len(loaded)), "batches": _batches(loaded)}


@uses("train_ch11")
def train(sub, lr, batch_size, num_epochs, seed, n=1500, student_sgd=True):
    """Train on airfoil with the kit's loader; the student's (or the kit's) sgd step."""
    torch.manual_seed(seed)
    features, labels = airfoil_tensors(n)
    data = KitLoader(features, labels, batch_size, seed)
    trainer = sub.sgd if student_sgd else kit_sgd
    times, losses = sub.train_ch11(trainer, None, {"lr": lr}, data, features.shape[1], num_epochs)
    return {"times": [float(t) for t in times], "losses": [float(v) for v in losses]}


@uses("sgd")
def sgd_step(sub, params, grads, lr):
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    for tensor, grad in zip(tensors, grads):
        tensor.grad = torch.tensor(grad, dtype=torch.float64)
    ids = [id(t) for t in tensors]
    sub.sgd(tensors, None, {"lr": lr})
    return {"params": [_np(t) for t in tensors],
            "grads": [None if t.grad is None else _np(t.grad) for t in tensors],
            "same_objects": [id(t) for t in tensors] == ids}


def _linear_mse(w, b):
    def loss_fn(X, y):
        return ((X @ w + b - y) ** 2).mean()
    return loss_fn


@uses("accumulate_gradients")
def accumulate(sub, w, b, X, y, sizes, stale_grad=0.0):
    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    if stale_grad:
        w_t.grad, b_t.grad = torch.full_like(w_t, stale_grad), torch.full_like(b_t, stale_grad)
    X_t, y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    bounds = np.cumsum([0, *sizes])
    micro = [(X_t[s:e], y_t[s:e]) for s, e in zip(bounds[:-1], bounds[1:])]
    sub.accumulate_gradients([w_t, b_t], _linear_mse(w_t, b_t), micro)
    return [None if t.grad is None else _np(t.grad) for t in (w_t, b_t)]


@uses("gradient_variance")
def variance(sub, n, d, batch_sizes, num_trials, seed):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=generator, dtype=torch.float64)
    y = X @ torch.ones(d, dtype=torch.float64) + torch.randn(n, generator=generator, dtype=torch.float64)
    w = torch.zeros(d, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    result = sub.gradient_variance(X, y, [w, b], _linear_mse(w, b), batch_sizes, num_trials,
                                   generator=torch.Generator().manual_seed(seed + 1))
    untouched = w.grad is None and b.grad is None
    return {"values": {str(k): float(v) for k, v in result.items()}, "grads_untouched": untouched}


@uses("data_iter")
def iterate_epochs(sub, n, d, seed, offsets, batch_size, function="data_iter"):
    """Timing probe: one epoch per offset over numbered data; per batch its size and three sums.

    Row ``i`` holds ``(offset + i) * d + j``, its label ``offset + i``: the grader recomputes
    every sum from these inputs. The batches are kept during the epoch and summed after it
    in one vectorised pass, so the bookkeeping costs little beside the iterator itself.
    """
    generator = torch.Generator().manual_seed(seed)
    columns = torch.arange(d, dtype=torch.float32)
    epochs = []
    for offset in offsets:
        labels = torch.arange(offset, offset + n, dtype=torch.float32)
        features = labels[:, None] * d + columns
        with one_thread():  # the student and the reference alike: see one_thread
            batches = list(getattr(sub, function)(features, labels, batch_size, generator=generator))
        sizes = torch.tensor([len(y) for _, y in batches], dtype=torch.int64)
        ys, xs = _joined(batches, sizes)
        epochs.append({"sizes": sizes.numpy(), "labels": _segment_sums(ys, sizes),
                       "squares": _segment_sums(ys * ys, sizes), "features": _segment_sums(xs, sizes)})
    return epochs


def _joined(batches, sizes):
    """All labels, and each row's feature sum, in float64: one concatenation, not one call per batch."""
    if not batches:
        return torch.zeros(0, dtype=torch.float64), torch.zeros(0, dtype=torch.float64)
    try:
        ys = torch.cat([y for _, y in batches]).reshape(-1)
        xs = torch.cat([X for X, _ in batches]).reshape(len(ys), -1)
    except (TypeError, RuntimeError):  # not tensors of one shape: batch by batch
        ys = torch.cat([torch.as_tensor(y).reshape(-1) for _, y in batches])
        xs = torch.cat([torch.as_tensor(X).reshape(int(k), -1) for (X, _), k in zip(batches, sizes)])
    return ys.double(), xs.sum(1).double()  # float32 row sums are exact here (below 2**24)


def _segment_sums(values, sizes):
    """The sum of each batch's stretch of ``values`` (exact: integers well below 2**53)."""
    totals = torch.cat([torch.zeros(1, dtype=values.dtype), torch.cumsum(values, 0)])
    return torch.diff(totals[torch.cumsum(sizes, 0)], prepend=torch.zeros(1, dtype=values.dtype)).numpy()
