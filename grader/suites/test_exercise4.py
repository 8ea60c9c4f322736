"""Grading suite for exercise 4: matrix-multiplication strategies and GFLOPS.

Student code runs only in the ``student`` worker; every verdict is computed here. Timed work is
clocked here, around probes that repeat the product on fresh inputs and return checksums verified
here (``grader.checks.exercise4_flops``). Tests run on the CPU and, with a CUDA device, again on it.
"""
from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.checks import exercise4_flops as flops, timing, torch_calls
from grader.checks.compare import assert_close, fail
from grader.checks.exercise4_sleeps import COLD_S, SLEEP_S, check_sleep_calls, timed_answer, within
from grader.checks.exercise4_dependencies import DEPENDENCIES  # noqa: F401 (grader.dependencies reads it)
from grader.checks.exercise4_strategies import HOW, structure_problem
from grader.probes import exercise4 as probes
from grader.sandbox.errors import GradingFailure

EXERCISE = "exercise4"
STRATEGIES = probes.STRATEGIES
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]
MAX_SLOWDOWN = 2.5  # student/reference time; the reference measures 0.8-1.3x against itself


@pytest.fixture
def device(request, student):
    """'cpu', or 'cuda' where the grader and the sandboxed worker can both use a GPU."""
    if request.param == "cpu":
        return "cpu"
    request.getfixturevalue("gpu_device")  # skips with the engine's reason where there is no GPU
    status = student.call(probes.cuda_status)
    if not status["usable"]:
        pytest.skip(f"a CUDA device is present but the sandboxed worker cannot use it ({status['error']}): "
                    "the GPU checks did not run")
    return "cuda"


def device_label(device: str) -> str:
    return timing.device_label(device, cpu_detail="1 torch thread")


def function_for(strategy: str) -> str:
    return f"matmul_{strategy}"


# -- correctness ----------------------------------------------------------------------------
def check_product(out, B, C, strategy, inputs, rtol=1e-9, atol=1e-9, device="cpu"):
    """The probe's answer is a new tensor equal to torch.mm(B, C), with the inputs' dtype and device."""
    function = function_for(strategy)
    if not out["is_tensor"]:
        fail(function, "should return a torch.Tensor", expected="Tensor", received=out["type"], inputs=inputs)
    expected = torch.mm(torch.from_numpy(B).double(), torch.from_numpy(C).double()).numpy()
    received = np.asarray(out["value"], dtype=np.float64)
    hint = {"blocked": "one block of block_size columns at a time; the last block is narrower when "
                       "block_size does not divide the width"}.get(strategy, "A[i, j] = B[i, :] . C[:, j]")
    if received.shape == expected.T.shape and np.allclose(received, expected.T, rtol=rtol, atol=atol):
        hint = "your result is the transpose of B @ C: A[i, j] pairs row i of B with column j of C"
    assert_close(received, expected, function, "the product", inputs=inputs, rtol=rtol, atol=atol, hint=hint)
    dtype = str(B.dtype)
    if out["dtype"] != dtype:
        fail(function, "the result has the wrong dtype", expected=dtype, received=out["dtype"], inputs=inputs,
             hint="allocate the result with dtype=B.dtype")
    if out["device"] != device:
        fail(function, "the result is on the wrong device", expected=device, received=out["device"],
             inputs=inputs, hint="allocate the result with device=B.device")
    if out["shares_memory"] or not out["inputs_unchanged"]:
        fail(function, "must return a new tensor and leave B and C unchanged", inputs=inputs)


def random_pair(n, k, m, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, k)).astype(dtype), rng.normal(size=(k, m)).astype(dtype)


@pytest.mark.points(2)
@pytest.mark.parametrize("device", DEVICES, indirect=True)
@pytest.mark.parametrize("strategy", STRATEGIES)
@settings(max_examples=30)
@given(shape=st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 14)),
       block_size=st.integers(1, 16), seed=st.integers(0, 2**16))
