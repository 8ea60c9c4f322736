"""Plots for exercise 2's feedback, drawn on the trusted side from returned data."""
from __future__ import annotations

from pathlib import Path

from grader.checks.plotting import pyplot, save


def plot_loss_vs_time(curves: dict, band: tuple[float, float], path: Path) -> Path:
    """Loss against training time, one line per optimizer (d2l chapter 12's comparison figure).

    Args:
        curves: ``{label: {"times": [...], "losses": [...]}}``.
        band: the loss band every optimizer must end in, shaded.
        path: where the PNG goes.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for label, run in curves.items():
        ax.plot(run.get("times", []), run.get("losses", []), marker=".", label=label)
    ax.axhspan(band[0], band[1], color="grey", alpha=0.2, label="band")
    ax.set_xlabel("training time (s)")
    ax.set_ylabel("loss on all data")
    ax.set_ylim(band[0] - 0.02, 0.5)
    ax.legend(fontsize=7)
    ax.set_title("airfoil: your optimizers through the kit's train_ch11", fontsize=8)
    return save(fig, path)


def plot_noise_floor(steps, measured: dict, exact: dict, path: Path) -> Path:
    """Mean of f over seeds against the step, measured (solid) and exact (dashed), log scale."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for label, values in measured.items():
        ax.semilogy(steps, values, label=f"{label} (yours)")
    for label, values in exact.items():
        ax.semilogy(steps, values, "--", label=f"{label} (exact)")
    ax.set_xlabel("step t")
    ax.set_ylabel("mean of f(x_t) over seeds")
    ax.legend(fontsize=7)
    return save(fig, path)
