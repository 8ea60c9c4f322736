"""Probes for exercise 1. They run INSIDE the untrusted worker.

Each probe builds ``Matrix`` objects from plain inputs, runs the student's ops and returns
plain data: forward values, gradients, forward values at perturbed inputs (for central
differences), exception names, recorded torch calls. The suite decides everything.

An operand travels as ``{"matrix": rows}`` or ``{"number": value}`` (a Python int or float
used as it is, e.g. ``2 - x``).
"""
from __future__ import annotations

import sys
import types

import numpy as np

from grader.probes.torch_calls import record_calls
from grader.probes import uses
from grader.probes.exercise1_ops import OPS
from grader.sandbox.tracebacks import student_traceback

def _array(value) -> np.ndarray:
    return np.array(value, dtype=np.float64)


def _data_of(result) -> np.ndarray:
    """The forward value of a student's result, as a fresh float64 array."""
    data = getattr(result, "data", None)
    if data is None:
        raise TypeError(f"the op returned {type(result).__name__}, not a Matrix")
    return _array(data)


def _operands(sub, specs, stale=None):
    """Student Matrix objects (or numbers) for the operand specs; stale grads pre-filled."""
    operands = []
    for index, spec in enumerate(specs):
        if "number" in spec:
            operands.append(spec["number"])
            continue
        matrix = sub.Matrix(_array(spec["matrix"]))
        if stale is not None and stale[index] is not None:
            matrix.grad = _array(stale[index])
        operands.append(matrix)
    return operands


def _error(sub, exc: BaseException) -> dict:
    """An exception raised by the student's code, as data: type, message, their traceback lines."""
    return {"type": type(exc).__name__, "message": str(exc)[:2000],
            "traceback": student_traceback(exc, getattr(sub, "__file__", ""))}


def _forward(sub, op, specs):
    return _data_of(OPS[op].apply(*_operands(sub, specs)))


def _perturbed(sub, op, specs, index, step):
    """The forward value with each element of operand ``index`` moved by +step and -step."""
    base = _array(specs[index]["matrix"])
    values = []
    for flat in range(base.size):
        pair = []
        for sign in (1.0, -1.0):
            moved = base.copy()
            moved.flat[flat] += sign * step
            moved_specs = list(specs)
            moved_specs[index] = {"matrix": moved}
            pair.append(_forward(sub, op, moved_specs))
        values.append(pair)
    return np.array(values, dtype=np.float64)


def _between(result, operands) -> list:
    """The nodes from ``result`` down to (not into) ``operands``, parents before children.

    An op may build its result from other ops (micrograd's ``a - b`` is ``a + (-b)``): the
    nodes it made on the way lie between the result and the operands. Kahn's ordering: a
    node is listed once every node between that uses it has been.
    """
    stop = {id(x) for x in operands}
    children: dict[int, tuple] = {}  # id -> the node's children, read once
    nodes: dict[int, object] = {}
    pending = [result]
    while pending:
        node = pending.pop()
        if id(node) in stop or id(node) in nodes:
            continue
        nodes[id(node)] = node
        children[id(node)] = tuple(getattr(node, "children", ()) or ())
        pending.extend(children[id(node)])
    users = dict.fromkeys(nodes, 0)  # per node, the uses of it by nodes between not yet listed
    for kids in children.values():
        for kid in kids:
            if id(kid) in users:
                users[id(kid)] += 1
    order, ready = [], [result] if id(result) in nodes else []
    while ready:
        node = ready.pop()
        order.append(node)
        for kid in children[id(node)]:
            if id(kid) in users:
                users[id(kid)] -= 1
                if users[id(kid)] == 0:
                    ready.append(kid)
    return order


def backward_between(result, operands, upstream) -> None:
    """Seed ``result.grad`` with ``upstream`` and run every ``_gradient`` between it and the operands.

    The operands keep what their ``grad`` held (it must be added to); nodes the op made on
    the way start from zero, as in a backward pass.
    """
    nodes = _between(result, operands)
    if not nodes:  # the op handed back an operand itself: nothing of its own to differentiate
        return
    for node in nodes:
        node.grad = np.zeros_like(_array(node.data))
    result.grad = upstream.copy()
    for node in nodes:
        node._gradient()


