"""Exercise 1, a correct solution in another style, written from the stub's docstrings alone.

Instead of one hand-written closure per op, every op here is a row of a small table: a
forward function and its local derivative (unary ops) or one pullback per operand (binary
ops). A single recorder, :func:`_record`, turns a forward value and a list of
``(operand, pullback)`` edges into a ``Matrix`` whose ``_gradient`` walks those edges.
Everything that can be built from other ops is: ``a - b`` is ``a + (-b)``, ``a / b`` is
``a * b ** -1``, ``mean`` is ``sum`` times ``1 / size``, the losses are plain compositions.
The topological order comes from an explicit stack of ``(node, expanded)`` pairs.
Everything is numpy; nothing here touches torch.
"""
from __future__ import annotations

import numpy as np


def as_matrix(value) -> "Matrix":
    """``value`` itself if it is a Matrix, else a new (leaf) Matrix holding it (numbers become 1x1)."""
    if isinstance(value, Matrix):
        return value
    return Matrix(value)


def reduce_to_shape(grad: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Sum ``grad`` over the axes along which an operand of ``shape`` was broadcast.

    An operand of shape ``(1, n)`` added to an ``(m, n)`` matrix was used in every row, so
    its gradient is the sum of the result's gradient over the rows: ``(m, n) -> (1, n)``.
    Likewise ``(m, 1)`` sums over the columns and ``(1, 1)`` over everything.
    """
    target = tuple(shape)
    if grad.shape == target:
        return grad
    spread = tuple(i for i, (mine, theirs) in enumerate(zip(target, grad.shape)) if mine == 1 and theirs != 1)
    return np.sum(grad, axis=spread, keepdims=True)


# -- the op tables ---------------------------------------------------------------------------
def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + e**-x)``, written so that the exponential never overflows."""
    decay = np.exp(-np.abs(x))  # in (0, 1]
    return np.where(x >= 0, 1.0 / (1.0 + decay), decay / (1.0 + decay))


# name -> (forward(x), local derivative d y / d x given the input x and the output y)
UNARY_RULES = {
    "neg": (np.negative, lambda x, y: np.full_like(x, -1.0)),
    "abs": (np.abs, lambda x, y: np.sign(x)),  # np.sign(0) == 0: abs'(0) = 0
    "relu": (lambda x: np.where(x > 0, x, 0.0), lambda x, y: np.greater(x, 0).astype(np.float64)),
    "exp": (np.exp, lambda x, y: y),
    "log": (np.log, lambda x, y: np.reciprocal(x)),
    "sigmoid": (_stable_sigmoid, lambda x, y: y * (1.0 - y)),
    "tanh": (np.tanh, lambda x, y: 1.0 - np.square(y)),
}

# name -> (forward(a, b), pullback to a, pullback to b); a pullback maps (upstream, a, b)
# to a gradient of the result's shape (broadcast operands are reduced afterwards).
BINARY_RULES = {
    "add": (np.add, lambda up, a, b: up, lambda up, a, b: up),
    "mul": (np.multiply, lambda up, a, b: up * b, lambda up, a, b: up * a),
    "matmul": (np.matmul, lambda up, a, b: up @ b.T, lambda up, a, b: a.T @ up),
}

EXPONENT_TYPES = (int, float, np.integer, np.floating)


def _power_rule(k):
    """The ``UNARY_RULES``-style row for ``x ** k``."""
    return (lambda x: np.power(x, k), lambda x, y: k * np.power(x, k - 1))


def _record(value, edges) -> "Matrix":
    """A new node holding ``value``; its ``_gradient`` adds, along each ``(operand, pullback)``
    edge, ``pullback(result.grad)`` summed back to the operand's shape."""
    edges = list(edges)
    node = Matrix(value, children=[operand for operand, _ in edges])

    def _gradient():
        upstream = node.grad  # read when it runs, not when the node is made
        for operand, pullback in edges:
            operand.grad += reduce_to_shape(pullback(upstream), operand.shape)
    node._gradient = _gradient
    return node


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
        values = np.array(data, dtype=np.float64)
        if values.ndim == 0:
            values = np.reshape(values, (1, 1))
        elif values.ndim != 2:
            raise ValueError(f"Matrix needs 2-D data or a number, not an array of shape {values.shape}")
        self.data = values
        self.grad = np.zeros(values.shape)
        self.children = tuple(children)
        self._gradient = _leaf_gradient

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    @property
    def nrow(self) -> int:
        return self.shape[0]

    @property
    def ncol(self) -> int:
        return self.shape[1]

    def __repr__(self) -> str:
        shown = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        return f"Matrix(shape={self.shape}, data={shown})"

    # -- the two table-driven builders ---------------------------------------------------
    def _unary(self, rule) -> "Matrix":
        forward, derivative = rule
        x = self.data
        y = forward(x)
        return _record(y, [(self, lambda up: derivative(x, y) * up)])

    def _binary(self, name: str, other) -> "Matrix":
        forward, to_left, to_right = BINARY_RULES[name]
        other = as_matrix(other)
        a, b = self.data, other.data
        return _record(forward(a, b), [(self, lambda up: to_left(up, a, b)),
                                       (other, lambda up: to_right(up, a, b))])

    # -- elementwise arithmetic ------------------------------------------------------------
    def __add__(self, other) -> "Matrix":
        """Elementwise ``self + other`` (a Matrix, broadcastable, or a number)."""
        return self._binary("add", other)

    def __radd__(self, other) -> "Matrix":
        """``other + self`` where ``other`` is a number: addition commutes."""
        return self._binary("add", other)

    def __neg__(self) -> "Matrix":
        """``-self``; the gradient is ``-result.grad``."""
        return self._unary(UNARY_RULES["neg"])

    def __sub__(self, other) -> "Matrix":
        """Elementwise ``self - other``, broadcasting like ``__add__``: ``self + (-other)``."""
        return self + (-as_matrix(other))

    def __rsub__(self, other) -> "Matrix":
        """``other - self`` where ``other`` is a number: ``(-self) + other``."""
        return (-self) + other

    def __mul__(self, other) -> "Matrix":
        """Elementwise ``self * other``, broadcasting like ``__add__``."""
        return self._binary("mul", other)

    def __rmul__(self, other) -> "Matrix":
        """``other * self`` where ``other`` is a number: multiplication commutes."""
        return self._binary("mul", other)

    def __truediv__(self, other) -> "Matrix":
        """Elementwise ``self / other``, as ``self * other ** -1``."""
        return self * (as_matrix(other) ** -1)

    def __rtruediv__(self, other) -> "Matrix":
        """``other / self`` where ``other`` is a number, as ``self ** -1 * other``."""
        return (self ** -1) * other

    def __pow__(self, k) -> "Matrix":
        """Elementwise ``self ** k`` for a number ``k``; the gradient is ``k * self**(k-1) * result.grad``.

        Raises:
            TypeError: when ``k`` is not an int or a float.
        """
        if not isinstance(k, EXPONENT_TYPES):
            raise TypeError(f"Matrix ** k takes an int or a float k, not {type(k).__name__}")
        return self._unary(_power_rule(k))

    # -- linear algebra -----------------------------------------------------------------------
    def __matmul__(self, other) -> "Matrix":
        """Matrix product ``(m, k) @ (k, n) -> (m, n)``."""
        return self._binary("matmul", other)

    @property
    def T(self) -> "Matrix":
        """The transpose ``(m, n) -> (n, m)``; the gradient is ``result.grad.T``."""
        return _record(np.transpose(self.data), [(self, np.transpose)])

    # -- reductions ------------------------------------------------------------------------------
    def sum(self) -> "Matrix":
        """The sum of all elements, as a 1x1 Matrix; every element gets ``result.grad``."""
        ones = np.ones(self.shape)
        return _record(np.sum(self.data, keepdims=True), [(self, lambda up: ones * up)])

    def mean(self) -> "Matrix":
        """The mean of all elements, as a 1x1 Matrix: the sum times ``1 / (nrow * ncol)``."""
        return self.sum() * (1.0 / self.data.size)

    # -- elementwise functions, straight from the table ----------------------------------------
    def abs(self) -> "Matrix":
        """Elementwise ``|self|``; the gradient is ``sign(self) * result.grad``, with ``abs'(0) = 0``."""
        return self._unary(UNARY_RULES["abs"])

    def __abs__(self) -> "Matrix":
        """``abs(x)`` is ``x.abs()``."""
        return self._unary(UNARY_RULES["abs"])

    def relu(self) -> "Matrix":
        """Elementwise ``max(self, 0)``; the gradient passes where ``self > 0`` (``relu'(0) = 0``)."""
        return self._unary(UNARY_RULES["relu"])

    def exp(self) -> "Matrix":
        """Elementwise ``e ** self``; the gradient is ``result.data * result.grad``."""
        return self._unary(UNARY_RULES["exp"])

    def log(self) -> "Matrix":
        """Elementwise natural log (of positive values); the gradient is ``result.grad / self``."""
        return self._unary(UNARY_RULES["log"])

    def sigmoid(self) -> "Matrix":
        """Elementwise ``1 / (1 + e ** -self)``; the gradient is ``s * (1 - s) * result.grad``."""
        return self._unary(UNARY_RULES["sigmoid"])

    def tanh(self) -> "Matrix":
        """Elementwise ``tanh(self)``; the gradient is ``(1 - t**2) * result.grad``."""
        return self._unary(UNARY_RULES["tanh"])

    # -- the backward sweep ------------------------------------------------------------------------
    def graph(self) -> list["Matrix"]:
        """Every node this one depends on (itself included), children before parents.

        A post-order depth-first search driven by an explicit stack of ``(node, expanded)``
        pairs: a node is emitted when it comes off the stack the second time, after all of
        its children. No recursion, so a 5000-deep chain is fine; ``id``s keep each node once.
        """
        emitted: list[Matrix] = []
        opened: set[int] = set()
        stack: list[tuple[Matrix, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                emitted.append(node)
                continue
            if id(node) in opened:
                continue
            opened.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node.children if id(child) not in opened)
        return emitted

    def backward(self) -> None:
        """Fill ``grad`` of every node in the graph with d(self)/d(node).

        Intermediate nodes (those with children) restart from zero; leaves accumulate, as
        in torch. Then ``self.grad`` gets its seed of one and every ``_gradient`` runs,
        parents before children.

        Raises:
            ValueError: when ``self`` is not 1x1 (only a scalar loss has a gradient to seed).
        """
        if self.shape != (1, 1):
            raise ValueError(f"backward() needs a 1x1 result to seed, this one is {self.shape}; "
                             "reduce it with .sum() or .mean() first")
        topological = self.graph()
        for inner in filter(lambda n: len(n.children) > 0, topological):
            inner.grad = np.zeros(inner.shape)
        self.grad = self.grad + np.ones((1, 1))
        for node in reversed(topological):
            node._gradient()

    def zero_grad(self) -> None:
        """Set ``grad`` to zeros in every node of the graph (leaves included)."""
        for node in self.graph():
            node.grad = np.zeros(node.shape)


def _leaf_gradient() -> None:
    """A leaf has no children to pass a gradient on to."""
    return None


def mse(pred: Matrix, target) -> Matrix:
    """Mean squared error ``mean((pred - target) ** 2)`` over all elements, a 1x1 Matrix."""
    residual = as_matrix(pred) - as_matrix(target)
    return (residual ** 2).mean()


def mae(pred: Matrix, target) -> Matrix:
    """Mean absolute error ``mean(|pred - target|)`` over all elements, a 1x1 Matrix."""
    residual = as_matrix(pred) - as_matrix(target)
    return residual.abs().mean()
