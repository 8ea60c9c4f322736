"""Exercise 1's fifteen graded ops: the one registry, for the worker and the trusted side alike.

Each op says how feedback writes it, which ``Matrix`` methods it exercises (the worker's
numpy-only check reads them) and how to apply it: the same expression runs on the student's
``Matrix`` objects in the worker and on float64 tensors on the trusted side, where torch
gives the expected values. What hypothesis draws for each op is in
``grader/checks/exercise1_cases.py`` (the worker never imports hypothesis).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

UNARY, BINARY = ("a",), ("a", "b")


@dataclass(frozen=True)
class Op:
    symbol: str  # how feedback writes it
    methods: tuple[str, ...]  # the student's Matrix methods it exercises
    apply: Callable  # to its operands: student Matrix objects, or torch tensors
    names: tuple[str, ...] = UNARY  # the operands, as feedback names them
    hint: str = ""


OPS = {
    "sub": Op("a - b", ("__sub__", "__rsub__"), lambda a, b: a - b, BINARY, "d/da = upstream, d/db = -upstream"),
    "mul": Op("a * b", ("__mul__", "__rmul__"), lambda a, b: a * b, BINARY,
              "d/da = b * upstream, d/db = a * upstream"),
    "div": Op("a / b", ("__truediv__", "__rtruediv__"), lambda a, b: a / b, BINARY,
              "d/da = upstream / b, d/db = -a * upstream / b**2"),
    "neg": Op("-a", ("__neg__",), lambda a: -a, UNARY, "d/da = -upstream"),
    "matmul": Op("a @ b", ("__matmul__",), lambda a, b: a @ b, BINARY,
                 "d/da = upstream @ b.T (shape of a), d/db = a.T @ upstream (shape of b)"),
    "pow": Op("a ** k", ("__pow__",), lambda a, k: a ** k, ("a", "k"), "d/da = k * a**(k-1) * upstream"),
    "transpose": Op("a.T", ("T",), lambda a: a.T, UNARY, "d/da = upstream.T"),
    "sum": Op("a.sum()", ("sum",), lambda a: a.sum(), UNARY, "every element of a gets the 1x1 upstream"),
    "mean": Op("a.mean()", ("mean",), lambda a: a.mean(), UNARY, "every element of a gets upstream / (nrow * ncol)"),
    "abs": Op("abs(a)", ("abs", "__abs__"), lambda a: abs(a), UNARY, "d/da = sign(a) * upstream"),
    "relu": Op("a.relu()", ("relu",), lambda a: a.relu(), UNARY, "d/da = upstream where a > 0, else 0"),
    "exp": Op("a.exp()", ("exp",), lambda a: a.exp(), UNARY, "d/da = exp(a) * upstream: reuse the output"),
    "log": Op("a.log()", ("log",), lambda a: a.log(), UNARY, "d/da = upstream / a"),
    "sigmoid": Op("a.sigmoid()", ("sigmoid",), lambda a: a.sigmoid(), UNARY,
                  "d/da = s * (1 - s) * upstream with s the OUTPUT sigmoid(a)"),
    "tanh": Op("a.tanh()", ("tanh",), lambda a: a.tanh(), UNARY,
               "d/da = (1 - t**2) * upstream with t the OUTPUT tanh(a)"),
}
