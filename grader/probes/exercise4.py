"""Probes for exercise 4. They run INSIDE the untrusted worker.

Each probe takes the submission module and plain inputs, calls the student's functions
and returns plain data. No verdicts here: the suite decides. The per-strategy probes are
made once per strategy (``product_blocked``, ``timed_full`` ...) so that a failure names
the student's function.

Timed probes run torch on one CPU thread: on a shared two-core machine a second BLAS
thread competes with every other process, and its wake-ups are slow enough (16 ms on the
kit's virtual machine) to make ``torch.mm`` at n = 256 slower than a Python loop. One thread
gives stable, comparable figures for the student and the reference alike.
"""
from __future__ import annotations

import functools
import time
from pathlib import Path

import numpy as np
import torch

from grader.checks import exercise4_flops as flops
from grader.probes import torch_calls
from grader.probes import one_thread, uses

STRATEGIES = ("elementwise", "rowwise", "columnwise", "full", "blocked")


def _strategy(sub, name: str, block_size=None):
    function = getattr(sub, f"matmul_{name}")
    if block_size is None:
        return function
    return lambda B, C: function(B, C, block_size=block_size)


def _product(sub, name, B, C, block_size=None, device="cpu"):
    """The student's product of two given matrices, with what a grader needs to know about it."""
    B_t, C_t = torch.from_numpy(np.asarray(B)).to(device), torch.from_numpy(np.asarray(C)).to(device)
    B_copy, C_copy = B_t.clone(), C_t.clone()
    A = _strategy(sub, name, block_size)(B_t, C_t)
    if not isinstance(A, torch.Tensor):
        return {"is_tensor": False, "type": type(A).__name__}
    shares = any(A.untyped_storage().data_ptr() == t.untyped_storage().data_ptr() for t in (B_t, C_t))
    return {"is_tensor": True, "value": A.detach().cpu().double().numpy(), "dtype": str(A.dtype).removeprefix("torch."),
            "device": A.device.type, "shares_memory": bool(shares),
            "inputs_unchanged": bool(torch.equal(B_t, B_copy) and torch.equal(C_t, C_copy))}


def _calls(sub, name, n, k, m, block_size=None, seed=0):
    """The torch calls one product of random ``(n, k)`` and ``(k, m)`` matrices makes."""
    generator = torch.Generator().manual_seed(seed)
    B = torch.randn(n, k, generator=generator, dtype=torch.float64)
    C = torch.randn(k, m, generator=generator, dtype=torch.float64)
    A, calls = torch_calls.record_calls(_strategy(sub, name, block_size), B, C)
    value = A.detach().cpu().double().numpy() if isinstance(A, torch.Tensor) else None
    return {"calls": calls, "value": value, "B": B.numpy(), "C": C.numpy()}


@functools.lru_cache(maxsize=8)
def _timing_inputs_on(n: int, seed: int, device: str):
    """``flops.timing_inputs`` on ``device``, made once per worker for a GPU: at n = 4096 drawing
    them on the CPU takes far longer than a product on a GPU, and would swamp the time per product.
    (On the CPU they are drawn for every call, as the hostile timing tests were measured with.)"""
    return tuple(t.to(device) for t in flops.timing_inputs(n, seed))


def _timed(sub, name, n, seed, device="cpu", min_products=1, min_seconds=0.0, max_products=4000):
    """Timing probe: products of fresh inputs, at least ``min_products`` and until ``min_seconds``
    have passed (at most ``max_products``); returns checksums the grader verifies."""
    if device == "cuda":
        B, C = (t.clone() for t in _timing_inputs_on(n, seed, device))  # a copy: the cache stays intact
    else:
        B, C = flops.timing_inputs(n, seed)
    function = _strategy(sub, name)
    sums = []
    start = time.perf_counter()
    with one_thread():
        while len(sums) < max_products and (len(sums) < min_products or time.perf_counter() - start < min_seconds):
            A = function(B + flops.shift(len(sums)), C)
            # In float64, with a dot product for the squares: a fifth of the time of summing with
            # dtype=float64 (8 ms at n = 1024 on one CPU thread). float() waits for a GPU to finish.
            flat = A.detach().double().reshape(-1)
            sums.append([float(flat.sum()), float(torch.dot(flat, flat))])
    return sums