@example(shape=(4, 4, 4), block_size=3, seed=0)  # square: a transposed result has the right shape
@example(shape=(3, 5, 1), block_size=64, seed=1)  # 1-wide, block wider than the matrix
@example(shape=(2, 3, 7), block_size=3, seed=2)  # block size not dividing the width
def test_strategy_matches_torch_mm(student, device, strategy, shape, block_size, seed):
    """Each strategy computes B @ C exactly like torch.mm in float64"""
    n, k, m = shape
    B, C = random_pair(n, k, m, seed)
    block = block_size if strategy == "blocked" else None
    inputs = f"B {B.shape}, C {C.shape} float64 on {device}" + (f", block_size={block}" if block else "")
    out = student.call(probes.product[strategy], B=B, C=C, block_size=block, device=device)
    check_product(out, B, C, strategy, inputs, device=device)


@pytest.mark.points(1)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_strategy_keeps_float32(student, strategy):
    """Each strategy returns float32 for float32 inputs"""
    B, C = random_pair(5, 3, 4, seed=7, dtype=np.float32)
    out = student.call(probes.product[strategy], B=B, C=C)
    check_product(out, B, C, strategy, "B (5, 3), C (3, 4) float32", rtol=1e-5, atol=1e-5)


@pytest.mark.points(1)
def test_blocked_default_block_size(student):
    """matmul_blocked works with its default block size on a 130-wide matrix"""
    B, C = random_pair(3, 4, 130, seed=3)
    out = student.call(probes.product["blocked"], B=B, C=C)
    check_product(out, B, C, "blocked", "B (3, 4), C (4, 130), default block_size")


# -- each strategy is the asked one: its source; the calls it records can only fail it ----------
@pytest.mark.points(2)
@pytest.mark.parametrize("strategy", STRATEGIES)
@settings(max_examples=10)
@given(shape=st.tuples(st.integers(1, 8), st.integers(1, 8), st.integers(1, 12)), block_size=st.integers(1, 8))
@example(shape=(3, 4, 7), block_size=3)
def test_strategy_is_the_asked_one(student, source_findings, strategy, shape, block_size):
    """Each strategy multiplies the asked way (its source, and the torch calls it makes)"""
    n, k, m = shape
    block = block_size if strategy == "blocked" else None
    for finding in source_findings.get(function_for(strategy), []):
        fail(function_for(strategy), f"does not multiply the asked way (line {finding.line}: `{finding.code}`): "
             f"{finding.why}", hint=HOW[strategy])
    out = student.call(probes.calls[strategy], n=n, k=k, m=m, block_size=block)
    found = torch_calls.products(out["calls"])
    problem = structure_problem(strategy, found, n, m, block)
    if problem:
        fail(function_for(strategy), f"does not multiply the asked way: {problem}", received=found.describe(),
             inputs=f"B ({n}, {k}), C ({k}, {m})" + (f", block_size={block}" if block else ""),
             hint=HOW[strategy])


# -- timing, clocked here ----------------------------------------------------------------------
# Each timed probe call multiplies for at least WORK_S: the call's overhead is small beside it.
WORK_S = 0.02
MAX_PRODUCTS = 4000
SPEED_N = {
    "cpu": {"elementwise": 48, "rowwise": 128, "columnwise": 128, "full": 256, "blocked": 256},
    "cuda": {"elementwise": 32, "rowwise": 256, "columnwise": 256, "full": 4096, "blocked": 4096},
}
ORDER_N = 64  # the same size for every strategy in the ordering check
ORDER_MARGIN = 4.0  # each step must be 4x faster; the reference shows 15-100x on the kit's CPU
BLOCKED_N = {"cpu": 256, "cuda": 4096}
# The student's gflops times single calls, the grader whole probe calls: at n = 1024 both are tens of ms long.
AGREEMENT_N = {"cpu": 1024, "cuda": 4096}


