"""Exercise 5 — LARS (layer-wise adaptive rate scaling) and large-batch training.

A bigger minibatch gives a less noisy gradient and keeps more cores busy, so it is
tempting to train with batches of thousands. Goyal et al. (2017) made it work for
ImageNet with two tricks: the *linear scaling rule* (multiply the learning rate by
``B_new / B_base`` when the batch grows) and a few epochs of *warm-up*. Beyond a point
the scaled rate is simply too large for some layers: their update ``lr * ||g||`` dwarfs
their weights ``||w||`` and training diverges. LARS (You, Gitman & Ginsburg 2017) gives
every layer its own *local* rate from the ratio of its weight norm to its gradient norm,

    trust = trust_coefficient * ||w|| / (||g|| + weight_decay * ||w|| + eps),

so each layer moves by about ``lr * trust_coefficient`` of its own size per step, however
large or small its gradient is. You will implement it as a ``torch.optim.Optimizer``,
together with the linear scaling rule, a warm-up + polynomial-decay schedule, and the
training loop of Terence Parr's MNIST notebook (a 784-50-10 ReLU network on a
10,000-image sample, 8,000 images to train on and 2,000 to validate with).

What you will see once it works (``grade exercise5`` measures it and plots it):

* with batch 32, plain SGD (lr 0.1, momentum 0.9) reaches 0.94 .. 0.96 validation
  accuracy within a few epochs, Parr's result;
* with batch 1024 the linear scaling rule asks for lr 3.2: SGD blows up in its first
  steps (the loss jumps, most ReLUs die) and stays near chance, 0.1 .. 0.25 accuracy;
* LARS at batch 1024 (lr 1.0, trust coefficient 0.02, momentum 0.9) trains fine and
  reaches about 0.95 in 20 epochs (0.94 .. 0.96 over seeds), each epoch only 8 steps.

The semantics to implement are timm's ``Lars`` (and the paper's, see below). For each
parameter ``w`` with gradient ``g`` in a group with hyperparameters ``lr``, ``momentum``
``m``, ``weight_decay`` ``wd``, ``trust_coefficient`` ``tc`` and ``eps``:

    d   = (g + wd * w) * trust(w, g)     trust = 1 when ||w|| = 0 or ||g|| = 0
    buf = m * buf + d                    on the first step: buf = d
    w   = w - lr * buf

Biases and other 1-D (and 0-D) parameters are *excluded* when ``exclude_1d`` is true
(the default): they get plain momentum SGD on their raw gradient, ``d = g``, with *no*
weight decay. That is what timm does (its parameter groups put biases and norm weights in
a group with ``weight_decay=0``, and a group without weight decay is not adapted): a
bias's norm says nothing about the scale of its layer, and decaying biases only hurts.

Where the well-known implementations differ (worth knowing before you copy one):

* **The paper** puts the global rate *inside* the velocity: ``v = m * v + lr * trust * d``,
  ``w = w - v``. With a constant ``lr`` that is the same as above; with a schedule
  (warm-up, decay) the velocity remembers the old rates, so a rate change takes effect
  gradually instead of at once.
* **torchlars** (Kakao Brain) wraps another optimizer: it multiplies ``g + wd * w`` by
  the trust ratio in place and lets the wrapped SGD apply ``lr`` and momentum, so it
  matches the update above, but it adapts *every* parameter, biases included, and it
  overwrites ``p.grad``. Its published example: ``||w|| = 1.234``, ``||g|| = 5.678``,
  ``wd = 1e-4``, ``eps = 1e-8``, ``tc = 1e-3`` gives a trust ratio of ``0.000217325``.
* **NVIDIA apex LARC** in *clip* mode uses ``min(trust / lr, 1)`` as the factor, so the
  effective per-layer rate is ``min(trust, lr)``: LARS can only ever *lower* a layer's
  rate, never raise it above the global one. In *scale* mode it multiplies like torchlars.

This module's ``step()`` leaves ``p.grad`` untouched (as ``torch.optim.SGD`` does).

Why no softmax before the loss: ``F.cross_entropy`` takes *logits* and computes
``log_softmax`` itself with the log-sum-exp trick, which is exact and never overflows. A
``Softmax`` layer followed by ``log`` (or by ``cross_entropy``, which would apply
``log_softmax`` a second time) underflows to ``log(0) = -inf`` for confident wrong answers
and, worse, squashes the gradient: the loss of a softmax-then-cross-entropy model is
bounded and nearly flat, so training crawls. The model ends in ``Linear(50, 10)``; take
``argmax`` of the logits for the predicted digit.
"""
from __future__ import annotations