def _per_strategy(kind: str, body) -> dict:
    """One probe per strategy, ``<kind>_<strategy>``, marked as using ``matmul_<strategy>``."""
    made = {}
    for name in STRATEGIES:
        def probe(sub, _name=name, **inputs):
            return body(sub, _name, **inputs)
        probe.__name__ = probe.__qualname__ = f"{kind}_{name}"
        made[name] = globals()[probe.__name__] = uses(f"matmul_{name}")(probe)
    return made


product = _per_strategy("product", _product)
calls = _per_strategy("calls", _calls)
timed = _per_strategy("timed", _timed)


# -- the student's timing functions --------------------------------------------------------
def _sleep_strategy(seconds: float, cold_seconds: float, log: list):
    """A strategy of known length: it sleeps ``cold_seconds`` on its first call, ``seconds`` after.

    Sleeping, not busy-waiting: a busy-wait on a loaded machine is stretched by every time
    slice the scheduler gives to other processes, a sleep only by one wake-up.
    """
    def sleep(B, C):
        wait = cold_seconds if (cold_seconds and not log) else seconds
        log.append([list(B.shape), B.device.type])
        time.sleep(wait)
        return B
    return sleep


@uses("time_strategy")
def time_sleep(sub, n, seconds, repeats, cold_seconds=0.0, device="cpu"):
    log = []
    value = sub.time_strategy(_sleep_strategy(seconds, cold_seconds, log), n=n, device=device, repeats=repeats)
    return {"seconds": float(value), "calls": log}


@uses("gflops")
def gflops_sleep(sub, n, seconds, device="cpu"):
    log = []
    value = sub.gflops(_sleep_strategy(seconds, 0.0, log), n=n, device=device)
    return {"gflops": float(value), "calls": log}


@uses("gflops")
def student_gflops(sub, strategy, n, device="cpu"):
    with one_thread():
        return float(sub.gflops(getattr(sub, f"matmul_{strategy}"), n=n, device=device))


@uses("compare_strategies")
def compare(sub, n, device="cpu"):
    with one_thread():
        results = sub.compare_strategies(n=n, device=device)
    return {str(key): float(value) for key, value in dict(results).items()}


@uses("plot_gflops")
def plot(sub, results, filename="gflops.png"):
    """Call plot_gflops; report the saved file and, from savefig, the axes it drew."""
    from matplotlib.figure import Figure
    figures = []
    original = Figure.savefig

    def spy(figure, *args, **kwargs):
        figures.append([{"xscale": ax.get_xscale(), "yscale": ax.get_yscale(), "bars": len(ax.patches)}
                        for ax in figure.axes])
        return original(figure, *args, **kwargs)

    Figure.savefig = spy
    try:
        sub.plot_gflops(dict(results), filename)
    finally:
        Figure.savefig = original
    path = Path(filename)
    data = path.read_bytes() if path.is_file() else b""
    return {"exists": path.is_file(), "header": list(data[:8]), "size": len(data), "figures": figures}


# -- CUDA ----------------------------------------------------------------------------------
def cuda_status(sub):
    """Whether this worker can run CUDA work (the grader's process may see a GPU it cannot)."""
    try:
        ok = torch.cuda.is_available() and float(torch.ones(2, device="cuda").sum()) == 2.0
        return {"usable": bool(ok), "error": "" if ok else "torch.cuda.is_available() is False in the worker"}
    except Exception as exc:  # noqa: BLE001 - the reason is the answer
        return {"usable": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def gpu_cycles_per_second(sub):
    """How many ``torch.cuda._sleep`` cycles make a second on this GPU (kit code only)."""
    torch.cuda._sleep(1000)
    torch.cuda.synchronize()
    start = time.perf_counter()
    torch.cuda._sleep(50_000_000)
    torch.cuda.synchronize()
    return 50_000_000 / (time.perf_counter() - start)


def gpu_sleeps(sub, cycles, repeats):
    """The kit's own measurement: ``repeats`` GPU sleeps, each waited for (timed by the grader)."""
    for _ in range(repeats):
        torch.cuda._sleep(int(cycles))
        torch.cuda.synchronize()
    return repeats


@uses("time_strategy")
def time_gpu_sleep(sub, n, cycles, repeats):
    """time_strategy on a strategy that queues a GPU kernel of known length and returns at once."""
    log = []

    def sleep(B, C):
        log.append([list(B.shape), B.device.type])
        torch.cuda._sleep(int(cycles))
        return B

    value = sub.time_strategy(sleep, n=n, device="cuda", repeats=repeats)
    return {"seconds": float(value), "calls": log}
