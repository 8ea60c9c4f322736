"""Exercise 1 benchmark: grading time, and the reference engine against torch autograd.

Prints, from one run:

* how long ``grade exercise1`` takes on the reference solution (the goal is under 30 s on
  2 cores, with at least 100 hypothesis examples per op and per check);
* forward + backward of a two-layer MLP with 256x256 matrices (float64, MSE loss) in the
  reference ``Matrix`` engine and in torch autograd on the CPU, measured alternately
  (A B A B), medians compared (the goal is at most 5x torch's time).

Run: ``python bench/exercise1_bench.py`` (``--skip-grading`` for the engine timing only).
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

KIT = Path(__file__).resolve().parent.parent
SIZE = 256


def load_reference():
    path = KIT / "solutions" / "exercise1_autograd.py"
    spec = importlib.util.spec_from_file_location("exercise1_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def grading_time() -> tuple[float, float, float]:
    """Seconds ``grade exercise1`` takes on the reference, and its score out of the maximum."""
    from grader import api
    from grader.session import default_solutions_dir
    started = time.perf_counter()
    report = api.grade("exercise1", default_solutions_dir(), feedback_dir=KIT / "feedback" / "bench")
    return time.perf_counter() - started, report.score, report.max_score


def mlp_arrays(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    scale = 1 / SIZE ** 0.5
    return {"X": rng.normal(size=(SIZE, SIZE)), "Y": rng.normal(size=(SIZE, SIZE)),
            "W1": rng.normal(size=(SIZE, SIZE)) * scale, "b1": np.zeros((1, SIZE)),
            "W2": rng.normal(size=(SIZE, SIZE)) * scale, "b2": np.zeros((1, SIZE))}


def engine_step(ref, arrays: dict):
    """One forward + backward in the reference engine; returns the run's seconds and W1's gradient."""
    params = {k: ref.Matrix(arrays[k]) for k in ("W1", "b1", "W2", "b2")}
    X, Y = ref.Matrix(arrays["X"]), ref.Matrix(arrays["Y"])
    start = time.perf_counter()
    pred = (X @ params["W1"] + params["b1"]).relu() @ params["W2"] + params["b2"]
    loss = ref.mse(pred, Y)
    loss.backward()
    return time.perf_counter() - start, params["W1"].grad


def torch_step(arrays: dict):
    """The same step in torch autograd (float64, CPU)."""
    t = {k: torch.from_numpy(v.copy()) for k, v in arrays.items()}
    for k in ("W1", "b1", "W2", "b2"):
        t[k].requires_grad_(True)
    start = time.perf_counter()
    pred = torch.relu(t["X"] @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    loss = ((pred - t["Y"]) ** 2).mean()
    loss.backward()
    return time.perf_counter() - start, t["W1"].grad.numpy()


def engine_vs_torch(repeats: int = 30) -> tuple[float, float, float]:
    """Median seconds per step of the engine and of torch, measured alternately, and the largest gradient gap."""
    ref, arrays = load_reference(), mlp_arrays()
    for _ in range(3):  # warm-up: BLAS threads, allocator, torch's autograd engine
        engine_step(ref, arrays)
        torch_step(arrays)
    engine, reference = [], []
    for _ in range(repeats):
        seconds, engine_grad = engine_step(ref, arrays)
        engine.append(seconds)
        seconds, torch_grad = torch_step(arrays)
        reference.append(seconds)
    gap = float(np.abs(engine_grad - torch_grad).max())
    return statistics.median(engine), statistics.median(reference), gap


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-grading", action="store_true", help="only time the engine against torch")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    from grader.api import device_name
    print(f"device: {device_name()}, torch {torch.__version__}, {torch.get_num_threads()} torch threads")
    if not args.skip_grading:
        seconds, score, max_score = grading_time()
        verdict = "within" if seconds < 30 else "OVER"
        print(f"grade exercise1 on the reference: {seconds:.1f} s ({verdict} the 30 s goal), "
              f"score {score:g}/{max_score:g}")
    engine, reference, gap = engine_vs_torch(args.repeats)
    ratio = engine / reference
    print(f"two-layer MLP {SIZE}x{SIZE} (float64, MSE), forward + backward, median of {args.repeats}:")
    print(f"  reference engine {engine * 1e3:.2f} ms, torch autograd {reference * 1e3:.2f} ms: "
          f"{ratio:.2f}x ({'within' if ratio <= 5 else 'OVER'} the 5x goal); "
          f"largest |grad W1 difference| {gap:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
