"""Exercise 1 — Autograd ops on a Matrix class.

Minibatch SGD needs the gradient of a loss with respect to every parameter. Reverse-mode
automatic differentiation gets all of them in one backward sweep: every operation records
its inputs (its ``children``) and a small ``_gradient`` closure that, given the gradient of
the loss with respect to its result (``result.grad``), adds the gradient with respect to
each input to that input's ``.grad``. ``backward()`` then visits the graph from the loss
down to the leaves in reverse topological order and calls each closure once.

A ``Matrix`` holds a 2-D float64 numpy array ``data``, a ``grad`` of the same shape,
its ``children`` and its ``_gradient`` closure. Everything is numpy: no torch here (the
grader checks). ``__add__`` is worked out completely below as the example to follow:

* the forward value is a new ``Matrix`` whose children are the operands;
* the closure reads ``result.grad`` *when it runs* and **adds** (``+=``) to each child's
  ``grad``: a node used twice (``x * x``) receives both contributions;
* when an operand was broadcast (a ``(1, n)`` row, an ``(m, 1)`` column or a ``(1, 1)``
  scalar against an ``(m, n)`` matrix), its gradient is summed back to its own shape
  (:func:`reduce_to_shape`); Python numbers become ``1x1`` matrices (:func:`as_matrix`).

What you will see once it works (``grade exercise1`` checks each op separately): every
op's gradient agrees with central differences of its own forward pass and with torch's
autograd, a 5000-deep chain differentiates without hitting Python's recursion limit, and a
two-layer network trained with MSE or MAE gets exactly torch's parameter gradients.

Conventions at the kinks, the same as torch: ``abs'(0) = 0`` and ``relu'(0) = 0``.
"""
from __future__ import annotations

import numpy as np


def as_matrix(value) -> "Matrix":
    """``value`` itself if it is a Matrix, else a new (leaf) Matrix holding it (numbers become 1x1)."""
    return value if isinstance(value, Matrix) else Matrix(value)


