"""Exercise 3's timed epochs, verified on the trusted side from the inputs alone."""
from __future__ import annotations

import numpy as np
import pytest

from grader.checks import exercise3_epoch_digest as epoch_digest
from grader.checks.exercise3_epoch_digest import TimingInputs, epoch_problem

INPUTS = TimingInputs(n=1000, d=4, seed=1, offsets=(70,))


def _epoch(order, batch_size, inputs=INPUTS, offset=70):
    """What an honest probe returns for the numbered rows in ``order`` (one shuffled epoch)."""
    labels = offset + np.asarray(order, dtype=np.float64)
    features = labels[:, None] * inputs.d + np.arange(inputs.d)
    cuts = range(0, len(order), batch_size)
    return {"sizes": [len(labels[c:c + batch_size]) for c in cuts],
            "labels": [labels[c:c + batch_size].sum() for c in cuts],
            "squares": [(labels[c:c + batch_size] ** 2).sum() for c in cuts],
            "features": [features[c:c + batch_size].sum() for c in cuts]}


def test_an_honest_shuffled_epoch_passes():
    order = np.random.default_rng(0).permutation(INPUTS.n)
    assert epoch_problem(_epoch(order, 10), INPUTS, 70, 10) == ""


def test_one_big_batch_fails_on_its_sizes():
    problem = epoch_problem(_epoch(np.arange(INPUTS.n), INPUTS.n), INPUTS, 70, 10)
    assert problem.startswith("1 batches of sizes [1000]") and "100 batches of 10" in problem


def test_a_repeated_example_fails_even_with_the_right_sum():
    order = np.arange(INPUTS.n)
    order[1], order[3] = 2, 2  # 1 + 3 == 2 + 2: the sum holds, the squares do not
    assert epoch_problem(_epoch(order, 10), INPUTS, 70, 10) == "an epoch did not hold every example exactly once"


def test_rows_beside_other_labels_fail():
    epoch = _epoch(np.arange(INPUTS.n), 10)
    epoch["features"][0] += INPUTS.d * INPUTS.d  # batch 0 holds a row of the next example
    epoch["features"][1] -= INPUTS.d * INPUTS.d
    assert "did not belong" in epoch_problem(epoch, INPUTS, 70, 10)


def test_a_malformed_reply_is_said_so():
    assert "malformed" in epoch_problem({"sizes": [10]}, INPUTS, 70, 10)


def test_the_inputs_come_from_the_secret(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "one regrade")
    first = epoch_digest.timing_inputs("label", 16_000, 24_000, repeats=3)
    assert first == epoch_digest.timing_inputs("label", 16_000, 24_000, repeats=3)
    assert first.n % 100 == 0 and 16_000 <= first.n <= 24_000 and 3 <= first.d <= 8
    monkeypatch.setenv("GRADER_SECRET", "another regrade")
    assert epoch_digest.timing_inputs("label", 16_000, 24_000, repeats=3) != first


@pytest.mark.parametrize("batch_size", [1, 7, 100])
def test_expected_sizes(batch_size):
    sizes = epoch_digest.expected_sizes(250, batch_size)
    assert sum(sizes) == 250 and all(s == batch_size for s in sizes[:-1])
