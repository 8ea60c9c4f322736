"""Exercise 4 figures: GFLOPS per strategy (d2l §12.5.1's table) and the grading time.

* GFLOPS of the reference's five strategies at n = 256 (float32), measured with the
  reference's own ``gflops`` (warm-up, median of 5 calls), on one torch thread -- as the
  grader measures -- and on torch's default thread count;
* ``torch.mm``'s peak over sizes 256 .. 2048;
* grading time of exercise 4 on the reference.

Run: ``python bench/exercise4_bench.py`` (``--n 128`` for another size, ``--skip-grading``).
"""
from __future__ import annotations

import argparse

import torch
from _common import grading_time, load_reference


def strategy_gflops(ref, n: int, threads: int) -> dict:
    torch.set_num_threads(threads)
    functions = {name: getattr(ref, f"matmul_{name}") for name in ref.STRATEGIES}
    return {name: ref.gflops(function, n, "cpu") for name, function in functions.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--skip-grading", action="store_true")
    args = parser.parse_args()
    ref = load_reference("exercise4_matmul")
    default_threads = torch.get_num_threads()
    counts = sorted({1, default_threads})
    table = {threads: strategy_gflops(ref, args.n, threads) for threads in counts}
    print(f"GFLOPS per strategy, n={args.n}, float32, CPU (median of 5 calls after a warm-up)")
    print("| strategy | " + " | ".join(f"{t} thread{'s' * (t > 1)}" for t in counts) + " |")
    print("|---|" + "---:|" * len(counts))
    for name in ref.STRATEGIES:
        print(f"| {name} | " + " | ".join(f"{table[t][name]:.3g}" for t in counts) + " |")
    for threads in counts:
        torch.set_num_threads(threads)
        peaks = {n: ref.gflops(ref.matmul_full, n, "cpu") for n in (256, 512, 1024, 2048)}
        print(f"torch.mm, {threads} thread(s): " + ", ".join(f"n={n} {v:.3g}" for n, v in peaks.items())
              + " GFLOPS")
    torch.set_num_threads(default_threads)
    if not args.skip_grading:
        seconds, score, max_score = grading_time("exercise4")
        print(f"grading exercise4 on the reference: {seconds:.1f} s, {score:g}/{max_score:g} points")


if __name__ == "__main__":
    main()
