"""Exercise 3 figures, measured side by side in one run.

* grading time of exercise 3 on the reference;
* the reference ``data_iter``'s throughput against ``torch.utils.data.DataLoader(TensorDataset(...))``
  at batch sizes 1, 10 and 100 (examples per second over whole epochs, interleaved).

Run: ``python bench/exercise3_bench.py``
"""
from __future__ import annotations

import statistics
import time

import torch
from _common import grading_time, load_reference
from torch.utils.data import DataLoader, TensorDataset

N, D = 20_000, 5


def epoch_seconds(make_batches) -> float:
    started = time.perf_counter()
    for _X, _y in make_batches():
        pass
    return time.perf_counter() - started


def main() -> None:
    ref = load_reference("exercise3_data")
    features, labels = torch.randn(N, D), torch.randn(N)
    print(f"data iterator throughput, n={N}, d={D} (examples/s, median of 5 interleaved epochs)")
    print(f"{'batch':>6} {'reference data_iter':>20} {'DataLoader':>12} {'speed-up':>9}")
    for batch_size in (1, 10, 100):
        loader = DataLoader(TensorDataset(features, labels), batch_size=batch_size, shuffle=True)
        ours, theirs = [], []
        for _ in range(5):
            ours.append(epoch_seconds(lambda: ref.data_iter(features, labels, batch_size)))
            theirs.append(epoch_seconds(lambda: loader))
        ours_rate, theirs_rate = N / statistics.median(ours), N / statistics.median(theirs)
        print(f"{batch_size:>6} {ours_rate:>20,.0f} {theirs_rate:>12,.0f} {ours_rate / theirs_rate:>8.1f}x")
    seconds, score, max_score = grading_time("exercise3")
    print(f"grading exercise3 on the reference: {seconds:.1f} s, {score:g}/{max_score:g} points")


if __name__ == "__main__":
    main()
