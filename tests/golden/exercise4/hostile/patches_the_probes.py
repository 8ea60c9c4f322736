"""Patches the probes: torch.mm everywhere, and forged torch-call records in its own worker.

Every strategy is one ``torch.mm`` (padded with ``time.sleep`` to be about as slow as the
strategy it claims to be). While it is imported it rewrites, in the worker it runs in,
``grader.probes.torch_calls.record_calls`` and the ``calls_<strategy>`` probes of
``grader.probes.exercise4`` so that the calls "recorded" look like the asked strategy: one
``torch.dot`` per entry, one ``torch.mv`` per row or column, one ``torch.mm`` per block.

The grader must not believe it: what the worker reports about *how* it computed something
is not evidence (shared/DESIGN.md, "The trust boundary"). The part between the ATTACK
markers is the attack; without it the module is its honest twin, graded for comparison.
"""
from __future__ import annotations

import statistics
import time

import torch

STRATEGIES = ("elementwise", "rowwise", "columnwise", "full", "blocked")

# Seconds of sleep that stand in for the Python-level loop of each strategy.
PER_ENTRY_S = 2e-6  # one dot product per entry
PER_VECTOR_S = 5e-6  # one matrix-vector product per row or column


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
    """Claims one dot product per entry; is one torch.mm and a sleep."""
    A = torch.mm(B, C)
    time.sleep(B.shape[0] * C.shape[1] * PER_ENTRY_S)
    return A


def matmul_rowwise(B: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """Claims one vector-matrix product per row; is one torch.mm and a sleep."""
    A = torch.mm(B, C)
    time.sleep(B.shape[0] * PER_VECTOR_S)
    return A


def matmul_columnwise(B: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """Claims one matrix-vector product per column; is one torch.mm and a sleep."""
    A = torch.mm(B, C)
    time.sleep(C.shape[1] * PER_VECTOR_S)
    return A


def matmul_full(B: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """One matrix-matrix product (the honest one)."""
    return torch.mm(B, C)


def matmul_blocked(B: torch.Tensor, C: torch.Tensor, block_size: int = 64) -> torch.Tensor:
    """Claims one torch.mm per block of columns; is one torch.mm of all of them."""
    return torch.mm(B, C)


def time_strategy(strategy, n: int = 256, device=None, repeats: int = 5) -> float:
    """Median seconds of one call, after one untimed warm-up call."""
    device = as_device(device)
    B, C = random_inputs(n, device)
    strategy(B, C)
    synchronize(device)
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
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


def gflops(strategy, n: int = 256, device=None) -> float:
    """2 n^3 flops over the seconds one call takes, in billions."""
    return 2 * n ** 3 / time_strategy(strategy, n=n, device=device) / 1e9


def compare_strategies(n: int = 256, device=None) -> dict:
    """GFLOPS of every strategy at size ``n``."""
    return {name: gflops(globals()[f"matmul_{name}"], n=n, device=device) for name in STRATEGIES}


def plot_gflops(results: dict, path) -> None:
    """A bar chart of GFLOPS per strategy on a log axis, saved as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.bar(list(results), [results[name] for name in results])
    ax.set_yscale("log")
    ax.set_ylabel("GFLOPS")
    fig.savefig(path)
    plt.close(fig)


# ==== ATTACK: forge the worker's evidence =====================================================
import grader.probes.torch_calls as _torch_calls  # noqa: E402
import grader.probes.exercise4 as _probes  # noqa: E402


def _which(function):
    """The strategy a probe hands to the recorder, and its block size (a lambda for blocked)."""
    name, block = getattr(function, "__name__", ""), None
    for cell in getattr(function, "__closure__", None) or ():
        value = cell.cell_contents
        if callable(value) and getattr(value, "__name__", "").startswith("matmul_"):
            name = value.__name__
        elif isinstance(value, int):
            block = value
    return name.removeprefix("matmul_"), block


def _forged_calls(strategy, B, C, block_size=None):
    """The calls the asked strategy would have made on B (n, k) and C (k, m)."""
    (n, k), m = B.shape, C.shape[1]
    if strategy == "elementwise":
        return [["dot", [[k], [k]], n * m]]
    if strategy == "rowwise":
        return [["mv", [[m, k], [k]], n]]
    if strategy == "columnwise":
        return [["mv", [[n, k], [k]], m]]
    if strategy == "blocked":
        block = block_size or 64
        widths = {}
        for start in range(0, m, block):
            width = min(block, m - start)
            widths[width] = widths.get(width, 0) + 1
        return [["mm", [[n, k], [k, width]], count] for width, count in widths.items()]
    return [["mm", [[n, k], [k, m]], 1]]


def _record_calls(function, *args, **kwargs):
    """Runs the function unobserved and reports the calls its strategy should have made."""
    result = function(*args, **kwargs)
    strategy, block = _which(function)
    return result, _forged_calls(strategy, args[0], args[1], block)


_torch_calls.record_calls = _record_calls


def _forged_probe(strategy):
    def probe(sub, n, k, m, block_size=None, seed=0):
        generator = torch.Generator().manual_seed(seed)
        B = torch.randn(n, k, generator=generator, dtype=torch.float64)
        C = torch.randn(k, m, generator=generator, dtype=torch.float64)
        function = getattr(sub, f"matmul_{strategy}")
        A = function(B, C) if block_size is None else function(B, C, block_size=block_size)
        return {"calls": _forged_calls(strategy, B, C, block_size), "value": A.double().numpy(),
                "B": B.numpy(), "C": C.numpy()}
    probe.__name__ = probe.__qualname__ = f"calls_{strategy}"
    probe.function = f"matmul_{strategy}"
    return probe


for _name in STRATEGIES:
    _probes.calls[_name] = _forged_probe(_name)
    setattr(_probes, f"calls_{_name}", _probes.calls[_name])
# ==== END OF ATTACK ============================================================================
