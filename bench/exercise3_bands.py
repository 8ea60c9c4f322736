"""Where the reference's training on airfoil ends, over seeds: the source of the convergence bands.

Run: ``python bench/exercise3_bands.py [num_seeds]``; compare with
``grader.checks.convergence.AIRFOIL_BANDS``.
"""
from __future__ import annotations

import sys

import torch
from _common import load_reference

from grader.checks.convergence import AIRFOIL_BANDS
from grader.probes import exercise3 as probes


def main(num_seeds: int = 5) -> None:
    ref = load_reference("exercise3_data")
    from grader.suites.test_exercise3 import CONVERGENCE
    torch.set_num_threads(1)
    for name, params in CONVERGENCE.items():
        finals = [probes.train(ref, seed=seed, **params)["losses"][-1] for seed in range(num_seeds)]
        low, high = AIRFOIL_BANDS[name]
        print(f"{name:>13}: final loss {min(finals):.4f} .. {max(finals):.4f} over {num_seeds} seeds; "
              f"band {low:.3f} .. {high:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