import copy
import math

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
    # BEGIN SOLUTION
    w_norm = torch.linalg.vector_norm(weight)
    g_norm = torch.linalg.vector_norm(grad)
    ratio = trust_coefficient * w_norm / (g_norm + weight_decay * w_norm + eps)
    return torch.where((w_norm > 0) & (g_norm > 0), ratio, torch.ones_like(ratio))
    # END SOLUTION


def check_hyperparameters(settings: dict) -> None:
    """Raise ``ValueError`` naming the argument when a LARS setting is out of range.

    Valid: ``lr >= 0``, ``0 <= momentum < 1``, ``weight_decay >= 0``,
    ``trust_coefficient > 0``, ``eps >= 0`` (all finite numbers) and ``exclude_1d`` a bool.
    Only the keys present in ``settings`` are checked.
    """
    # BEGIN SOLUTION
    rules = {
        "lr": (lambda v: v >= 0, "a number >= 0"),
        "momentum": (lambda v: 0 <= v < 1, "a number in [0, 1)"),
        "weight_decay": (lambda v: v >= 0, "a number >= 0"),
        "trust_coefficient": (lambda v: v > 0, "a number > 0"),
        "eps": (lambda v: v >= 0, "a number >= 0"),
    }
    for name, (valid, wanted) in rules.items():
        if name not in settings:
            continue
        value = settings[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not valid(value):
            raise ValueError(f"LARS: {name} must be {wanted}, got {value!r}")
    if "exclude_1d" in settings and not isinstance(settings["exclude_1d"], bool):
        raise ValueError(f"LARS: exclude_1d must be True or False, got {settings['exclude_1d']!r}")
    # END SOLUTION


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
            # BEGIN SOLUTION
            lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if group["exclude_1d"] and p.ndim <= 1:
                    update = grad
                else:
                    trust = trust_ratio(p, grad, group["trust_coefficient"], weight_decay, group["eps"])
                    update = grad.add(p, alpha=weight_decay).mul_(trust)
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = update.clone()
                else:
                    state["momentum_buffer"].mul_(momentum).add_(update)
                p.add_(state["momentum_buffer"], alpha=-lr)
            # END SOLUTION
        return loss


# -- learning-rate rules -------------------------------------------------------------------
def linear_scaled_lr(base_lr: float, base_batch_size: int, batch_size: int) -> float:
    """Goyal et al.'s linear scaling rule: ``base_lr * batch_size / base_batch_size``.

    Raises:
        ValueError: when a batch size is not a positive integer.
    """
    # BEGIN SOLUTION
    for name, value in (("base_batch_size", base_batch_size), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"linear_scaled_lr: {name} must be a positive integer, got {value!r}")
    return base_lr * batch_size / base_batch_size
    # END SOLUTION


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
    # BEGIN SOLUTION
    if step < 0 or warmup_steps < 0 or warmup_steps > total_steps:
        raise ValueError(f"warmup_then_poly_lr: need step >= 0 and 0 <= warmup_steps <= total_steps, got "
                         f"step={step}, warmup_steps={warmup_steps}, total_steps={total_steps}")
    if step >= total_steps:
        return 0.0
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    return peak_lr * (1 - (step - warmup_steps) / (total_steps - warmup_steps)) ** power
    # END SOLUTION


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
    # BEGIN SOLUTION
    torch.manual_seed(seed)
    model = make_mlp()
    optimizer = optimizer_factory(model.parameters())
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "val_loss": [], "train_accuracy": [], "val_accuracy": []}
    best_loss, best_state = math.inf, None
    for _ in range(epochs):
        order = torch.randperm(len(X_train), generator=generator)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        train_loss, train_accuracy = evaluate(model, X_train, y_train)
        val_loss, val_accuracy = evaluate(model, X_val, y_val)
        for key, value in zip(history, (train_loss, val_loss, train_accuracy, val_accuracy)):
            history[key].append(value)
        score = math.inf if math.isnan(val_loss) else val_loss
        if best_state is None or score < best_loss:
            best_loss, best_state = score, copy.deepcopy(model.state_dict())
    if best_state is not None:
        model.load_state_dict(best_state)
    history["model"] = model
    return history
    # END SOLUTION
