"""Which torch calls a function makes: recorded in the worker, judged in the grader.

An element-wise matrix product that secretly calls ``torch.mm`` gives the right numbers,
so only *how* it computes them tells it apart. :func:`record_calls` runs a function under a
:class:`torch.overrides.TorchFunctionMode` and returns the calls it made as plain data
(name, operand shapes, count); it runs inside the untrusted worker and decides nothing.
:func:`products` sorts those calls into dot products, matrix-vector and matrix-matrix
products on the trusted side, where the suites decide.

Only the outermost calls are seen: inside ``__torch_function__`` the mode is switched off,
so ``B @ C`` is one ``__matmul__`` call, not also the ``matmul`` it dispatches to.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# Calls that multiply; how many dimensions their operands have says which product it is.
_DOT_NAMES = {"dot", "vdot", "inner", "vecdot"}
_MATRIX_VECTOR_NAMES = {"mv", "addmv"}
_MATRIX_NAMES = {"mm", "addmm", "bmm", "baddbmm", "addbmm", "linear", "einsum", "tensordot",
                 "chain_matmul", "multi_dot"}
_MATMUL_NAMES = {"matmul", "__matmul__", "__rmatmul__"}
_MUL_NAMES = {"mul", "__mul__", "__rmul__", "multiply"}
MAX_DISTINCT_CALLS = 2000  # grouped entries sent back; more means a runaway loop


def _shapes(args, kwargs) -> list[list[int]]:
    import torch
    values = list(args) + list((kwargs or {}).values())
    return [list(value.shape) for value in values if isinstance(value, torch.Tensor)]


def record_calls(function, *args, **kwargs):
    """Run ``function(*args, **kwargs)`` and record the torch functions it calls.

    Runs in the worker. Returns ``(result, calls)`` where ``calls`` is a list of
    ``[name, operand shapes, count]`` entries, grouped so that a loop of a million
    identical calls stays one entry.
    """
    from torch.overrides import TorchFunctionMode

    counts: Counter = Counter()

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = getattr(func, "__name__", None) or str(func)
            if len(counts) < MAX_DISTINCT_CALLS:
                counts[(name, tuple(tuple(s) for s in _shapes(args, kwargs)))] += 1
            return func(*args, **(kwargs or {}))

    with Recorder():
        result = function(*args, **kwargs)
    calls = [[name, [list(s) for s in shapes], count] for (name, shapes), count in counts.items()]
    return result, calls


@dataclass
class Products:
    """The multiplications found in a list of recorded calls."""

    dots: int = 0  # vector . vector (dot, inner, 1-D @ 1-D, or a 1-D * 1-D product to be summed)
    matrix_vector: int = 0  # matrix @ vector or vector @ matrix
    matrix: list[list[int]] = field(default_factory=list)  # operand shapes of each matrix-matrix product
    names: set[str] = field(default_factory=set)  # names of every product call, for messages

    @property
    def matrix_widths(self) -> list[int]:
        """Columns of the right operand of each matrix-matrix product, sorted."""
        return sorted(shapes[1][-1] for shapes in self.matrix if len(shapes) >= 2 and shapes[1])

    def describe(self) -> str:
        names = ", ".join(sorted(self.names)) or "none"
        return (f"{self.dots} dot products, {self.matrix_vector} matrix-vector products, "
                f"{len(self.matrix)} matrix-matrix products (calls: {names})")


def _kind(name: str, shapes: list[list[int]]) -> str:
    dims = [len(s) for s in shapes]
    if name in _DOT_NAMES:
        return "dot"
    if name in _MATRIX_VECTOR_NAMES:
        return "matrix_vector"
    if name in _MATRIX_NAMES:
        return "matrix"
    if name in _MATMUL_NAMES and len(dims) >= 2:
        if dims[0] == 1 and dims[1] == 1:
            return "dot"
        if 1 in dims[:2]:
            return "matrix_vector"
        return "matrix"
    if name in _MUL_NAMES and dims[:2] == [1, 1]:
        return "dot"
    return ""


def products(calls) -> Products:
    """Sort recorded ``[name, shapes, count]`` calls into the kinds of products they are."""
    found = Products()
    for name, shapes, count in calls:
        kind = _kind(str(name), [list(s) for s in shapes])
        if not kind:
            continue
        found.names.add(str(name))
        if kind == "dot":
            found.dots += int(count)
        elif kind == "matrix_vector":
            found.matrix_vector += int(count)
        else:
            found.matrix.extend([[list(s) for s in shapes]] * int(count))
    return found
