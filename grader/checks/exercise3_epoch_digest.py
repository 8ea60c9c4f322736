"""Timed epochs verified on the trusted side: the work the worker says it timed was done.

The timing inputs are numbered (row ``i`` of epoch ``e`` holds ``(offset_e + i) * d + j``,
its label ``offset_e + i``) and their shapes come from the grading secret
(:mod:`grader.secret`): a ``data_iter`` cannot recognise them by their size. The probe
returns, per epoch, every batch's size and three sums over it (labels, squared labels,
features); everything they must be is computed here from the inputs alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader import secret


@dataclass(frozen=True)
class TimingInputs:
    """What one timed epoch runs on; the same for the student and the reference."""

    n: int
    d: int
    seed: int
    offsets: tuple[int, ...]

    def describe(self, batch_size: int) -> str:
        return f"n={self.n}, d={self.d}, batch_size={batch_size}"

    def probe_args(self) -> dict:
        return {"n": self.n, "d": self.d, "seed": self.seed, "offsets": list(self.offsets)}


def timing_inputs(label: str, n_low: int, n_high: int, repeats: int, step: int = 100) -> TimingInputs:
    """Shapes, seed and numbering drawn from the secret (``label`` tells the tests apart).

    ``n`` is a multiple of ``step`` (every batch size timed divides it): a short last batch is
    the epoch tests' business, and a timing verdict must not hang on which ``n`` was drawn.
    """
    n = step * secret.draw(f"{label}/n", -(-n_low // step), n_high // step)
    return TimingInputs(n=n, d=secret.draw(f"{label}/d", 3, 8),
                        seed=secret.draw(f"{label}/seed", 0, 2**31 - 1),
                        offsets=tuple(secret.draw(f"{label}/offset{k}", 0, 100_000) for k in range(repeats)))


def expected_sizes(n: int, batch_size: int) -> list[int]:
    return [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])


def epoch_problem(epoch: dict, inputs: TimingInputs, offset: int, batch_size: int) -> str:
    """'' if the epoch's batches hold every example once, rows beside their labels."""
    n, d = inputs.n, inputs.d
    try:
        sizes = np.asarray(epoch["sizes"], dtype=np.int64).reshape(-1)
        sums = [np.asarray(epoch[key], dtype=np.float64).reshape(-1) for key in ("labels", "squares", "features")]
    except (KeyError, TypeError, ValueError):
        return "the timed epochs came back malformed"
    want = expected_sizes(n, batch_size)
    if sizes.tolist() != want:
        shown = sizes.tolist()[:5]
        last = f" and a last one of {n % batch_size}" if n % batch_size else ""
        return (f"{len(sizes)} batches of sizes {shown}{' ...' if len(sizes) > 5 else ''}, where "
                f"{n // batch_size} batches of {batch_size}{last} were expected")
    labels, squares, features = sums
    if any(len(s) != len(sizes) for s in sums):
        return "the timed epochs came back malformed"
    indices = np.arange(offset, offset + n, dtype=np.float64)
    if labels.sum() != indices.sum() or squares.sum() != (indices ** 2).sum():
        return "an epoch did not hold every example exactly once"
    rows = d * d * labels + sizes * (d * (d - 1) / 2)  # a batch's features, from its labels
    if not np.array_equal(features, rows):
        return "the rows of X did not belong to the labels y beside them"
    return ""
