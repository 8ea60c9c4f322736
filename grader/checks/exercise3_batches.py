"""Exercise 3's batches checked on the trusted side: epochs, draws with replacement, airfoil, timing.

The probes feed the student's iterators numbered data (row ``i`` holds ``i * D + j``, its
label ``i``), so every batch says which examples it holds and whether its rows belong to its
labels; a timed epoch is checked against its digest (:mod:`grader.checks.exercise3_epoch_digest`).
"""
from __future__ import annotations

import numpy as np

from grader.checks import exercise3_epoch_digest as epoch_digest
from grader.checks.compare import assert_close, fail
from grader.probes import exercise3 as probes

D = 3  # feature columns of the numbered test data


def expected_sizes(n: int, batch_size: int, drop_last: bool) -> list[int]:
    """The batch sizes of one epoch: full batches, then the rest unless ``drop_last``."""
    sizes = [batch_size] * (n // batch_size)
    if n % batch_size and not drop_last:
        sizes.append(n % batch_size)
    return sizes


def labels_of(epoch) -> list[np.ndarray]:
    """Each batch's labels, flattened."""
    return [np.asarray(y).reshape(-1) for _, y in epoch]


def check_epoch(epoch, n: int, batch_size: int, drop_last: bool, function: str, inputs: str) -> np.ndarray:
    """Sizes, alignment of rows and labels, and each example at most once; returns the order."""
    sizes = [len(y) for y in labels_of(epoch)]
    if sizes != expected_sizes(n, batch_size, drop_last):
        fail(function, "wrong batch sizes in one epoch", expected=expected_sizes(n, batch_size, drop_last),
             received=sizes, inputs=inputs,
             hint="full batches first; the last one is shorter unless drop_last drops it")
    for index, (X, y) in enumerate(epoch):
        X = np.asarray(X).reshape(len(np.asarray(y).reshape(-1)), -1)
        rows = np.asarray(y).reshape(-1)[:, None] * D + np.arange(D)
        if X.shape != rows.shape or not np.array_equal(X, rows):
            fail(function, f"batch {index}: rows of X do not belong to the labels y beside them",
                 inputs=inputs, hint="index features and labels with the same indices")
    order = np.concatenate(labels_of(epoch)) if epoch else np.array([])
    return order


def covered_once(order: np.ndarray, n: int, drop_last: bool, batch_size: int) -> str:
    """'' if the order visits distinct examples and (without drop_last) all of them."""
    values, counts = np.unique(order, return_counts=True)
    if (counts > 1).any():
        return f"example {int(values[counts > 1][0])} appears {int(counts.max())} times in one epoch"
    if not drop_last and len(values) != n:
        missing = sorted(set(range(n)) - set(values.astype(int).tolist()))[:5]
        return f"examples {missing} never appear in the epoch"
    if drop_last and len(values) != n - n % batch_size:
        return "the epoch does not hold n - n % batch_size distinct examples"
    return ""


def check_with_replacement(batches, n: int, batch_size: int, num_batches: int) -> None:
    """``num_batches`` aligned batches of ``batch_size``, drawn uniformly with replacement.

    The statistical checks' false-failure rates hold for the suite's n=100, batch_size=20,
    num_batches=200 (4000 draws).
    """
    inputs = f"n={n}, batch_size={batch_size}, num_batches={num_batches}"
    if len(batches) != num_batches:
        fail("data_iter_with_replacement", "wrong number of batches", expected=num_batches,
             received=len(batches), inputs=inputs)
    for index, (X, y) in enumerate(batches):
        y = np.asarray(y).reshape(-1)
        if len(y) != batch_size:
            fail("data_iter_with_replacement", f"batch {index} has the wrong size", expected=batch_size,
                 received=len(y), inputs=inputs)
        if not np.array_equal(np.asarray(X).reshape(batch_size, -1), y[:, None] * D + np.arange(D)):
            fail("data_iter_with_replacement", "rows of X do not belong to their labels", inputs=inputs)
    draws = np.concatenate(labels_of(batches)).astype(int)
    # Without replacement, no batch of 20 from 100 repeats an index; with it, P(no batch does) ~ 1e-35.
    if all(len(set(y.tolist())) == batch_size for y in labels_of(batches)):
        fail("data_iter_with_replacement", "no batch ever repeats an example: that is sampling without "
             "replacement", inputs=inputs, hint="use torch.randint(0, n, (batch_size,))")
    counts = np.bincount(draws, minlength=n)
    if (counts == 0).any():  # P(some index never drawn in 4000 draws) ~ 4e-16
        fail("data_iter_with_replacement", f"index {int(np.argmin(counts))} was never drawn in "
             f"{len(draws)} draws", inputs=inputs, hint="draw from 0 .. n-1 inclusive")
    expected = len(draws) / n
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    if chi2 > 211:  # df = 99 (n = 100): P(chi2 > 211) ~ 5e-10 for a uniform sampler
        fail("data_iter_with_replacement", f"the draws are far from uniform (chi-square {chi2:.0f}, "
             "df 99)", inputs=inputs)


def check_airfoil_epoch(batches, n: int, inputs: str) -> None:
    """One epoch of get_data_ch11's loader: airfoil's first n rows, standardized over all 1503, in any order."""
    from grader.data import load_airfoil
    data = load_airfoil().astype(np.float64)
    expected = ((data - data.mean(axis=0)) / data.std(axis=0))[:n]
    rows = np.concatenate([np.column_stack([np.asarray(X).reshape(len(X), -1), np.asarray(y).reshape(-1)])
                           for X, y in batches])
    if rows.shape != expected.shape:
        fail("get_data_ch11", "one epoch should hold the first n rows", expected=expected.shape,
             received=rows.shape, inputs=inputs)
    order = np.lexsort(rows.T[::-1])
    assert_close(rows[order], expected[np.lexsort(expected.T[::-1])], "get_data_ch11",
                 "the standardized rows (sorted)", inputs=inputs, rtol=1e-4, atol=1e-4,
                 hint="standardize all 1503 rows first, then keep the first n; the label is the last column")


def epoch_timer(worker, batch_size: int, inputs: epoch_digest.TimingInputs):
    """A function that times the worker's epochs on ``inputs`` and checks each one; returns s per epoch."""
    def run():
        epochs, seconds = worker.timed_call(probes.iterate_epochs, batch_size=batch_size, **inputs.probe_args())
        if not isinstance(epochs, list) or len(epochs) != len(inputs.offsets):
            fail("data_iter", "the timed epochs came back malformed", inputs=inputs.describe(batch_size))
        for epoch, offset in zip(epochs, inputs.offsets):
            problem = epoch_digest.epoch_problem(epoch, inputs, offset, batch_size)
            if problem:
                fail("data_iter", f"the timed epochs were not a valid epoch: {problem}",
                     inputs=inputs.describe(batch_size), hint="the same batches as on any other input")
        return seconds / len(inputs.offsets)
    return run
