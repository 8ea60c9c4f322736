"""A correct exercise-5 submission in another style: the trust ratio divided through by ||w||.

``trust_ratio`` computes ``tc / (||g||/||w|| + wd + eps/||w||)`` from sums of squares and
takes 1 where that is not finite; ``step`` makes a new velocity with ``torch.add`` instead
of updating the buffer in place; the settings are checked against a table of ranges; the
schedule multiplies a warm-up share by a decay share; ``train_mnist`` keeps cloned tensors
of the best epoch. Written from the stub's docstrings alone: it must get full marks.
"""
from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F
from torch import nn

from grader.data import load_mnist10k

NUM_TRAIN = 8000  # Parr's split: the first 8,000 images train, the last 2,000 validate


# -- helpers given to you ------------------------------------------------------------------
def make_mlp() -> nn.Module:
    """Parr's network: ``Linear(784, 50)``, ``ReLU``, ``Linear(50, 10)`` (logits, no softmax)."""
    return nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))


def mnist_split() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The fixed split of the 10,000-image MNIST sample.

    Returns:
        ``(X_train, y_train, X_val, y_val)``: float32 pixels in ``[0, 1]`` of shapes
        ``(8000, 784)`` and ``(2000, 784)``, int64 digits of shapes ``(8000,)`` and ``(2000,)``.
    """
    pixels, digits = load_mnist10k()
    X, y = torch.from_numpy(pixels), torch.from_numpy(digits)
    return X[:NUM_TRAIN], y[:NUM_TRAIN], X[NUM_TRAIN:], y[NUM_TRAIN:]


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on all of ``(X, y)`` at once."""
    logits = model(X)
    return float(F.cross_entropy(logits, y)), float((logits.argmax(dim=1) == y).float().mean())


# -- the local learning rate -------------------------------------------------------------
def trust_ratio(weight: torch.Tensor, grad: torch.Tensor, trust_coefficient: float, weight_decay: float,
                eps: float) -> torch.Tensor:
    """LARS's local learning rate of one parameter tensor.

    ``tc * ||w|| / (||g|| + wd * ||w|| + eps)`` with Euclidean norms over all elements of
    the tensor, and ``1`` when ``||w|| = 0`` (a freshly zeroed layer) or ``||g|| = 0`` (no
    signal): the update is then left as it is.

    Args:
        weight: the parameter, any shape.
        grad: its gradient, the same shape.
        trust_coefficient: ``tc``, how far (relative to ``||w||``) one step may move.
        weight_decay: ``wd``, the L2 coefficient.
        eps: keeps the division finite.

    Returns:
        A 0-D tensor.
    """
    w_norm, g_norm = weight.square().sum().sqrt(), grad.square().sum().sqrt()
    # tc·||w|| / (||g|| + wd·||w|| + eps), both sides divided by ||w||; where a norm is 0 the
    # quotient is inf or nan, and the ratio 1 is taken instead.
    ratio = trust_coefficient / (g_norm / w_norm + weight_decay + eps / w_norm)
    informative = torch.logical_and(w_norm > 0, g_norm > 0)
    return torch.where(informative, ratio, torch.ones_like(ratio))


def check_hyperparameters(settings: dict) -> None:
    """Raise ``ValueError`` naming the argument when a LARS setting is out of range.

    Valid: ``lr >= 0``, ``0 <= momentum < 1``, ``weight_decay >= 0``,
    ``trust_coefficient > 0``, ``eps >= 0`` (all finite numbers) and ``exclude_1d`` a bool.
    Only the keys present in ``settings`` are checked.
    """
    for name, value in settings.items():
        if name == "exclude_1d" and type(value) is not bool:
            raise ValueError(f"LARS setting exclude_1d must be a bool, got {value!r}")
        if name not in _RANGES:
            continue
        low, low_allowed, high = _RANGES[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"LARS setting {name} must be a finite number, got {value!r}")
        too_low = value < low or (value == low and not low_allowed)
        if too_low or (high is not None and value >= high):
            upper = f" and below {high}" if high is not None else ""
            raise ValueError(f"LARS setting {name} must be {'at least' if low_allowed else 'above'} {low}{upper}, "
                             f"got {value!r}")


# -- the optimizer -------------------------------------------------------------------------
class LARS(torch.optim.Optimizer):
    """Layer-wise adaptive rate scaling (You et al. 2017) with momentum, as timm's ``Lars``.

    Args:
        params: parameters or parameter groups (dicts), as for any ``torch.optim`` optimizer;
            a group may override every hyperparameter below.
        lr: the global learning rate.
        momentum: heavy-ball momentum ``m``; the buffer is ``state[p]["momentum_buffer"]``.
        weight_decay: L2 coefficient, applied *inside* the trust ratio (adapted parameters only).
        trust_coefficient: ``tc`` in :func:`trust_ratio`.
        eps: keeps the trust ratio finite.
        exclude_1d: leave parameters with ``ndim <= 1`` (biases) unadapted and undecayed.

    Raises:
        ValueError: for a hyperparameter out of range (:func:`check_hyperparameters`).
    """

    def __init__(self, params, lr: float = 1.0, momentum: float = 0.9, weight_decay: float = 0.0,
                 trust_coefficient: float = 0.001, eps: float = 1e-8, exclude_1d: bool = True):
        defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                        trust_coefficient=trust_coefficient, eps=eps, exclude_1d=exclude_1d)
        check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group (``torch.optim`` fills in the defaults) and check its settings."""
        check_hyperparameters(param_group)
        super().add_param_group(param_group)

    @torch.no_grad()
    def step(self, closure=None):
        """One LARS update of every parameter that has a gradient; ``p.grad`` is not modified.

        Parameters whose ``.grad`` is ``None`` are skipped (no state is created for them).
        ``closure``, if given, re-evaluates the model and returns the loss, which is returned.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in [q for q in group["params"] if q.grad is not None]:
                if group["exclude_1d"] and p.dim() < 2:  # a bias or a scalar: plain momentum SGD
                    direction = p.grad.clone()
                else:
                    decayed = p.grad + group["weight_decay"] * p
                    direction = decayed * trust_ratio(p, p.grad, group["trust_coefficient"], group["weight_decay"],
                                                      group["eps"])
                previous = self.state[p].get("momentum_buffer")
                velocity = direction if previous is None else torch.add(direction, previous, alpha=group["momentum"])
                self.state[p]["momentum_buffer"] = velocity
                p.sub_(group["lr"] * velocity)
        return loss