def product_timer(worker, strategy: str, n: int, device: str, min_products: int = 1):
    """A zero-argument callable: seconds per product, clocked here, checksums verified, inputs from the secret."""
    seeds = flops.timing_seeds(f"{strategy}/{n}", device)

    def run() -> float:
        seed = next(seeds)
        sums, seconds = worker.timed_call(probes.timed[strategy], n=n, seed=seed, device=device,
                                          min_products=min_products, min_seconds=WORK_S, max_products=MAX_PRODUCTS)
        problem = flops.checksum_problem(sums, n, seed, min_products, MAX_PRODUCTS)
        if problem:
            fail(function_for(strategy), f"the timed products are wrong: {problem}",
                 inputs=f"float32 {n} x {n} matrices on {device}",
                 hint="the timing checks multiply fresh float32 inputs; the result must be B @ C for them")
        return seconds / len(sums)
    return run


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("device", DEVICES, indirect=True)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_strategy_speed_close_to_reference(student, reference, record, device, strategy):
    """Each strategy takes at most 2.5x the reference's time, measured side by side"""
    n = SPEED_N[device][strategy]
    ok, comparison = timing.within_ratio(product_timer(student, strategy, n, device),
                                         product_timer(reference, strategy, n, device),
                                         max_ratio=MAX_SLOWDOWN)
    where = device_label(device)
    record.note(f"n={n}: {comparison.describe(where)}")
    if not ok:
        fail(function_for(strategy), f"takes {comparison.ratio:.1f}x the reference's time per product",
             expected=f"at most {MAX_SLOWDOWN}x", received=comparison.describe(where),
             inputs=f"float32 {n} x {n} matrices on {where}",
             hint=f"{HOW[strategy]}; no extra copies, conversions or repeated work")


def median_gflops(timers: dict, n: int, blocks: int = 3) -> dict:
    """GFLOPS per strategy: the median of ``blocks`` rounds, strategies interleaved in each."""
    seconds = {name: [] for name in timers}
    for _ in range(blocks):
        for name, run in timers.items():
            seconds[name].append(run())
    return {name: flops.gflops(n, statistics.median(values)) for name, values in seconds.items()}


def chart_only(run):
    """A timer for a strategy shown in the chart but not judged here: infinite time when it fails."""
    def guarded() -> float:
        try:
            return run()
        except GradingFailure:
            return math.inf
    return guarded


def ordering_problem(results: dict) -> str:
    for slow, fast in (("elementwise", "columnwise"), ("columnwise", "full")):
        if results[fast] < ORDER_MARGIN * results[slow]:
            return f"{fast} ({results[fast]:.3g} GFLOPS) is not {ORDER_MARGIN:g}x faster than {slow} " \
                   f"({results[slow]:.3g} GFLOPS)"
    return ""


@pytest.mark.points(3)
@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("device", DEVICES, indirect=True)
def test_speed_ordering_element_column_full(student, record, feedback_dir, device):
    """Element-wise is far slower than column-wise, which is far slower than the full product"""
    timers = {name: product_timer(student, name, ORDER_N, device) for name in STRATEGIES}
    for name in ("rowwise", "blocked"):  # charted, judged by their own tests
        timers[name] = chart_only(timers[name])
    results = median_gflops(timers, ORDER_N)
    problem = ordering_problem(results)
    if problem:  # one more measurement before it counts
        results = median_gflops(timers, ORDER_N)
        problem = ordering_problem(results)
    where = device_label(device)
    title = f"GFLOPS per strategy, n={ORDER_N}, {where}"
    charted = {name: value for name, value in results.items() if value > 0}
    record.artifact(flops.plot_gflops(charted, title, feedback_dir / f"exercise4_gflops_{device}.png"))
    record.note(f"{where}, n={ORDER_N}: " + ", ".join(f"{k} {v:.3g}" for k, v in charted.items()) + " GFLOPS")
    if problem:
        fail("matmul_elementwise / matmul_columnwise / matmul_full", f"the speeds are not ordered: {problem}",
             inputs=f"float32 {ORDER_N} x {ORDER_N} matrices on {where}",
             hint="an element-wise product that runs like a full product is not element-wise")


@pytest.mark.points(2)
@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("device", DEVICES, indirect=True)
def test_blocked_at_least_half_of_full(student, record, device):
    """matmul_blocked (64 columns) reaches at least half the GFLOPS of matmul_full"""
    n = BLOCKED_N[device]
    ok, comparison = timing.within_ratio(product_timer(student, "blocked", n, device),
                                         product_timer(student, "full", n, device), max_ratio=2.0)
    where = device_label(device)
    blocked, full = flops.gflops(n, comparison.student_s), flops.gflops(n, comparison.reference_s)
    record.note(f"n={n} on {where}: blocked {blocked:.3g} GFLOPS, full {full:.3g} GFLOPS")
    if not ok:
        fail("matmul_blocked", "reaches less than half the GFLOPS of your full product",
             expected=f"at least {full / 2:.3g} GFLOPS", received=f"{blocked:.3g} GFLOPS",
             inputs=f"float32 {n} x {n} matrices, block_size=64, on {where}",
             hint="one torch.mm per block written straight into its slice of A; no per-column copying")


