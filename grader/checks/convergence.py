"""Convergence bands and the plots that go with them.

A band is where a correct solution ends, derived from the reference over several seeds
(``bench/exercise3_bands.py`` prints the figures) and widened by a stated margin, so a
correct but differently-ordered implementation passes and a wrong one does not.
"""
from __future__ import annotations

from pathlib import Path

from grader.checks.plotting import pyplot, save

# Final full-data loss on standardized airfoil with d2l §12.5's settings. The reference ends
# at 0.243..0.249 over seeds 0-4 (d2l prints 0.243..0.249); the band is that range +-0.01.
AIRFOIL_BANDS = {
    "gd": (0.233, 0.258),
    "sgd": (0.233, 0.258),
    "minibatch100": (0.233, 0.258),
    "minibatch10": (0.233, 0.258),
}


def plot_curve(run: dict, title: str, path: Path) -> Path:
    """Loss against training time, as in d2l's figures."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.plot(run.get("times", []), run.get("losses", []), marker=".")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("loss")
    ax.set_title(title, fontsize=8)
    return save(fig, path)


def plot_loglog(batch_sizes, values, slope: float, path: Path) -> Path:
    """Minibatch-gradient variance against batch size, with the 1/B line."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.loglog(batch_sizes, values, "o-", label=f"yours (slope {slope:.2f})")
    ax.loglog(batch_sizes, [values[0] / b for b in batch_sizes], "--", label="1/B")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("E||g_B - g||²")
    ax.legend()
    return save(fig, path)
