"""The GPU check of exercises 4 and 5: grade, repeat the CUDA timing tests, write the figures.

Run by ``bench/gpu_check.sh`` (which installs the kit first on a fresh machine); on a machine
without CUDA every CUDA part is reported as "skipped: no CUDA device" and the rest still runs,
so the script is proven end to end anywhere. Steps, each written into the JSON:

1. the device: name, torch and CUDA versions, clocks and driver from nvidia-smi;
2. the sandbox: whether the worker's unprivileged user can start this Python (when run as
   root), and whether the kit's sandboxed worker can run CUDA work;
3. exercise 4's reference: full marks, and every CUDA case run (passed, not skipped);
4. exercise 4's stub: 0 points;
5. the golden mutants that matter on a GPU: each loses exactly its CUDA tests;
6. GFLOPS of each reference strategy at the graded sizes (CUDA events, median and IQR);
7. exercise 5's LARS step on CUDA: the graded test's outcome and its note;
8. the reference's CUDA timing tests repeated (20 times by default, within a time budget):
   false failures per test, undecided outcomes and the timing ratios seen.

Run: ``python bench/gpu_check.py --out DIR [--repeats 20] [--budget-s 300]``
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import KIT

import torch

from grader import api
from grader.checks import exercise4_flops as flops, timing
from grader.sandbox.limits import choose_worker_user, worker_python
from tests.golden.exercise4.buggy import GPU_FAILS, MODULE, MUTANTS
from tests.test_golden_bank import expected_failures

NO_CUDA = "skipped: no CUDA device"
CUDA = torch.cuda.is_available()
TIMING_WORDS = ("speed_close", "speed_ordering", "half_of_full", "agrees_with_grader", "waits_for_the_gpu")
CUDA_TIMING = "cuda and (" + " or ".join(TIMING_WORDS) + ")"
RATIO = re.compile(r"\((\d+(?:\.\d+)?)x, quartiles")


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def nvidia_smi() -> dict:
    fields = "name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw"
    try:
        done = subprocess.run(["nvidia-smi", f"--query-gpu={fields}", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=20)
        return dict(zip(fields.split(","), (v.strip() for v in done.stdout.splitlines()[0].split(","))))
    except (OSError, subprocess.SubprocessError, IndexError):
        return {"unreadable": "nvidia-smi is absent or failed"}


def device_info() -> dict:
    info = {"torch": torch.__version__, "cuda_available": CUDA, "python": sys.version.split()[0],
            "label": timing.device_label("cuda" if CUDA else "cpu")}
    if CUDA:
        info.update(name=torch.cuda.get_device_name(0), cuda=torch.version.cuda, nvidia_smi=nvidia_smi())
    return info


def sandbox_check() -> dict:
    """Whether a sandboxed worker starts (as an unprivileged user when root) and can use CUDA.

    The kit's own worker is started on the exercise-4 stub and asked for its CUDA status, so
    this checks what grading will do: the user drop, the worker's Python, its copy of the kit.
    """
    from grader import exercises
    from grader.probes.exercise4 import cuda_status
    from grader.session import GradingSession
    root = os.geteuid() == 0
    found = {"python": worker_python(), "root": root}
    if root:
        try:
            choose_worker_user(found["python"], "require")
        except Exception as exc:  # noqa: BLE001 - the reason is the finding
            return {**found, "status": "failed", "reason": str(exc)[:600]}
    session = GradingSession(exercises.get("exercise4"), KIT / "exercises" / f"{MODULE}.py", "",
                             sandbox="require" if root else "auto")
    try:
        worker = session.student()
        status = worker.call(cuda_status)
        found.update(dropped_user=worker.user.dropped, worker_cuda=status)
    except Exception as exc:  # noqa: BLE001
        return {**found, "status": "failed", "reason": f"{type(exc).__name__}: {exc}"[:600]}
    finally:
        session.close()
    fine = (found["dropped_user"] or not root) and (status["usable"] or not CUDA)
    found["status"] = "ok" if fine else "failed"
    if not root:
        found["note"] = "not root: the worker ran as the grader's own user"
    return found


def grade(exercise: str, path: Path, keyword: str | None = None):
    folder = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    return api.grade(exercise, path, feedback_dir=folder / "feedback", keyword=keyword)


def cuda_cases(report) -> dict:
    return {t.test_id: t.status for t in report.tests if "cuda" in t.test_id}


def check_reference() -> dict:
    started = time.perf_counter()
    report = grade("exercise4", KIT / "solutions" / f"{MODULE}.py")
    cases = cuda_cases(report)
    not_passed = {k: v for k, v in cases.items() if v != "passed"}
    ok = report.score == report.max_score > 0 and not report.errors and (not CUDA or not not_passed)
    return {"ok": ok, "score": report.score, "max_score": report.max_score, "errors": report.errors,
            "cuda_cases": len(cases), "cuda_cases_not_passed": not_passed if CUDA else NO_CUDA,
            "failed": {t.test_id: t.output[:300] for t in report.tests if t.status == "failed"},
            "seconds": round(time.perf_counter() - started, 1)}


def check_stub() -> dict:
    report = grade("exercise4", KIT / "exercises" / f"{MODULE}.py")
    return {"ok": report.score == 0, "score": report.score, "max_score": report.max_score}


def gpu_mutants() -> list:
    """The mutants a GPU judges differently: a GPU-only failure, or a CPU timing failure."""
    return [m for m in MUTANTS if m.name in GPU_FAILS or any(w in name for name in m.fails for w in TIMING_WORDS)]


def check_mutants() -> dict:
    """Each mutant graded on the CUDA cases only (tests/test_golden_bank.py checks the CPU ones)."""
    results = {}
    for bug in gpu_mutants():
        with tempfile.TemporaryDirectory() as folder:
            report = grade("exercise4", bug.write(MODULE, Path(folder)), keyword="cuda")
        lost = {t.test_id for t in report.tests if t.status == "failed"}
        expected = {name for name in expected_failures("exercise4", bug) if "cuda" in name}
        results[bug.name] = {"ok": lost == expected and not report.errors, "cases": len(report.tests),
                             "missed": sorted(expected - lost),
                             "extra": {t.test_id: t.output[:400] for t in report.tests if t.test_id in lost - expected},
                             "note": "" if CUDA or bug.name not in GPU_FAILS else
                             f"{NO_CUDA}: its GPU-only failures were not checked"}
        log(f"  mutant {bug.name}: {'ok' if results[bug.name]['ok'] else 'NOT AS EXPECTED'}")
    return results


def repeat_cuda_timing(repeats: int, budget_s: float) -> dict:
    """Grade only the reference's CUDA timing tests, again and again: every failure is false."""
    if not CUDA:
        report = grade("exercise4", KIT / "solutions" / f"{MODULE}.py", keyword=CUDA_TIMING)
        skipped = all(t.status == "skipped" and "CUDA" in t.output for t in report.tests)
        return {"status": NO_CUDA, "selected_tests": len(report.tests), "all_skipped_with_reason": skipped}
    failures, undecided, ratios, runs = {}, {}, {}, 0
    deadline = time.monotonic() + budget_s
    while runs < repeats and time.monotonic() < deadline:
        report = grade("exercise4", KIT / "solutions" / f"{MODULE}.py", keyword=CUDA_TIMING)
        runs += 1
        for t in report.tests:
            if t.status == "failed":
                failures.setdefault(t.test_id, []).append(t.output[:300])
            if "undecided" in t.output:
                undecided[t.test_id] = undecided.get(t.test_id, 0) + 1
            ratios.setdefault(t.test_id, []).extend(float(r) for r in RATIO.findall(t.output))
        log(f"  repeat {runs}: {sum(t.status == 'failed' for t in report.tests)} failed of {len(report.tests)}")
    spread = {k: {"min": min(v), "median": statistics.median(v), "max": max(v)} for k, v in ratios.items() if v}
    return {"runs": runs, "asked": repeats, "false_failures": {k: len(v) for k, v in failures.items()},
            "failure_messages": {k: v[:2] for k, v in failures.items()}, "undecided": undecided,
            "reference_ratios": spread}