@pytest.mark.points(1)
@pytest.mark.timeout_s(120)
def test_leaderboard_blocked_gflops_at_1024(student, record):
    """Leaderboard: the GFLOPS of your blocked product at n = 1024"""
    device = "cuda" if torch.cuda.is_available() and student.call(probes.cuda_status)["usable"] else "cpu"
    n = 1024
    value = flops.gflops(n, timing.median_time(product_timer(student, "blocked", n, device, min_products=2), blocks=3))
    record.leaderboard("Blocked GFLOPS (n=1024)", round(value, 2), "desc")
    record.note(f"blocked, n={n}, block_size=64: {value:.3g} GFLOPS on {device_label(device)}")


# -- the student's own timing functions ----------------------------------------------------------
@pytest.mark.points(2)
def test_time_strategy_seconds_per_call(student):
    """time_strategy returns the median seconds of one call"""
    out = timing.remeasured(lambda: timed_answer(student, probes.time_sleep, n=32, seconds=SLEEP_S, repeats=5),
                            lambda o: within(o["seconds"], SLEEP_S, 0.9, 1.5))
    check_sleep_calls(out["calls"], out["elapsed"], 32, "cpu", 5, "time_strategy")
    if not within(out["seconds"], SLEEP_S, 0.9, 1.5):
        fail("time_strategy", f"a strategy that sleeps {SLEEP_S * 1e3:g} ms per call was timed wrong",
             expected=f"about {SLEEP_S} s", received=f"{out['seconds']:.6g} s", inputs="repeats=5, n=32",
             hint="return seconds (not ms) per call (not the total): the median of the repeats")


@pytest.mark.points(2)
@pytest.mark.parametrize("repeats", [1, 3])
def test_time_strategy_warms_up_first(student, repeats):
    """time_strategy leaves the slow first (cold) call out of the timing"""
    out = timing.remeasured(
        lambda: student.call(probes.time_sleep, n=16, seconds=SLEEP_S, repeats=repeats, cold_seconds=COLD_S),
        lambda o: within(o["seconds"], SLEEP_S, 0.9, 1.5))
    if not within(out["seconds"], SLEEP_S, 0.9, 1.5):
        fail("time_strategy",
             f"the first call of the strategy sleeps {COLD_S * 1e3:g} ms, the others {SLEEP_S * 1e3:g} ms",
             expected=f"about {SLEEP_S} s", received=f"{out['seconds']:.6g} s", inputs=f"repeats={repeats}",
             hint="call the strategy once before timing (warm-up), then time the repeats")


@pytest.mark.points(2)
def test_gflops_counts_2n3_flops(student):
    """gflops is 2 n^3 / seconds / 1e9"""
    n = 100
    expected = flops.gflops(n, SLEEP_S)
    out = timing.remeasured(lambda: student.call(probes.gflops_sleep, n=n, seconds=SLEEP_S),
                            lambda o: within(o["gflops"], expected, 1 / 1.5, 1 / 0.9))
    # The strategy takes at least SLEEP_S, so the GFLOPS can only come out lower; 2x off is caught.
    if not within(out["gflops"], expected, 1 / 1.5, 1 / 0.9):
        fail("gflops", f"wrong GFLOPS for a strategy that sleeps {SLEEP_S * 1e3:g} ms per call",
             expected=f"about {expected:.3g}", received=f"{out['gflops']:.6g}", inputs=f"n={n}",
             hint="an n x n product has 2 n^3 flops (n multiplications and n additions per entry)")


