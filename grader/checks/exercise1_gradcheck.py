"""Gradient checks: central differences in float64 and comparisons that name what differs.

Runs on the trusted side. The worker returns the student's forward values at inputs moved
by ``+step`` and ``-step`` (one element at a time); :func:`central_differences` turns them
into the gradient the student's *own* forward implies, so a failure can say "your backward
disagrees with your forward" rather than only "you differ from torch".
"""
from __future__ import annotations

import numpy as np

from grader.checks.compare import assert_close, fail

STEP = 1e-6  # float64: truncation ~ step**2 * f''' and rounding ~ 1e-16 * |f| / step are both ~1e-10


def central_differences(perturbed, upstream, shape, step: float = STEP) -> np.ndarray:
    """The gradient of ``sum(upstream * f(x))`` with respect to ``x`` by central differences.

    Args:
        perturbed: array of shape ``(x.size, 2, *f_shape)``: f at ``x + step * e_i`` and ``x - step * e_i``.
        upstream: the weights on f's output, shape ``f_shape``.
        shape: the shape of ``x``.
        step: the step used to make ``perturbed``.

    Returns:
        An array of ``shape``.
    """
    perturbed = np.asarray(perturbed, dtype=np.float64)
    upstream = np.asarray(upstream, dtype=np.float64)
    # Differences first, then the weighted sum: the large common part cancels exactly.
    differences = perturbed[:, 0] - perturbed[:, 1]
    weighted = (differences * upstream).reshape(len(differences), -1).sum(axis=1)
    return (weighted / (2 * step)).reshape(shape)


def check_gradient(received, expected, *, op: str, argument: str, source: str, inputs: str = "",
                   hint: str = "", stale=None, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Fail unless the gradient ``received`` for ``argument`` of ``op`` matches ``expected``.

    Args:
        received: the operand's ``grad`` after the op's ``_gradient`` ran.
        expected: the gradient the op should have added.
        op: the op in words, e.g. ``"a * b"``.
        argument: which operand, e.g. ``"b"``.
        source: where ``expected`` comes from, e.g. ``"central differences of your forward"``.
        stale: what ``grad`` held before ``_gradient`` ran (it must be added to, not replaced).
    """
    expected = np.asarray(expected, dtype=np.float64)
    what = f"the gradient with respect to {argument}"
    if received is None:
        fail(op, f"{what} was not computed", expected=f"an array of shape {expected.shape}", received=None,
             inputs=inputs, hint=hint)
    received = np.asarray(received, dtype=np.float64)
    if received.shape != expected.shape:
        fail(op, f"{what} has the wrong shape", expected=expected.shape, received=received.shape, inputs=inputs,
             hint=f"{argument}.grad must keep {argument}'s shape: sum a broadcast gradient back with "
                  "reduce_to_shape(...)")
    if stale is not None:
        stale = np.asarray(stale, dtype=np.float64)
        added = received - stale
        if (np.any(stale != 0) and np.allclose(received, expected, rtol=rtol, atol=atol)
                and not np.allclose(added, expected, rtol=rtol, atol=atol)):
            fail(op, f"{what} replaced what {argument}.grad held instead of adding to it",
                 expected=f"the old {argument}.grad + the new contribution", received="the new contribution only",
                 inputs=inputs, hint="use += in _gradient: a node used twice must receive both contributions")
        received = added
    assert_close(received, expected, op, f"{what} ({source})", inputs=inputs, hint=hint, rtol=rtol, atol=atol)


def format_array(value) -> str:
    """A compact, complete rendering of a small array (or a number) for feedback."""
    if not isinstance(value, np.ndarray):
        return repr(value)
    text = np.array2string(value, precision=4, separator=", ", threshold=64, max_line_width=200)
    return " ".join(text.split())
