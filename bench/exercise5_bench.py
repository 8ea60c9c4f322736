"""Exercise 5 figures, measured side by side in one run.

* one step of the reference ``LARS`` against one step of ``torch.optim.SGD`` (momentum
  0.9, weight decay 1e-4, for-loop and foreach variants) on a ResNet-50-sized parameter
  list (161 tensors, 25.6 M float32 values, random gradients), interleaved, median of blocks,
  with one and with two threads; the goal is LARS within 3x of SGD;
* grading time of exercise 5 on the reference (goal: under 60 s on 2 cores);
* with ``--bands``: the large-batch and ``train_mnist`` figures behind the bands in
  ``grader.checks.exercise5_large_batch``, over more seeds than grading runs.

Run: ``python bench/exercise5_bench.py [--bands] [--no-grading]``
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from _common import grading_time, load_reference

from grader.checks import exercise5_large_batch as large_batch
from grader.checks.exercise5_timing import resnet50_shapes
from grader.probes import exercise5 as probes


def parameters_with_grads(shapes, seed: int = 0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    params = []
    for shape in shapes:
        p = torch.randn(shape, generator=generator).mul_(0.05).requires_grad_(True)
        p.grad = torch.randn(shape, generator=generator).mul_(1e-3)
        params.append(p)
    return params


def step_seconds(optimizer, repeats: int) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        optimizer.step()
    return (time.perf_counter() - started) / repeats


def bench_steps(ref, threads: int, blocks: int = 7, repeats: int = 3) -> None:
    torch.set_num_threads(threads)
    shapes = resnet50_shapes()
    numel = sum(torch.Size(s).numel() for s in shapes)
    print(f"one optimizer step on a ResNet-50-sized parameter list: {len(shapes)} tensors, {numel / 1e6:.1f} M "
          f"float32 values, {threads} thread{'s' if threads > 1 else ''}")
    settings = dict(momentum=0.9, weight_decay=1e-4)
    optimizers = {
        "SGD (for-loop)": torch.optim.SGD(parameters_with_grads(shapes), lr=0.1, foreach=False, **settings),
        "SGD (foreach)": torch.optim.SGD(parameters_with_grads(shapes), lr=0.1, foreach=True, **settings),
        "LARS (reference)": ref.LARS(parameters_with_grads(shapes), lr=0.1, trust_coefficient=0.001, **settings),
    }
    times: dict[str, list[float]] = {name: [] for name in optimizers}
    for name, optimizer in optimizers.items():  # warm-up: the momentum buffers are allocated here
        step_seconds(optimizer, 1)
    for _ in range(blocks):  # interleaved, so all three see the same machine load
        for name, optimizer in optimizers.items():
            times[name].append(step_seconds(optimizer, repeats))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in medians.items():
        print(f"  {name:<18} {seconds * 1e3:8.1f} ms")
    lars = medians["LARS (reference)"]
    for baseline in ("SGD (for-loop)", "SGD (foreach)"):
        ratio = lars / medians[baseline]
        print(f"  LARS / {baseline:<15} {ratio:5.2f}x  (goal: within 3x) {'ok' if ratio <= 3 else 'OVER'}")


def bench_bands(ref, lars_seeds=range(8), sgd_seeds=range(6), parr_seeds=range(5)) -> None:
    torch.set_num_threads(1)
    s = large_batch.SETTINGS
    print(f"large batch ({large_batch.describe_settings()}, seeds as listed)")
    lars_settings = s["lars_settings"]
    finals = []
    for seed in lars_seeds:
        run = probes._kit_training(lambda p: ref.LARS(p, **lars_settings), s["large_batch"], s["epochs"], seed)
        finals.append(run["val_accuracy"][-1])
    print(f"  LARS final validation accuracy, seeds {list(lars_seeds)}: {[round(a, 4) for a in finals]} "
          f"(min {min(finals):.4f}, mean {statistics.mean(finals):.4f}; band >= {large_batch.LARS_MIN_VAL_ACCURACY})")
    scaled_lr = ref.linear_scaled_lr(s["sgd_base_lr"], s["sgd_base_batch"], s["large_batch"])
    bests = []
    for seed in sgd_seeds:
        run = probes._kit_training(lambda p: torch.optim.SGD(p, lr=scaled_lr, momentum=0.9), s["large_batch"],
                                   s["epochs"], seed)
        bests.append(max(run["val_accuracy"]))
    print(f"  SGD lr {scaled_lr:g} best validation accuracy, seeds {list(sgd_seeds)}: {[round(a, 4) for a in bests]}"
          f" (must stay < {large_batch.SCALED_SGD_MAX_VAL_ACCURACY})")
    small = probes._kit_training(lambda p: torch.optim.SGD(p, lr=s["sgd_base_lr"], momentum=0.9),
                                 s["sgd_base_batch"], s["epochs"], 0)
    print(f"  SGD lr {s['sgd_base_lr']} batch {s['sgd_base_batch']}, seed 0: final {small['val_accuracy'][-1]:.4f}")
    for epochs in (4, 5, 6):
        accuracies = [probes.train(ref, lr=0.1, momentum=0.9, batch_size=32, epochs=epochs, seed=seed)
                      ["model_val_accuracy"] for seed in parr_seeds]
        print(f"  train_mnist SGD lr 0.1 batch 32, {epochs} epochs, returned model, seeds {list(parr_seeds)}: "
              f"{[round(a, 4) for a in accuracies]} (band >= {large_batch.PARR_MIN_VAL_ACCURACY})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bands", action="store_true", help="also print the band figures (a few minutes)")
    parser.add_argument("--no-grading", action="store_true", help="skip timing a full grading run")
    args = parser.parse_args()
    ref = load_reference("exercise5_lars")
    # One thread first: on a machine shared with other jobs, two OpenMP threads mostly wait
    # for each other, and LARS (more kernels per parameter) suffers more from it than SGD.
    for threads in (1, 2):
        bench_steps(ref, threads)
    if args.bands:
        bench_bands(ref)
    if not args.no_grading:
        seconds, score, max_score = grading_time("exercise5")
        print(f"grading exercise5 on the reference: {seconds:.1f} s, {score:g}/{max_score:g} points")


if __name__ == "__main__":
    main()
