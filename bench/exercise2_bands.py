"""Where the reference optimizers end on airfoil, over seeds: the figures behind exercise 2's bands.

Runs the reference solution in this process through the same kit training loop and loader
the grader's probe uses (d2l's settings: minibatch 10, two epochs) and prints, per
optimizer, the final loss over seeds and the band the suite uses. It also prints the
noisy-quadratic figures: the exact mean of f after 50 steps, its spread over the suite's
200 seeds, and the false-failure bounds of the suite's bands.

Usage: ``python bench/exercise2_bands.py [--seeds 10]``.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from grader.checks import exercise2_noisy_quadratic as noisy_quadratic  # noqa: E402
from grader.probes import exercise2 as probes  # noqa: E402
from grader.checks import exercise2_noisy_sgd as suite  # noqa: E402

SETTINGS = {  # d2l chapter 12's settings for each optimizer
    "sgd": {"lr": 0.05},
    "sgd_momentum": {"lr": 0.02, "momentum": 0.5},
    "adagrad": {"lr": 0.1},
    "rmsprop": {"lr": 0.01, "gamma": 0.9},
    "adam": {"lr": 0.01, "t": 1},
}
CONCISE = {"SGD": ({"lr": 0.01}, 4), "Adam": ({"lr": 0.01}, 2)}  # d2l's train_concise_ch11 calls


def load_reference():
    path = KIT / "solutions" / "exercise2_optimizers.py"
    spec = importlib.util.spec_from_file_location("exercise2_optimizers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    reference = load_reference()
    print(f"final airfoil loss of the reference, seeds 0..{args.seeds - 1} (minibatch 10, 2 epochs)")
    for name, hyper in SETTINGS.items():
        finals = [probes.TRAIN_PROBES[name](reference, hyperparams=hyper, seed=seed)["losses"][-1]
                  for seed in range(args.seeds)]
        print(f"  {name:13s} {hyper!s:32s} min {min(finals):.4f}  median {statistics.median(finals):.4f}"
              f"  max {max(finals):.4f}")
    for name, (hyper, epochs) in CONCISE.items():
        finals = [probes.concise(reference, optimizer=name, hyperparams=hyper, num_epochs=epochs,
                                 seed=seed)["losses"][-1] for seed in range(args.seeds)]
        print(f"  concise {name:5s} {str(hyper) + f', {epochs} epochs':32s} min {min(finals):.4f}  median {statistics.median(finals):.4f}"
              f"  max {max(finals):.4f}")

    print(f"noisy quadratic, eta {suite.NOISY_ETA}, {suite.NOISY_STEPS} steps, mean of f over {suite.FLOOR_RUNS} seeds")
    for schedule, band in (("constant", suite.CONSTANT_BAND), ("polynomial", suite.POLYNOMIAL_BAND)):
        final = noisy_quadratic.final_value(suite.NOISY_ETA * suite.multipliers(schedule))
        low = final.lower_tail(band[0], suite.FLOOR_RUNS)
        high = final.upper_tail(band[1], suite.FLOOR_RUNS)
        print(f"  {schedule:10s} exact mean {final.mean:.4f}, std of the mean {final.std / suite.FLOOR_RUNS ** 0.5:.4f}"
              f"; band {band}: P(below) <= {low:.1e}, P(above) <= {high:.1e}")


if __name__ == "__main__":
    main()