def call_seconds(strategy, B, C, repeats: int, flush=None) -> list[float]:
    """Seconds of each of ``repeats`` calls of ``strategy(B, C)``, after one untimed call.

    Without ``flush`` (the CPU) the process clock is read around every call. With it (a GPU
    buffer), every call runs on a cold L2 cache, as Triton's do_bench has it, between two
    CUDA events queued in the stream; one synchronisation after the last call, then each
    pair of events gives its call's time (kernels run asynchronously: a clock read would
    see only the launch).
    """
    strategy(B, C)  # warm-up: allocations, caches, CUDA start-up
    if flush is None:
        seconds = []
        for _ in range(repeats):
            began = time.perf_counter()
            strategy(B, C)
            seconds.append(time.perf_counter() - began)
        return seconds
    marks = [tuple(torch.cuda.Event(enable_timing=True) for _ in "ab") for _ in range(repeats)]
    for before, after in marks:
        flush.zero_()
        before.record()
        strategy(B, C)
        after.record()
    torch.cuda.synchronize()
    return [before.elapsed_time(after) / 1e3 for before, after in marks]


def strategy_gflops(device: str, repeats: int = 5) -> dict:
    """GFLOPS of the reference's strategies at the graded sizes: warm-up, then median and IQR."""
    from _common import load_reference

    from grader.suites.test_exercise4 import SPEED_N  # the graded sizes
    reference = load_reference(MODULE)
    flush = torch.empty(64 << 20, dtype=torch.int32, device=device) if device == "cuda" else None
    results = {}
    if device == "cpu":
        torch.set_num_threads(1)  # as the grader's probes time the CPU
    for name, n in SPEED_N[device].items():
        B, C = (t.to(device) for t in flops.timing_inputs(n, 0))
        samples = timing.Samples(tuple(call_seconds(getattr(reference, f"matmul_{name}"), B, C, repeats, flush)))
        results[name] = {"n": n, "gflops": round(flops.gflops(n, samples.median), 3),
                         "median_s": samples.median, "iqr_s": samples.iqr}
    return {"device": timing.device_label(device, "" if flush is not None else "1 torch thread"),
            "timer": "CUDA events" if flush is not None else "perf_counter",
            "strategies": results}