@pytest.mark.points(2)
@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("device", DEVICES, indirect=True)
def test_gflops_agrees_with_grader(student, record, device):
    """Your gflops(matmul_full) agrees with the grader's own measurement (within 3x)"""
    n = AGREEMENT_N[device]
    measure = product_timer(student, "full", n, device)
    for attempt in range(2):  # one retry before it counts
        # The fastest of short blocks: each carries the grader's own work (fresh inputs, checksums)
        # and a busy machine only ever adds time; a median of three ran 1.3-3.5x slow.
        grader = flops.gflops(n, timing.measure(measure, blocks=7).best)
        yours = student.call(probes.student_gflops, strategy="full", n=n, device=device)
        if within(yours, grader, 1 / 3, 3):
            break
    where = device_label(device)
    record.note(f"n={n} on {where}: yours {yours:.3g} GFLOPS, the grader's {grader:.3g} GFLOPS")
    if not within(yours, grader, 1 / 3, 3):
        fail("gflops", "disagrees with the grader's measurement of matmul_full", expected=f"about {grader:.3g}",
             received=f"{yours:.3g}", inputs=f"gflops(matmul_full, n={n}, device='{device}') on {where}",
             hint="warm up, synchronise the device before reading the clock (CUDA events on a GPU), "
                  "take the median")


@pytest.mark.points(2)
@pytest.mark.gpu
@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("device", ["cuda"], indirect=True)
def test_time_strategy_waits_for_the_gpu(student, record, device):
    """time_strategy waits for GPU kernels to finish (CUDA events or synchronize)"""
    cycles = student.call(probes.gpu_cycles_per_second) * SLEEP_S
    repeats = 5
    kernel_s = timing.median_time(lambda: student.timed_call(probes.gpu_sleeps, cycles=cycles,
                                                             repeats=repeats)[1] / repeats, blocks=3)
    out = student.call(probes.time_gpu_sleep, n=64, cycles=cycles, repeats=5)
    record.note(f"a {kernel_s * 1e3:.2f} ms kernel: you measured {out['seconds'] * 1e3:.3f} ms on "
                f"{device_label(device)}")
    if not within(out["seconds"], kernel_s, 0.7, 1.5):
        fail("time_strategy", "mis-timed a strategy that queues one GPU kernel and returns at once",
             expected=f"about {kernel_s:.4g} s", received=f"{out['seconds']:.4g} s", inputs="device='cuda'",
             hint="GPU work is asynchronous: record CUDA events around the call and synchronise before reading")


@pytest.mark.points(1)
def test_compare_strategies_reports_every_strategy(student):
    """compare_strategies returns GFLOPS for every strategy, element-wise the slowest"""
    n = 48
    out = student.call(probes.compare, n=n)
    if set(out) != set(STRATEGIES):
        fail("compare_strategies", "wrong keys", expected=sorted(STRATEGIES), received=sorted(out), inputs=f"n={n}")
    if not all(math.isfinite(v) and v > 0 for v in out.values()):
        fail("compare_strategies", "every value must be a positive GFLOPS figure", received=out, inputs=f"n={n}")
    if not out["elementwise"] * 2 < min(out["columnwise"], out["full"]):
        fail("compare_strategies", "element-wise should come out far slower than column-wise and full",
             received={k: round(v, 4) for k, v in out.items()}, inputs=f"n={n}",
             hint="each value is gflops(matmul_<name>, n, device)")


@pytest.mark.points(1)
def test_plot_gflops_log_bar_chart(student):
    """plot_gflops saves a PNG bar chart with a log axis"""
    results = {"elementwise": 0.01, "rowwise": 5.0, "columnwise": 3.0, "full": 100.0, "blocked": 80.0}
    out = student.call(probes.plot, results=results)
    if not out["exists"] or out["header"] != list(b"\x89PNG\r\n\x1a\n"):
        fail("plot_gflops", "did not save a PNG file at the given path", inputs="path='gflops.png'",
             hint="fig.savefig(path)")
    axes = [ax for figure in out["figures"] for ax in figure if ax["bars"] == len(results)]
    if not axes:
        fail("plot_gflops", "no saved chart has one bar per strategy", expected=len(results),
             received=[ax["bars"] for figure in out["figures"] for ax in figure], hint="ax.bar(names, values)")
    if not any("log" in (ax["xscale"], ax["yscale"]) for ax in axes):
        fail("plot_gflops", "the GFLOPS axis is not logarithmic", expected="log",
             received=axes[0]["yscale"], hint='ax.set_yscale("log"): the values span four orders of magnitude')