@uses("Matrix ops")
def run_op(sub, op, operands, upstream=None, stale=None, step=None):
    """One op: its forward value and, given an upstream gradient, what its ``_gradient`` adds.

    Args:
        op: a key of ``OPS``.
        operands: operand specs (see the module docstring).
        upstream: the gradient placed in ``result.grad`` before the backward to the operands.
        stale: per operand, the ``grad`` it holds before (None for numbers).
        step: when given, also the forward values at inputs moved by +-step, per element.

    Returns:
        ``{"forward", "grads", "backward_error", "perturbed"}``: grads (after the backward
        from the result down to the operands, see :func:`backward_between`)
        per operand, None for numbers; what ``_gradient`` raised, if it did (so a broken
        backward does not cost the forward's test); perturbed per operand, shape
        ``(size, 2, *forward shape)``.
    """
    inputs = _operands(sub, operands, stale)
    result = OPS[op].apply(*inputs)
    out = {"forward": _data_of(result), "grads": None, "backward_error": None, "perturbed": None}
    if upstream is not None:
        upstream = _array(upstream)
        if out["forward"].shape == upstream.shape:
            try:
                backward_between(result, inputs, upstream)
                out["grads"] = [None if "number" in spec else _array(matrix.grad)
                                for spec, matrix in zip(operands, inputs)]
            except Exception as exc:  # noqa: BLE001 - reported to the backward checks, as data
                out["backward_error"] = _error(sub, exc)
    if step is not None:
        out["perturbed"] = [None if "number" in spec else _perturbed(sub, op, operands, index, step)
                            for index, spec in enumerate(operands)]
    return out


# -- losses and graphs (these go through backward()) ------------------------------------------
@uses("mse / mae")
def loss(sub, name, pred, target):
    """``name(pred, target)`` then ``backward()``: the loss value and pred's gradient."""
    pred_matrix = sub.Matrix(_array(pred))
    value = getattr(sub, name)(pred_matrix, sub.Matrix(_array(target)))
    forward = _data_of(value)
    value.backward()
    return {"forward": forward, "grad": _array(pred_matrix.grad)}


GRAPHS = {
    # name -> builds the loss from a leaf x (and a second leaf w of x's shape)
    "x * x": lambda x, w: (x * x).sum(),
    "x + x": lambda x, w: (x + x).sum(),
    "x @ x.T": lambda x, w: (x @ x.T).sum(),
    "x * w + x": lambda x, w: (x * w + x).sum(),
    "diamond": lambda x, w: ((x * w).tanh() * (x * w).sigmoid() + x.exp() * x).mean(),
    "shared intermediate": lambda x, w: _shared_intermediate(x, w),
}


def _shared_intermediate(x, w):
    hidden = (x * w).tanh()  # used by both branches: its gradient must collect both
    return (hidden * hidden + hidden.exp()).sum()


@uses("backward")
def graph(sub, name, x, w, calls=1):
    """Build GRAPHS[name], call backward ``calls`` times, return the leaves' gradients."""
    x_matrix, w_matrix = sub.Matrix(_array(x)), sub.Matrix(_array(w))
    value = GRAPHS[name](x_matrix, w_matrix)
    forward = _data_of(value)
    for _ in range(calls):
        value.backward()
    return {"forward": forward, "x": _array(x_matrix.grad), "w": _array(w_matrix.grad)}


class _DepthMeter:
    """The deepest Python call stack seen while active (a recursive backward goes deep)."""

    def __init__(self):
        self.depth = self.deepest = 0

    def __call__(self, frame, event, arg):
        if event == "call":
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)
        elif event == "return":
            self.depth -= 1


