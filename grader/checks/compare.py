"""Comparisons that fail with a message a student can act on.

Every failure names the function, what was compared, the first differing element, the
expected and received values and the input that produced them.
"""
from __future__ import annotations

import numpy as np

from grader.sandbox.errors import GradingFailure


def _fmt(value) -> str:
    array = np.asarray(value)
    if array.ndim == 0 or array.size <= 12:
        return np.array2string(array, precision=6, separator=", ") if array.ndim else f"{float(array):.6g}"
    return f"array of shape {array.shape}"


def fail(function: str, what: str, *, expected=None, received=None, inputs: str = "", hint: str = ""):
    """Raise a GradingFailure naming the function, the check and the values."""
    lines = [f"{function}: {what}"]
    if expected is not None or received is not None:
        lines.append(f"  expected: {expected}")
        lines.append(f"  received: {received}")
    if inputs:
        lines.append(f"  input: {inputs}")
    if hint:
        lines.append(f"  hint: {hint}")
    raise GradingFailure("\n".join(lines))


def as_array(value, function: str, what: str, shape=None) -> np.ndarray:
    """Convert a received value to a fresh float64 array, failing clearly if impossible."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(function, f"{what} is not numeric", received=f"{type(value).__name__}")
    if shape is not None and array.shape != tuple(shape):
        fail(function, f"{what} has the wrong shape", expected=tuple(shape), received=array.shape)
    return array


def assert_close(received, expected, function: str, what: str, *, inputs: str = "", hint: str = "",
                 rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Element-wise closeness, with the first differing index in the message."""
    expected = np.asarray(expected, dtype=np.float64)
    received = as_array(received, function, what, shape=expected.shape)
    if np.isnan(received).any() and not np.isnan(expected).any():
        index = tuple(int(i) for i in np.argwhere(np.isnan(received))[0])
        fail(function, f"{what} contains NaN at index {index}", inputs=inputs, hint=hint)
    bad = ~np.isclose(received, expected, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {index}" if expected.ndim else ""
        fail(function, f"{what} differs{where} ({int(bad.sum())} of {bad.size} elements)",
             expected=_fmt(expected[index] if expected.ndim else expected),
             received=_fmt(received[index] if received.ndim else received), inputs=inputs, hint=hint)


def assert_curve_ends_alike(received: dict, expected: dict, function: str, *, inputs: str, rtol: float = 0.02):
    """Two training runs record as many losses and end within ``rtol`` of each other."""
    if len(received["losses"]) != len(expected["losses"]):
        fail(function, "a different number of recorded losses", expected=len(expected["losses"]),
             received=len(received["losses"]))
    assert_close(received["losses"][-1], expected["losses"][-1], function, "the final loss", inputs=inputs, rtol=rtol)
