"""Plots for exercise 2's feedback, drawn on the trusted side from returned data."""
from __future__ import annotations

from pathlib import Path


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    _pyplot().close(fig)
    return path


def plot_loss_vs_time(curves: dict, band: tuple[float, float], path: Path) -> Path:
    """Loss against training time, one line per optimizer (d2l chapter 12's comparison figure).

    Args:
        curves: ``{label: {"times": [...], "losses": [...]}}``.
        band: the loss band every optimizer must end in, shaded.
        path: where the PNG goes.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for label, run in curves.items():
        ax.plot(run.get("times", []), run.get("losses", []), marker=".", label=label)
    ax.axhspan(band[0], band[1], color="grey", alpha=0.2, label="band")
    ax.set_xlabel("training time (s)")
    ax.set_ylabel("loss on all data")
    ax.set_ylim(band[0] - 0.02, 0.5)
    ax.legend(fontsize=7)
    ax.set_title("airfoil: your optimizers through the kit's train_ch11", fontsize=8)
    return _save(fig, path)


def plot_noise_floor(steps, measured: dict, exact: dict, path: Path) -> Path:
    """Mean of f over seeds against the step, measured (solid) and exact (dashed), log scale."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for label, values in measured.items():
        ax.semilogy(steps, values, label=f"{label} (yours)")
    for label, values in exact.items():
        ax.semilogy(steps, values, "--", label=f"{label} (exact)")
    ax.set_xlabel("step t")
    ax.set_ylabel("mean of f(x_t) over seeds")
    ax.legend(fontsize=7)
    return _save(fig, path)