# -- learning-rate rules -------------------------------------------------------------------
def linear_scaled_lr(base_lr: float, base_batch_size: int, batch_size: int) -> float:
    """Goyal et al.'s linear scaling rule: ``base_lr * batch_size / base_batch_size``.

    Raises:
        ValueError: when a batch size is not a positive integer.
    """
    for label, size in {"base_batch_size": base_batch_size, "batch_size": batch_size}.items():
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size <= 0:
            raise ValueError(f"linear_scaled_lr: {label} must be a positive integer, got {size!r}")
    return base_lr * (batch_size / base_batch_size)


def warmup_then_poly_lr(step: int, total_steps: int, warmup_steps: int, peak_lr: float,
                        power: float = 2) -> float:
    """The rate for ``step`` (counted from 0): linear warm-up, then polynomial decay to 0.

    * ``step < warmup_steps``: ``peak_lr * (step + 1) / warmup_steps`` (the first step
      already moves; the last warm-up step is at the peak);
    * ``warmup_steps <= step < total_steps``:
      ``peak_lr * (1 - (step - warmup_steps) / (total_steps - warmup_steps)) ** power``
      (the peak at ``step = warmup_steps``, as in You et al.'s poly schedule);
    * ``step >= total_steps``: ``0.0``.

    Raises:
        ValueError: unless ``step >= 0`` and ``0 <= warmup_steps <= total_steps``.
    """
    if step < 0 or not 0 <= warmup_steps <= total_steps:
        raise ValueError(f"warmup_then_poly_lr needs step >= 0 and 0 <= warmup_steps <= total_steps "
                         f"(step={step}, warmup_steps={warmup_steps}, total_steps={total_steps})")
    if total_steps <= step:
        return 0.0
    warming = step < warmup_steps
    ramp = (step + 1) / warmup_steps if warming else 1.0  # the warm-up's share of the peak
    remaining = 1.0 if warming else (total_steps - step) / (total_steps - warmup_steps)  # decay still to go
    return peak_lr * ramp * remaining ** power


# -- training ------------------------------------------------------------------------------
def train_mnist(optimizer_factory, batch_size: int, epochs: int, seed: int) -> dict:
    """Train :func:`make_mlp` on :func:`mnist_split`'s 8,000 images; keep the best epoch's model.

    Reproducible to the bit: ``torch.manual_seed(seed)``, then ``model = make_mlp()``, then
    ``optimizer = optimizer_factory(model.parameters())`` and one
    ``generator = torch.Generator().manual_seed(seed)``. Every epoch visits the training
    images in the order ``torch.randperm(8000, generator=generator)``, in batches of
    ``batch_size`` (the last one shorter), with ``F.cross_entropy`` of the logits (the batch
    mean), ``zero_grad``, ``backward`` and ``step``. After each epoch :func:`evaluate` the
    model on all training and all validation images.

    The model returned holds the weights of the epoch with the lowest validation loss
    (the first such epoch on ties; a NaN loss never counts as lowest).

    Returns:
        A dict with lists of one float per epoch, ``"train_loss"``, ``"val_loss"``,
        ``"train_accuracy"``, ``"val_accuracy"``, and ``"model"``, the best model.
    """
    X_train, y_train, X_val, y_val = mnist_split()
    torch.manual_seed(seed)
    net = make_mlp()
    optimizer = optimizer_factory(net.parameters())
    shuffling = torch.Generator().manual_seed(seed)
    history = {key: [] for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy")}
    lowest, kept = math.inf, None
    for _epoch in range(epochs):
        for rows in torch.randperm(len(X_train), generator=shuffling).split(batch_size):
            optimizer.zero_grad()
            F.cross_entropy(net(X_train[rows]), y_train[rows]).backward()
            optimizer.step()
        (train_loss, train_accuracy), (val_loss, val_accuracy) = evaluate(net, X_train, y_train), \
            evaluate(net, X_val, y_val)
        for key, value in (("train_loss", train_loss), ("val_loss", val_loss), ("train_accuracy", train_accuracy),
                           ("val_accuracy", val_accuracy)):
            history[key].append(value)
        if val_loss < lowest:  # a NaN compares False: never the lowest; a tie keeps the first
            lowest, kept = val_loss, {name: t.detach().clone() for name, t in net.state_dict().items()}
    if kept is not None:
        net.load_state_dict(kept)
    return {**history, "model": net}


# name: (lowest value, whether the lowest is allowed, the first value too high or None)
_RANGES = {"lr": (0.0, True, None), "momentum": (0.0, True, 1.0), "weight_decay": (0.0, True, None),
           "trust_coefficient": (0.0, False, None), "eps": (0.0, True, None)}
