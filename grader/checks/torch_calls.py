"""The torch calls a function made, sorted into products on the trusted side.

The calls are recorded in the worker (:func:`grader.probes.torch_calls.record_calls`), which
the submission can forge: :func:`products` sorts them into dot products, matrix-vector and
matrix-matrix products, and a suite may *fail* a strategy on them, never pass one (what it
must contain is read from its source: :mod:`grader.policy_required`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Calls that multiply; how many dimensions their operands have says which product it is.
_DOT_NAMES = {"dot", "vdot", "inner", "vecdot"}
_MATRIX_VECTOR_NAMES = {"mv", "addmv"}
_MATRIX_NAMES = {"mm", "addmm", "bmm", "baddbmm", "addbmm", "linear", "einsum", "tensordot",
                 "chain_matmul", "multi_dot"}
_MATMUL_NAMES = {"matmul", "__matmul__", "__rmatmul__"}
_MUL_NAMES = {"mul", "__mul__", "__rmul__", "multiply"}


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