def check_exercise5() -> dict:
    report = grade("exercise5", KIT / "solutions" / "exercise5_lars.py", keyword="cuda")
    return {t.test_id: {"status": t.status, "output": t.output[:1200]} for t in report.tests}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT") or KIT / "feedback" / "gpu_check"))
    parser.add_argument("--repeats", type=int, default=20, help="gradings of the CUDA timing tests (default 20)")
    parser.add_argument("--budget-s", type=float, default=300, help="stop repeating after this long (default 300)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    figures: dict = {"device": device_info()}
    steps = [("sandbox", sandbox_check), ("exercise4_reference", check_reference), ("exercise4_stub", check_stub),
             ("exercise4_mutants", check_mutants),
             ("exercise4_gflops", lambda: strategy_gflops("cuda" if CUDA else "cpu")),
             ("exercise5_cuda_step", check_exercise5),
             # Last, within its time budget: a run cut short still has every other figure.
             ("exercise4_cuda_timing_repeats", lambda: repeat_cuda_timing(args.repeats, args.budget_s))]
    for name, step in steps:
        log(f"{name} ...")
        try:
            figures[name] = step()
        except Exception as exc:  # noqa: BLE001 - a failed step is a finding; the others still run
            figures[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:1000]}
        log(f"{name}: {json.dumps(figures[name], default=str)[:400]}")
        (args.out / "gpu_check.json").write_text(json.dumps(figures, indent=2, default=str))
    if CUDA:
        figures["device"]["nvidia_smi_after"] = nvidia_smi()
    figures["seconds"] = round(time.perf_counter() - started, 1)
    (args.out / "gpu_check.json").write_text(json.dumps(figures, indent=2, default=str))
    log(f"figures written to {args.out / 'gpu_check.json'} ({figures['seconds']} s)")
    mutants = figures["exercise4_mutants"]
    ok = figures["exercise4_reference"].get("ok") and figures["exercise4_stub"].get("ok") and "error" not in mutants
    ok = ok and all(m["ok"] for m in mutants.values() if isinstance(m, dict))
    log("all checks as expected" if ok else "SOME CHECKS NOT AS EXPECTED: see the JSON")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
