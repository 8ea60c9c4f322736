"""Exercise 4 — Matrix-multiplication strategies and GFLOPS.

The same product ``A = BC`` can be computed one entry at a time (a dot product per entry),
one row or one column at a time (matrix-vector products), in one call, or in blocks of
columns. The arithmetic is identical -- ``2 n^3`` floating-point operations for ``n x n``
matrices -- but the speed is not: every Python-level call costs microseconds of overhead,
and a single large call lets the library use vector units and caches. This exercise follows
"Dive into Deep Learning" §12.5.1 (*Vectorization and Caches*).

What you will see once it works (``grade exercise4`` prints it and draws the bar chart):

* at ``n = 256`` on a laptop CPU, the element-wise product runs at about 0.01-0.1 GFLOPS,
  the column-wise one at a few GFLOPS and the full ``torch.mm`` at 50-200 GFLOPS: orders of
  magnitude apart for the same arithmetic;
* the blocked product (64 columns at a time) is about as fast as the full one, which is why
  minibatches of a few dozen examples already use the hardware well;
* timing has to be done right: warm up first (the first call pays for allocations and, on
  a GPU, for starting CUDA), synchronise with the device (GPU kernels run asynchronously),
  and take the median of several calls (other programs disturb single measurements).

Every product takes ``B`` of shape ``(n, k)`` and ``C`` of shape ``(k, m)`` and returns a new
tensor of shape ``(n, m)`` on the inputs' device, with their dtype.
"""
from __future__ import annotations

import statistics
import time

import torch

STRATEGIES = ("elementwise", "rowwise", "columnwise", "full", "blocked")