@uses("backward")
def deep_chain(sub, depth, factor, shift):
    """``y = x``, then ``depth`` times ``y = y * factor + shift``; backward on ``y.sum()``.

    Runs under Python's default recursion limit and measures how deep the call stack goes.
    """
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        x = sub.Matrix(np.ones((1, 1)))
        y = x
        for _ in range(depth):
            y = y * factor + shift
        loss_value = y.sum()
        meter = _DepthMeter()
        sys.setprofile(meter)
        try:
            loss_value.backward()
        finally:
            sys.setprofile(None)
    finally:
        sys.setrecursionlimit(previous)
    return {"forward": _data_of(loss_value), "grad": _array(x.grad), "stack_depth": meter.deepest}


def _error_name(action) -> str:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the exception's type is the answer
        return type(exc).__name__
    return "no error"


@uses("backward")
def backward_on_shape(sub, rows, cols):
    """What ``backward()`` raises on a ``rows x cols`` result."""
    x = sub.Matrix(np.ones((rows, cols)))
    return _error_name(lambda: (x * 2.0).backward())


@uses("zero_grad")
def zero_grad(sub, x, w):
    """Gradients of every node after backward then zero_grad, then after a second backward."""
    x_matrix, w_matrix = sub.Matrix(_array(x)), sub.Matrix(_array(w))
    hidden = (x_matrix @ w_matrix.T).tanh()
    value = (hidden * hidden).mean()
    value.backward()
    value.zero_grad()
    nodes = [x_matrix, w_matrix, hidden, value]
    after_zero = [float(np.abs(_array(n.grad)).max()) for n in nodes]
    value.backward()
    return {"after_zero": after_zero, "x": _array(x_matrix.grad), "w": _array(w_matrix.grad)}


@uses("a two-layer network")
def two_layer_network(sub, loss_name, X, y, W1, b1, W2, b2, activation):
    """``loss(act(X @ W1 + b1) @ W2 + b2, y)``; backward; the loss and each parameter's gradient."""
    params = {name: sub.Matrix(_array(value)) for name, value in
              (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    hidden = getattr(sub.Matrix(_array(X)) @ params["W1"] + params["b1"], activation)()
    pred = hidden @ params["W2"] + params["b2"]
    value = getattr(sub, loss_name)(pred, sub.Matrix(_array(y)))
    forward = _data_of(value)
    value.backward()
    return {"loss": forward, **{name: _array(p.grad) for name, p in params.items()}}


# -- implementation check ----------------------------------------------------------------------
def _torch_names(sub, function) -> list[str]:
    """Names a function's code (and its nested closures' code) takes from globals that are torch."""
    found, codes = [], [getattr(function, "__code__", None)]
    namespace = getattr(function, "__globals__", vars(sub))
    while codes:
        code = codes.pop()
        if code is None:
            continue
        for name in code.co_names:
            value = namespace.get(name)
            origin = getattr(value, "__name__", "") if isinstance(value, types.ModuleType) else \
                getattr(value, "__module__", "") or ""
            if str(origin).split(".")[0] == "torch":
                found.append(name)
        codes.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return sorted(set(found))


def _method(sub, name):
    attribute = sub.Matrix.__dict__.get(name)
    return attribute.fget if isinstance(attribute, property) else attribute


@uses("Matrix ops")
def torch_usage(sub, op, operands, upstream):
    """Run one op forward and backward while recording every torch function it calls."""
    inputs = _operands(sub, operands)

    def forward_and_backward():
        result = OPS[op].apply(*inputs)
        try:
            backward_between(result, inputs, _array(upstream))
        except Exception as exc:  # noqa: BLE001 - a broken backward is the gradient tests' business
            return result, type(exc).__name__
        return result, None

    (result, backward_error), calls = record_calls(forward_and_backward)
    static = {name: _torch_names(sub, _method(sub, name)) for name in OPS[op].methods}
    return {"calls": sorted({str(name) for name, _, _ in calls}), "static": {k: v for k, v in static.items() if v},
            "forward_type": type(getattr(result, "data", None)).__name__, "backward_error": backward_error}
