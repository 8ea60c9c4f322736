"""Matrix-product timing support: shared inputs, checksums the grader verifies, GFLOPS, plots.

A timed probe multiplies fresh inputs ``B + c_k`` (see :func:`shift`) by ``C``, at least a
given number of times and until a given time has passed, so that a fast product is
repeated often enough for the call's own overhead not to count; it returns, per product,
the sum of its entries and the sum of their squares. Both sides build ``B`` and ``C`` with
:func:`timing_inputs` from the same seed, so the grader can check every checksum in float64
from one exact product (a rank-one shift changes the sums in closed form): a submission
cannot skip the work it is timed on, and the time per product is the grader's clock over
the number of products verified. Both checksums ignore a transposition, so a transposed
result costs the correctness tests only.
"""
from __future__ import annotations

import functools
import itertools
import math
from pathlib import Path

import numpy as np

from grader.checks.plotting import pyplot, save


def timing_inputs(n: int, seed: int):
    """The float32 ``n x n`` matrices ``B, C`` every timed product starts from (on the CPU)."""
    import torch
    generator = torch.Generator().manual_seed(seed)
    B = torch.randn(n, n, generator=generator, dtype=torch.float32)
    C = torch.randn(n, n, generator=generator, dtype=torch.float32)
    return B, C


def timing_seeds(label: str, device: str):
    """The seeds of one timer's calls, from the grading secret: a fresh one for every call on the
    CPU (no call's inputs repeat an earlier one's, so remembering products gains nothing); one for
    every call on a GPU, whose inputs the worker keeps (drawing them would swamp a product's time)."""
    from grader import secret
    base = secret.draw(f"exercise4/timing/{label}/{device}", 0, 2**31 - 1)
    return itertools.count(base) if device == "cpu" else itertools.repeat(base)


def shift(k: int) -> float:
    """What the k-th timed product adds to ``B`` so that every input is fresh."""
    return (k % 64) / 64


@functools.lru_cache(maxsize=16)
def _exact_parts(n: int, seed: int) -> tuple[float, float, float, float, float]:
    """sum(A), ||A||^2, s . colsums(A), ||s||^2 and sum(s) for A = BC, s = the column sums of C."""
    B, C = (t.double().numpy() for t in timing_inputs(n, seed))
    A = B @ C
    s = C.sum(axis=0)
    return float(A.sum()), float((A * A).sum()), float(s @ A.sum(axis=0)), float(s @ s), float(s.sum())


def expected_checksums(n: int, seed: int, count: int) -> list[tuple[float, float]]:
    """(sum, sum of squares) of ``(B + c_k) C`` for k = 0 .. count-1, exactly in float64."""
    total, squares, cross, s_squared, s_total = _exact_parts(n, seed)
    out = []
    for k in range(count):
        c = shift(k)
        # (B + c 1 1^T) C = A + c 1 s^T: every row of A gains c s^T.
        out.append((total + c * n * s_total, squares + 2 * c * cross + c * c * n * s_squared))
    return out


def checksum_problem(received, n: int, seed: int, min_products: int, max_products: int) -> str:
    """'' when the probe's checksums match the exact products, else what is wrong."""
    try:
        values = np.asarray(received, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        return f"expected pairs of checksums, received {str(received)[:80]}"
    if not min_products <= len(values) <= max_products:
        return f"expected {min_products} to {max_products} products, received {len(values)} checksums"
    # float32 products: each entry is off by about 1e-7 * n; sums of n^2 entries accordingly.
    sum_tolerance = 1e-5 * n * n * math.sqrt(n) + 1e-3
    for k, ((total, squares), (want_total, want_squares)) in enumerate(
            zip(values, expected_checksums(n, seed, len(values)))):
        if not (abs(total - want_total) <= sum_tolerance and abs(squares - want_squares) <= 1e-4 * want_squares):
            return (f"product {k + 1} of {len(values)} is wrong: sum of entries {total:.6g} (expected "
                    f"{want_total:.6g}), sum of squares {squares:.6g} (expected {want_squares:.6g})")
    return ""


def gflops(n: int, seconds: float) -> float:
    """Billions of floating-point operations per second for one ``n x n`` product (2 n^3 flops)."""
    return 2 * n ** 3 / max(seconds, 1e-12) / 1e9


def plot_gflops(results: dict, title: str, path: Path) -> Path:
    """A bar chart of GFLOPS per strategy on a log axis (the feedback's picture of d2l's table)."""
    plt = pyplot()
    names = list(results)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    bars = ax.bar(names, [max(float(results[name]), 1e-6) for name in names], color="tab:blue")
    ax.bar_label(bars, labels=[f"{float(results[name]):.3g}" for name in names], fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("GFLOPS (log scale)")
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(title, fontsize=8)
    return save(fig, path)