def as_device(device=None) -> torch.device:
    """``device`` as a ``torch.device``; ``None`` means the GPU when there is one, else the CPU."""
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def random_inputs(n: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Two random float32 ``n x n`` matrices on ``device``, the inputs every timing uses."""
    device = as_device(device)
    return torch.randn(n, n, device=device), torch.randn(n, n, device=device)


def synchronize(device) -> None:
    """Wait until the device has finished the work queued so far (a no-op on the CPU)."""
    device = as_device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_elementwise(B: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """``A = BC`` one entry at a time: ``A[i, j] = B[i, :] . C[:, j]``.

    ``n * m`` dot products (``torch.dot``), each of length ``k``; no matrix-vector or
    matrix-matrix call.

    Args:
        B: shape ``(n, k)``.
        C: shape ``(k, m)``.

    Returns:
        A new tensor of shape ``(n, m)``, with the device and dtype of ``B``.
    """
    # BEGIN SOLUTION
    A = torch.zeros(B.shape[0], C.shape[1], dtype=B.dtype, device=B.device)
    for i in range(B.shape[0]):
        for j in range(C.shape[1]):
            A[i, j] = torch.dot(B[i, :], C[:, j])
    return A
    # END SOLUTION


def matmul_rowwise(B: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """``A = BC`` one row at a time: ``A[i, :] = B[i, :] @ C``.

    ``n`` vector-matrix products (``torch.mv(C.T, B[i, :])`` or ``B[i, :] @ C``).

    Args:
        B: shape ``(n, k)``.
        C: shape ``(k, m)``.

    Returns:
        A new tensor of shape ``(n, m)``, with the device and dtype of ``B``.
    """
    # BEGIN SOLUTION
    A = torch.zeros(B.shape[0], C.shape[1], dtype=B.dtype, device=B.device)
    for i in range(B.shape[0]):
        A[i, :] = torch.mv(C.T, B[i, :])
    return A
    # END SOLUTION


def matmul_columnwise(B: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """``A = BC`` one column at a time: ``A[:, j] = B @ C[:, j]``.

    ``m`` matrix-vector products (``torch.mv``); no matrix-matrix call.

    Args:
        B: shape ``(n, k)``.
        C: shape ``(k, m)``.

    Returns:
        A new tensor of shape ``(n, m)``, with the device and dtype of ``B``.
    """
    # BEGIN SOLUTION
    A = torch.zeros(B.shape[0], C.shape[1], dtype=B.dtype, device=B.device)
    for j in range(C.shape[1]):
        A[:, j] = torch.mv(B, C[:, j])
    return A
    # END SOLUTION


def matmul_full(B: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """``A = BC`` in one matrix-matrix product (``torch.mm``).

    Args:
        B: shape ``(n, k)``.
        C: shape ``(k, m)``.

    Returns:
        A new tensor of shape ``(n, m)``.
    """
    # BEGIN SOLUTION
    return torch.mm(B, C)
    # END SOLUTION


def matmul_blocked(B: torch.Tensor, C: torch.Tensor, block_size: int = 64) -> torch.Tensor:
    """``A = BC`` in blocks of ``block_size`` columns: ``A[:, j:j+b] = B @ C[:, j:j+b]``.

    One matrix-matrix product (``torch.mm``) per block of ``block_size`` columns of ``C``;
    the last block is narrower when ``block_size`` does not divide ``m``.

    Args:
        B: shape ``(n, k)``.
        C: shape ``(k, m)``.
        block_size: columns per block, a positive integer (it may exceed ``m``).

    Returns:
        A new tensor of shape ``(n, m)``, with the device and dtype of ``B``.
    """
    # BEGIN SOLUTION
    A = torch.zeros(B.shape[0], C.shape[1], dtype=B.dtype, device=B.device)
    for start in range(0, C.shape[1], block_size):
        A[:, start:start + block_size] = torch.mm(B, C[:, start:start + block_size])
    return A
    # END SOLUTION


def time_strategy(strategy, n: int = 256, device=None, repeats: int = 5) -> float:
    """Seconds one call of ``strategy(B, C)`` takes on random ``n x n`` inputs, measured right.

    Call ``strategy`` once untimed first (warm-up: allocations, caches, CUDA start-up), then
    time ``repeats`` calls one by one and return the median. On a GPU, time with CUDA events
    (``torch.cuda.Event(enable_timing=True)``) and wait for them; kernels run asynchronously,
    so a CPU clock read without synchronising measures only the launch. On the CPU use
    ``time.perf_counter``.

    Args:
        strategy: a function ``(B, C) -> A``, e.g. :func:`matmul_full`.
        n: the matrices' size.
        device: where to run (see :func:`as_device`).
        repeats: how many timed calls the median is taken over.

    Returns:
        The median seconds per call.
    """
    device = as_device(device)
    B, C = random_inputs(n, device)
    # BEGIN SOLUTION
    use_events = device.type == "cuda"
    strategy(B, C)  # warm-up: the first call pays for allocations and start-up
    synchronize(device)
    times = []
    for _ in range(repeats):
        if use_events:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            strategy(B, C)
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1e3)
        else:
            start = time.perf_counter()
            strategy(B, C)
            times.append(time.perf_counter() - start)
    return statistics.median(times)
    # END SOLUTION


def gflops(strategy, n: int = 256, device=None) -> float:
    """Billions of floating-point operations per second: ``2 n^3 / seconds / 1e9``.

    An ``n x n`` product has ``n^2`` entries, each ``n`` multiplications and ``n`` additions;
    the seconds come from :func:`time_strategy`.
    """
    # BEGIN SOLUTION
    return 2 * n ** 3 / time_strategy(strategy, n, device) / 1e9
    # END SOLUTION


def compare_strategies(n: int = 256, device=None) -> dict:
    """GFLOPS of every strategy at size ``n``: ``{name: gflops}`` for the names in ``STRATEGIES``.

    ``"elementwise"`` is :func:`matmul_elementwise`, and so on; ``"blocked"`` uses blocks of 64.
    """
    # BEGIN SOLUTION
    functions = {"elementwise": matmul_elementwise, "rowwise": matmul_rowwise,
                 "columnwise": matmul_columnwise, "full": matmul_full, "blocked": matmul_blocked}
    return {name: gflops(functions[name], n, device) for name in STRATEGIES}
    # END SOLUTION


def plot_gflops(results: dict, path) -> None:
    """Save a bar chart of ``results`` (``{name: gflops}``) as a PNG at ``path``.

    One bar per strategy, GFLOPS on a logarithmic axis (``ax.set_yscale("log")``): the values
    span four orders of magnitude.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    # BEGIN SOLUTION
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(list(results), [float(v) for v in results.values()])
    ax.set_yscale("log")
    ax.set_ylabel("GFLOPS")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    # END SOLUTION
