"""Exercise 1's ops as the grader sees them: what to draw, torch's version, how to describe a case.

Trusted side only. Hypothesis draws shapes 1..6 x 1..6 and values kept clear of kinks
(abs, relu), poles (division, negative powers) and domain edges (log of positives only);
torch (float64) gives the expected forward values and gradients.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from grader.checks.exercise1_gradcheck import format_array
from grader.probes.exercise1_ops import OPS


# -- what hypothesis draws ----------------------------------------------------------------------
def floats(low: float, high: float):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(margin: float, high: float):
    """Values with |x| in [margin, high]: clear of a kink (abs, relu) or a pole (1/x)."""
    return st.one_of(floats(margin, high), floats(-high, -margin))


ANY = floats(-3, 3)
KINK_MARGIN = away_from_zero(0.01, 3)
POSITIVE = floats(0.1, 5)
DIVISOR = away_from_zero(0.5, 3)
sizes = st.integers(1, 6)


def matrix(shape, elements=ANY):
    # fill=nothing draws every element on its own (no runs of one repeated value).
    return arrays(np.float64, shape, elements=elements, fill=st.nothing())


def unary(elements):
    return st.tuples(sizes, sizes).flatmap(lambda shape: st.tuples(matrix(shape, elements)))


def same_shape(first, second):
    return st.tuples(sizes, sizes).flatmap(lambda shape: st.tuples(matrix(shape, first), matrix(shape, second)))


def matmul_pair():
    return st.tuples(sizes, sizes, sizes).flatmap(lambda mkn: st.tuples(matrix(mkn[:2]), matrix(mkn[1:])))


def power():
    """``(a, k)``: integer exponents on any base (non-positive ones away from 0), fractional on positives."""
    def base_for(k):
        if float(k) != int(k):
            return POSITIVE
        return DIVISOR if k <= 0 else ANY
    exponents = st.sampled_from([2, 3, 1, 0, -1, -2, 2.0, 0.5, 1.5, -0.5])
    return exponents.flatmap(lambda k: st.tuples(sizes, sizes).flatmap(
        lambda shape: st.tuples(matrix(shape, base_for(k)), st.just(k))))


# What hypothesis draws for each op of the registry (grader/probes/exercise1_ops.py).
CASES = {
    "sub": same_shape(ANY, ANY), "mul": same_shape(ANY, ANY), "div": same_shape(ANY, DIVISOR),
    "neg": unary(ANY), "matmul": matmul_pair(), "pow": power(), "transpose": unary(ANY),
    "sum": unary(ANY), "mean": unary(ANY), "abs": unary(KINK_MARGIN), "relu": unary(KINK_MARGIN),
    "exp": unary(ANY), "log": unary(POSITIVE), "sigmoid": unary(ANY), "tanh": unary(ANY),
}
assert set(CASES) == set(OPS), "every op is drawn for"


# -- what the trusted side expects ------------------------------------------------------------
def operand_specs(operands) -> list[dict]:
    return [{"matrix": x} if isinstance(x, np.ndarray) else {"number": x} for x in operands]


def torch_result(op: str, operands, upstream=None):
    """torch's forward value (as a 2-D array) and, given ``upstream``, its gradient per operand."""
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) if isinstance(x, np.ndarray) else x
               for x in operands]
    out = OPS[op].apply(*tensors)
    if out.dim() == 0:  # a.sum(), a.mean(): a 1x1 Matrix in the exercise
        out = out.reshape(1, 1)
    grads = None
    if upstream is not None:
        out.backward(torch.as_tensor(upstream))
        grads = [t.grad.numpy() if isinstance(t, torch.Tensor) else None for t in tensors]
    return out.detach().numpy(), grads


def extras_for(operands, output_shape, seed: int):
    """An upstream gradient and the stale ``grad`` each matrix operand holds before (rounded, readable)."""
    rng = np.random.default_rng(seed)
    upstream = np.round(rng.uniform(-2, 2, output_shape), 3)
    stale = [np.round(rng.uniform(-1, 1, x.shape), 3) if isinstance(x, np.ndarray) else None for x in operands]
    return upstream, stale


