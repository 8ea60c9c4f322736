"""What each matrix-product strategy of exercise 4 must call, judged from recorded calls.

The calls are recorded in the worker (:func:`grader.probes.torch_calls.record_calls`) and
sorted into products (:func:`grader.checks.torch_calls.products`); this module says, on
the trusted side, whether they are the products the strategy asks for.
"""
from __future__ import annotations

from grader.checks.torch_calls import Products


def expected_widths(m: int, block_size: int) -> list[int]:
    return sorted([block_size] * (m // block_size) + ([m % block_size] if m % block_size else []))


def structure_problem(strategy: str, found: Products, n: int, m: int, block_size) -> str:
    """'' when the products recorded are the ones the strategy asks for, else what differs."""
    if strategy == "elementwise":
        if found.matrix or found.matrix_vector:
            return "it calls matrix-vector or matrix-matrix products"
        if found.dots != n * m:
            return f"it computes {found.dots} dot products, expected one per entry ({n * m})"
    elif strategy in ("rowwise", "columnwise"):
        count, what = (n, "row") if strategy == "rowwise" else (m, "column")
        if found.matrix:
            return "it calls matrix-matrix products"
        if found.matrix_vector != count or found.dots:
            return f"expected one matrix-vector product per {what} ({count}) and no dot products"
    elif strategy == "full":
        if len(found.matrix) != 1 or found.matrix_vector or found.dots:
            return "expected exactly one matrix-matrix product and nothing smaller"
    elif found.matrix_widths != expected_widths(m, block_size) or found.matrix_vector or found.dots:
        return (f"expected one matrix-matrix product per block, of widths {expected_widths(m, block_size)}, "
                f"found widths {found.matrix_widths}")
    return ""


HOW = {"elementwise": "A[i, j] = torch.dot(B[i, :], C[:, j]) for every i, j",
       "rowwise": "A[i, :] = torch.mv(C.T, B[i, :]) for every row i",
       "columnwise": "A[:, j] = torch.mv(B, C[:, j]) for every column j",
       "full": "return torch.mm(B, C)",
       "blocked": "A[:, j:j+b] = torch.mm(B, C[:, j:j+b]) for j in range(0, m, b), b = block_size"}