def reduce_to_shape(grad: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Sum ``grad`` over the axes along which an operand of ``shape`` was broadcast.

    An operand of shape ``(1, n)`` added to an ``(m, n)`` matrix was used in every row, so
    its gradient is the sum of the result's gradient over the rows: ``(m, n) -> (1, n)``.
    Likewise ``(m, 1)`` sums over the columns and ``(1, 1)`` over everything.
    """
    if grad.shape == tuple(shape):
        return grad
    axes = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=axes, keepdims=True)


class Matrix:
    """A 2-D float64 array that remembers how it was computed, for reverse-mode autodiff.

    Attributes:
        data: the values, a float64 numpy array of shape ``(nrow, ncol)``.
        grad: the gradient of the loss with respect to ``data`` (same shape), zeros at first.
        children: the matrices this one was computed from (empty for a leaf).
    """

    def __init__(self, data, children=()):
        """Store ``data`` (any 2-D array-like, or a number, which becomes 1x1) as float64.

        Raises:
            ValueError: for data with more than two dimensions, or one dimension.
        """
        data = np.array(data, dtype=np.float64)
        if data.ndim == 0:
            data = data.reshape(1, 1)
        if data.ndim != 2:
            raise ValueError(f"a Matrix holds 2-D data (or a number), got shape {data.shape}")
        self.data = data
        self.grad = np.zeros_like(data)
        self.children = tuple(children)
        self._gradient = lambda: None  # a leaf passes nothing on

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    @property
    def nrow(self) -> int:
        return self.data.shape[0]

    @property
    def ncol(self) -> int:
        return self.data.shape[1]

    def __repr__(self) -> str:
        values = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        return f"Matrix(shape={self.shape}, data={values})"

    # -- the worked example ------------------------------------------------------------
    def __add__(self, other) -> "Matrix":
        """Elementwise ``self + other`` (a Matrix, broadcastable, or a number)."""
        other = as_matrix(other)
        result = Matrix(self.data + other.data, children=(self, other))

        def _gradient():
            # d(a + b)/da = 1: pass the result's gradient on, summed to each operand's shape.
            self.grad += reduce_to_shape(result.grad, self.shape)
            other.grad += reduce_to_shape(result.grad, other.shape)
        result._gradient = _gradient
        return result

    def __radd__(self, other) -> "Matrix":
        """``other + self`` where ``other`` is a number: addition commutes."""
        return self + other

    # -- elementwise arithmetic ----------------------------------------------------------
    def __neg__(self) -> "Matrix":
        """``-self``; the gradient is ``-result.grad``."""
        # TODO: Exercise 1.1
        raise NotImplementedError("Exercise 1.1")

    def __sub__(self, other) -> "Matrix":
        """Elementwise ``self - other``, broadcasting like ``__add__``.

        ``d/d self = result.grad`` and ``d/d other = -result.grad``, each reduced to its operand's shape.
        """
        # TODO: Exercise 1.2
        raise NotImplementedError("Exercise 1.2")

    def __rsub__(self, other) -> "Matrix":
        """``other - self`` where ``other`` is a number."""
        # TODO: Exercise 1.3
        raise NotImplementedError("Exercise 1.3")

    def __mul__(self, other) -> "Matrix":
        """Elementwise ``self * other``, broadcasting like ``__add__``.

        ``d/d self = other * result.grad`` and ``d/d other = self * result.grad``, each
        reduced to its operand's shape.
        """
        # TODO: Exercise 1.4
        raise NotImplementedError("Exercise 1.4")

    def __rmul__(self, other) -> "Matrix":
        """``other * self`` where ``other`` is a number."""
        # TODO: Exercise 1.5
        raise NotImplementedError("Exercise 1.5")

    def __truediv__(self, other) -> "Matrix":
        """Elementwise ``self / other``, broadcasting like ``__add__``.

        ``d/d self = result.grad / other`` and ``d/d other = -self * result.grad / other**2``.
        """
        # TODO: Exercise 1.6
        raise NotImplementedError("Exercise 1.6")

    def __rtruediv__(self, other) -> "Matrix":
        """``other / self`` where ``other`` is a number."""
        # TODO: Exercise 1.7
        raise NotImplementedError("Exercise 1.7")

    def __pow__(self, k) -> "Matrix":
        """Elementwise ``self ** k`` for a number ``k``; the gradient is ``k * self**(k-1) * result.grad``.

        Raises:
            TypeError: when ``k`` is not an int or a float.
        """
        # TODO: Exercise 1.8
        raise NotImplementedError("Exercise 1.8")

    # -- linear algebra -------------------------------------------------------------------
    def __matmul__(self, other) -> "Matrix":
        """Matrix product ``(m, k) @ (k, n) -> (m, n)``.

        ``d/d self = result.grad @ other.T`` and ``d/d other = self.T @ result.grad``.
        """
        # TODO: Exercise 1.9
        raise NotImplementedError("Exercise 1.9")

    @property
    def T(self) -> "Matrix":
        """The transpose ``(m, n) -> (n, m)``; the gradient is ``result.grad.T``."""
        # TODO: Exercise 1.10
        raise NotImplementedError("Exercise 1.10")

    # -- reductions -------------------------------------------------------------------------
    def sum(self) -> "Matrix":
        """The sum of all elements, as a 1x1 Matrix; every element gets ``result.grad``."""
        # TODO: Exercise 1.11
        raise NotImplementedError("Exercise 1.11")

    def mean(self) -> "Matrix":
        """The mean of all elements, as a 1x1 Matrix; every element gets ``result.grad / (nrow * ncol)``."""
        # TODO: Exercise 1.12
        raise NotImplementedError("Exercise 1.12")

    # -- elementwise functions ----------------------------------------------------------------
    def abs(self) -> "Matrix":
        """Elementwise ``|self|``; the gradient is ``sign(self) * result.grad``, with ``abs'(0) = 0``."""
        # TODO: Exercise 1.13
        raise NotImplementedError("Exercise 1.13")

    def __abs__(self) -> "Matrix":
        """``abs(x)`` is ``x.abs()``."""
        # TODO: Exercise 1.14
        raise NotImplementedError("Exercise 1.14")

    def relu(self) -> "Matrix":
        """Elementwise ``max(self, 0)``; the gradient is ``result.grad`` where ``self > 0``, else 0 (``relu'(0) = 0``)."""
        # TODO: Exercise 1.15
        raise NotImplementedError("Exercise 1.15")

    def exp(self) -> "Matrix":
        """Elementwise ``e ** self``; the gradient is ``result.data * result.grad``."""
        # TODO: Exercise 1.16
        raise NotImplementedError("Exercise 1.16")

    def log(self) -> "Matrix":
        """Elementwise natural log (of positive values); the gradient is ``result.grad / self``."""
        # TODO: Exercise 1.17
        raise NotImplementedError("Exercise 1.17")

    def sigmoid(self) -> "Matrix":
        """Elementwise ``1 / (1 + e ** -self)``; the gradient is ``s * (1 - s) * result.grad`` with ``s`` the output."""
        # TODO: Exercise 1.18
        raise NotImplementedError("Exercise 1.18")

    def tanh(self) -> "Matrix":
        """Elementwise ``tanh(self)``; the gradient is ``(1 - t**2) * result.grad`` with ``t`` the output."""
        # TODO: Exercise 1.19
        raise NotImplementedError("Exercise 1.19")

    # -- the backward sweep ---------------------------------------------------------------------
    def graph(self) -> list["Matrix"]:
        """Every node this one depends on (itself included), children before parents.

        An iterative depth-first search with an explicit stack, so a 5000-deep chain does
        not hit Python's recursion limit; each node appears once however often it is used.
        """
        # TODO: Exercise 1.20
        raise NotImplementedError("Exercise 1.20")

    def backward(self) -> None:
        """Fill ``grad`` of every node in the graph with d(self)/d(node).

        Seeds ``self.grad`` with ones, then calls every node's ``_gradient`` from ``self``
        down to the leaves (reverse topological order, see :meth:`graph`). As in torch,
        leaves *accumulate* across calls (call :meth:`zero_grad` between steps) while the
        intermediate nodes start from zero on every call.

        Raises:
            ValueError: when ``self`` is not 1x1 (only a scalar loss has a gradient to seed).
        """
        # TODO: Exercise 1.21
        raise NotImplementedError("Exercise 1.21")

    def zero_grad(self) -> None:
        """Set ``grad`` to zeros in every node of the graph (leaves included)."""
        # TODO: Exercise 1.22
        raise NotImplementedError("Exercise 1.22")


def mse(pred: Matrix, target) -> Matrix:
    """Mean squared error ``mean((pred - target) ** 2)`` over all elements, a 1x1 Matrix."""
    # TODO: Exercise 1.23
    raise NotImplementedError("Exercise 1.23")


def mae(pred: Matrix, target) -> Matrix:
    """Mean absolute error ``mean(|pred - target|)`` over all elements, a 1x1 Matrix."""
    # TODO: Exercise 1.24
    raise NotImplementedError("Exercise 1.24")