def describe(op: str, operands, upstream=None, stale=None) -> str:
    names = OPS[op].names if op in OPS else ("a", "b")
    parts = [f"{name} = {format_array(x)}" for name, x in zip(names, operands)]
    if upstream is not None:
        parts.append(f"upstream result.grad = {format_array(upstream)}")
    if stale is not None and any(s is not None for s in stale):
        parts.append("grads held before: " + ", ".join(f"{n}.grad = {format_array(s)}"
                                                       for n, s in zip(names, stale) if s is not None))
    return f"{OPS[op].symbol if op in OPS else op} with " + "; ".join(parts)


class Described:
    """An input description rendered only when a failure message needs it (rendering is slow)."""

    def __init__(self, render, *args):
        self.render, self.args = render, args

    def __str__(self) -> str:
        return self.render(*self.args)

    def __bool__(self) -> bool:
        return True


@dataclass
class Case:
    """One drawn case of one op, with what the trusted side expects of it."""

    op: str
    operands: list
    forward: np.ndarray  # torch's forward value
    upstream: np.ndarray
    stale: list  # per operand, the grad it holds before _gradient runs (None for numbers)

    @property
    def inputs(self) -> "Described":
        return Described(describe, self.op, self.operands, self.upstream, self.stale)

    def torch_grads(self) -> list:
        return torch_result(self.op, self.operands, self.upstream)[1]


def make_case(op: str, operands, upstream_seed: int) -> Case:
    forward, _ = torch_result(op, operands)
    upstream, stale = extras_for(operands, forward.shape, upstream_seed)
    return Case(op, list(operands), forward, upstream, stale)


BROADCAST_SHAPES = st.tuples(sizes, sizes).flatmap(lambda mn: st.sampled_from(
    [(1, mn[1]), (mn[0], 1), (1, 1)]).map(lambda small: (mn, small)))


@st.composite
def broadcast_case(draw, op: str):
    """``(a, b)`` where one side is a row, a column, a 1x1 matrix or a Python number."""
    second = DIVISOR if op == "div" else ANY
    full, small = draw(BROADCAST_SHAPES)
    kind = draw(st.sampled_from(["matrix", "int", "float"]))
    if kind == "int":
        other = draw(st.sampled_from([-3, -2, -1, 1, 2, 3]))
    elif kind == "float":
        other = draw(second)
    else:
        other = draw(matrix(small, second))
    if draw(st.booleans()):
        return draw(matrix(full, ANY)), other  # a op b: b is the broadcast one
    first = draw(matrix(full, second))
    return other, first


# -- a composite: a two-layer network ---------------------------------------------------------
def network_inputs(seed: int, n: int = 8, d: int = 5, h: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    return {"X": rng.normal(size=(n, d)), "y": rng.normal(size=(n, 1)), "W1": rng.normal(size=(d, h)) / d ** 0.5,
            "b1": rng.normal(size=(1, h)) * 0.1, "W2": rng.normal(size=(h, 1)) / h ** 0.5,
            "b2": rng.normal(size=(1, 1)) * 0.1}


def torch_network(loss_name: str, activation: str, inputs: dict) -> dict:
    t = {k: torch.tensor(v, requires_grad=k not in ("X", "y")) for k, v in inputs.items()}
    pred = getattr(t["X"] @ t["W1"] + t["b1"], activation)() @ t["W2"] + t["b2"]
    loss = ((pred - t["y"]) ** 2).mean() if loss_name == "mse" else (pred - t["y"]).abs().mean()
    loss.backward()
    return {"loss": loss.detach().numpy().reshape(1, 1), **{k: t[k].grad.numpy() for k in ("W1", "b1", "W2", "b2")}}


# -- graphs: what torch gives for the suite's graphs -----------------------------------------
def torch_graph(name: str, x, w, calls: int = 1):
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    graphs = {
        "x * x": lambda: (tx * tx).sum(),
        "x + x": lambda: (tx + tx).sum(),
        "x @ x.T": lambda: (tx @ tx.T).sum(),
        "x * w + x": lambda: (tx * tw + tx).sum(),
        "diamond": lambda: ((tx * tw).tanh() * (tx * tw).sigmoid() + tx.exp() * tx).mean(),
        "shared intermediate": lambda: ((h := (tx * tw).tanh()) * h + h.exp()).sum(),
    }
    value = graphs[name]()
    for _ in range(calls):
        value.backward(retain_graph=True)
    return value.detach().numpy().reshape(1, 1), tx.grad.numpy(), tw.grad.numpy() if tw.grad is not None else \
        np.zeros_like(w)


GRAPH_X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])
GRAPH_W = np.array([[1.1, 0.4, -0.6], [-0.8, 2.2, 0.9]])
