"""Grading suite for exercise 3: data iterators and minibatch SGD.

Student code runs only in the ``student`` worker; every verdict is computed on the trusted
side, here and in grader/checks/exercise3_batches.py (what a correct batch or epoch is).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checks import convergence, exercise3_epoch_digest as epoch_digest, timing
from grader.checks.compare import assert_close, assert_curve_ends_alike, fail
from grader.checks.exercise3_dependencies import DEPENDENCIES  # noqa: F401 (grader.dependencies reads it)
from grader.checks.exercise3_batches import (D, check_airfoil_epoch, check_epoch, check_with_replacement,
                                             covered_once, epoch_timer, expected_sizes, labels_of)
from grader.devices import device_name
from grader.probes import exercise3 as probes, generic

EXERCISE = "exercise3"


# -- standardize ----------------------------------------------------------------------
matrices = st.integers(2, 40).flatmap(lambda n: st.integers(1, 6).flatmap(
    lambda d: st.lists(st.lists(st.floats(-1e3, 1e3, allow_nan=False, width=32), min_size=d, max_size=d),
                       min_size=n, max_size=n))).filter(
    lambda rows: (np.asarray(rows).std(axis=0) > 1e-3 * (1 + np.abs(np.asarray(rows)).max())).all())


@pytest.mark.points(2)
@given(rows=matrices)
def test_standardize_zero_mean_unit_variance(student, rows):
    """standardize gives every column zero mean and unit (population) variance"""
    data = np.asarray(rows, dtype=np.float64)
    out = student.call(generic.returns, function="standardize", args=[data], tensors=True)["value"]
    inputs = f"data of shape {data.shape}"
    expected = (data - data.mean(axis=0)) / data.std(axis=0)
    assert_close(out, expected, "standardize", "the standardized data", inputs=inputs, rtol=1e-4, atol=1e-4,
                 hint="subtract the column mean and divide by the population std (correction=0)")


@pytest.mark.points(1)
def test_standardize_accepts_numpy(student):
    """standardize accepts a numpy array and returns a torch tensor"""
    out = student.call(generic.returns, function="standardize", args=[np.array([[1.0, 2.0], [3.0, 6.0]])])
    if out["type"] != "Tensor":
        fail("standardize", "should return a torch.Tensor", expected="Tensor", received=out["type"])
    assert_close(out["value"], [[-1.0, -1.0], [1.0, 1.0]], "standardize", "the result",
                 inputs="np.array([[1, 2], [3, 6]])")


# -- data_iter ------------------------------------------------------------------------
iter_cases = st.tuples(st.integers(1, 60), st.integers(1, 80), st.booleans(), st.booleans())


@pytest.mark.points(3)
@given(case=iter_cases)
def test_data_iter_covers_every_example_once(student, case):
    """data_iter yields each example exactly once per epoch, rows aligned with labels"""
    n, batch_size, shuffle, drop_last = case
    inputs = f"n={n}, batch_size={batch_size}, shuffle={shuffle}, drop_last={drop_last}"
    (epoch,) = student.call(probes.epochs, n=n, d=D, batch_size=batch_size, shuffle=shuffle,
                            drop_last=drop_last, seed=1)
    order = check_epoch(epoch, n, batch_size, drop_last, "data_iter", inputs)
    problem = covered_once(order, n, drop_last, batch_size)
    if problem:
        fail("data_iter", problem, inputs=inputs, hint="index with one permutation of range(n) per epoch")


@pytest.mark.points(1)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 50))
def test_data_iter_without_shuffle_keeps_order(student, n, batch_size):
    """data_iter with shuffle=False yields the examples in their original order"""
    (epoch,) = student.call(probes.epochs, n=n, d=D, batch_size=batch_size, shuffle=False)
    order = check_epoch(epoch, n, batch_size, False, "data_iter", f"n={n}, batch_size={batch_size}")
    assert_close(order, np.arange(n), "data_iter", "the order of examples with shuffle=False",
                 inputs=f"n={n}, batch_size={batch_size}")


@pytest.mark.points(2)
def test_data_iter_shuffles_each_epoch_anew(student):
    """data_iter shuffles, and draws a different order every epoch"""
    n, batch_size = 50, 7
    inputs = f"n={n}, batch_size={batch_size}, 3 epochs"
    for seed in (None, 3):
        epochs = student.call(probes.epochs, n=n, d=D, batch_size=batch_size, num_epochs=3, seed=seed)
        orders = [check_epoch(e, n, batch_size, False, "data_iter", inputs) for e in epochs]
        # A true shuffle matches any fixed order with probability 1/50! (about 3e-65).
        if any(np.array_equal(order, np.arange(n)) for order in orders):
            fail("data_iter", "an epoch came out in the original order: nothing was shuffled", inputs=inputs)
        if np.array_equal(orders[0], orders[1]) or np.array_equal(orders[1], orders[2]):
            fail("data_iter", "two epochs came out in the same order", inputs=inputs,
                 hint="draw a new permutation every time data_iter is called")
        # Shuffling only the order of fixed batches leaves each first batch a block of 7
        # consecutive examples; a real shuffle does that with probability about 1e-7.
        blocks = [set(range(s, s + batch_size)) for s in range(0, n, batch_size)]
        if all(set(order[:batch_size].astype(int).tolist()) in blocks for order in orders):
            fail("data_iter", "batches hold runs of consecutive examples: only the batch order is shuffled",
                 inputs=inputs, hint="permute the examples, not the batches")


@pytest.mark.points(1)
def test_data_iter_reproducible_with_generator(student):
    """data_iter gives the same order twice with equally seeded generators"""
    first = student.call(probes.epochs, n=28, d=D, batch_size=4, seed=7)
    second = student.call(probes.epochs, n=28, d=D, batch_size=4, seed=7)
    orders = [np.concatenate(labels_of(run[0])) for run in (first, second)]
    # The basic job first (every example once): a constant batch is "reproducible" and worth nothing.
    problem = covered_once(orders[0], 28, False, 4)
    if problem:
        fail("data_iter", problem, inputs="n=28, batch_size=4, a seeded generator")
    if not np.array_equal(*orders):
        fail("data_iter", "two runs with torch.Generator().manual_seed(7) gave different orders",
             hint="pass generator= to torch.randperm")


@pytest.mark.points(1)
def test_data_iter_accepts_numpy(student):
    """data_iter accepts numpy arrays"""
    (epoch,) = student.call(probes.epochs, n=12, d=D, batch_size=5, as_numpy=True, seed=0)
    problem = covered_once(check_epoch(epoch, 12, 5, False, "data_iter", "numpy input"), 12, False, 5)
    if problem:
        fail("data_iter", problem, inputs="numpy arrays, n=12, batch_size=5")


@pytest.mark.points(1)
@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_data_iter_rejects_bad_batch_size(student, batch_size):
    """data_iter raises ValueError for a batch size that is not a positive integer"""
    raised = student.call(probes.bad_batch_size, batch_size=batch_size)
    if raised != "ValueError":
        fail("data_iter", f"batch_size={batch_size!r} should raise ValueError", expected="ValueError",
             received=raised)


# -- sampling with replacement ----------------------------------------------------------
@pytest.mark.points(2)
def test_with_replacement_statistics(student):
    """data_iter_with_replacement draws every index uniformly and independently"""
    n, batch_size, num_batches = 100, 20, 200
    batches = student.call(probes.with_replacement, n=n, d=D, batch_size=batch_size,
                           num_batches=num_batches, seed=5)
    check_with_replacement(batches, n, batch_size, num_batches)


# -- load_array -----------------------------------------------------------------------
@pytest.mark.points(2)
@given(n=st.integers(1, 50), batch_size=st.integers(1, 60), drop_last=st.booleans(), is_train=st.booleans())
def test_load_array_len_and_epochs(student, n, batch_size, drop_last, is_train):
    """load_array has len() = batches per epoch and can be iterated again and again"""
    inputs = f"n={n}, batch_size={batch_size}, is_train={is_train}, drop_last={drop_last}"
    out = student.call(probes.loader, n=n, d=D, batch_size=batch_size, is_train=is_train,
                       drop_last=drop_last, seed=11)
    expected_len = len(expected_sizes(n, batch_size, drop_last))
    if out["len"] != expected_len:
        fail("load_array", "len(loader) is wrong", expected=expected_len, received=out["len"], inputs=inputs)
    for epoch in out["epochs"]:
        order = check_epoch(epoch, n, batch_size, drop_last, "load_array", inputs)
        problem = covered_once(order, n, drop_last, batch_size)
        if problem:
            fail("load_array", problem + " (second epoch)" if epoch is out["epochs"][1] else problem,
                 inputs=inputs, hint="each iter(loader) must be a whole new epoch")
        if not is_train and not np.array_equal(order, np.arange(len(order))):
            fail("load_array", "is_train=False must keep the original order", inputs=inputs)


@pytest.mark.points(1)
def test_load_array_shuffles_when_training(student):
    """load_array shuffles when is_train, with a new order each epoch"""
    out = student.call(probes.loader, n=40, d=D, batch_size=6, is_train=True, num_epochs=3)
    orders = [np.concatenate(labels_of(e)) for e in out["epochs"]]
    if any(np.array_equal(o, np.arange(40)) for o in orders) or np.array_equal(orders[0], orders[1]):
        fail("load_array", "is_train=True must shuffle, differently each epoch", inputs="n=40, batch_size=6")


# -- airfoil --------------------------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.parametrize("batch_size,n", [(10, 1500), (100, 1000)])
def test_get_data_ch11(student, batch_size, n):
    """get_data_ch11 loads airfoil standardized, first n rows, feature_dim 5"""
    inputs = f"batch_size={batch_size}, n={n}"
    out = student.call(probes.airfoil, batch_size=batch_size, n=n)
    if out["feature_dim"] != 5:
        fail("get_data_ch11", "feature_dim should be 5", expected=5, received=out["feature_dim"], inputs=inputs)
    if out["len"] != math.ceil(n / batch_size):
        fail("get_data_ch11", "len(loader) is wrong", expected=math.ceil(n / batch_size), received=out["len"],
             inputs=inputs)
    check_airfoil_epoch(out["batches"], n, inputs)


# -- sgd and train_ch11 ---------------------------------------------------------------------
small_vectors = st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=5)


@pytest.mark.points(2)
@given(w=small_vectors, lr=st.floats(1e-3, 2.0), data=st.data())
def test_sgd_step(student, w, lr, data):
    """sgd updates parameters in place by lr * grad and zeroes the gradients"""
    g = data.draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=len(w), max_size=len(w)))
    b, gb = [0.5], [data.draw(st.floats(-10, 10, allow_nan=False))]
    out = student.call(probes.sgd_step, params=[w, b], grads=[g, gb], lr=lr)
    inputs = f"w={w}, grad={g}, lr={lr}"
    assert_close(out["params"][0], np.array(w) - lr * np.array(g), "sgd", "the updated w", inputs=inputs)
    assert_close(out["params"][1], np.array(b) - lr * np.array(gb), "sgd", "the updated b", inputs=inputs)
    for grad in out["grads"]:
        if grad is None or np.any(np.asarray(grad) != 0):
            fail("sgd", "gradients must be zeroed after the step", expected="zeros", received=grad,
                 inputs=inputs, hint="p.grad.zero_() after updating p")


@pytest.mark.points(2)
@pytest.mark.parametrize("batch_size,num_epochs", [(10, 1), (100, 2)])
def test_train_ch11_records_every_200_examples(student, batch_size, num_epochs):
    """train_ch11 records the full-data loss every 200 examples, with cumulative times"""
    inputs = f"batch_size={batch_size}, num_epochs={num_epochs}, lr=0.05"
    out = student.call(probes.train, lr=0.05, batch_size=batch_size, num_epochs=num_epochs, seed=0,
                       student_sgd=False)
    expected = sum(1 for seen in range(batch_size, 1500 * num_epochs + 1, batch_size) if seen % 200 == 0)
    for key in ("losses", "times"):
        if len(out[key]) != expected:
            fail("train_ch11", f"wrong number of recorded {key}", expected=expected, received=len(out[key]),
                 inputs=inputs, hint="record when the count of examples seen is a multiple of 200")
    times = np.asarray(out["times"])
    if (times <= 0).any() or (np.diff(times) < 0).any():
        fail("train_ch11", "times must be positive and cumulative (non-decreasing)", received=times[:6],
             inputs=inputs)
    losses = np.asarray(out["losses"])
    if not np.isfinite(losses).all() or losses[-1] > 1.0:
        fail("train_ch11", "the loss should fall well below 1 on standardized airfoil", received=losses[-3:],
             inputs=inputs, hint="loss = squared_loss(net(X), y).mean(); backward(); trainer_fn(...)")


def _reference_run(request, params: dict) -> dict | None:
    """The reference's run with the same settings, for the plot only, where the reference is present."""
    try:
        reference = request.getfixturevalue("reference")
        return reference.call(probes.train, seed=0, timeout=100, **params)
    except (pytest.skip.Exception, AssertionError):  # absent (a student's copy), or it failed: band alone
        return None


# d2l §12.5's settings and where the reference ends (5 seeds; see bench/exercise3_bands.py).
CONVERGENCE = {
    "gd": dict(lr=1.0, batch_size=1500, num_epochs=10),
    "sgd": dict(lr=0.005, batch_size=1, num_epochs=2),
    "minibatch100": dict(lr=0.4, batch_size=100, num_epochs=2),
    "minibatch10": dict(lr=0.05, batch_size=10, num_epochs=2),
}


@pytest.mark.points(1.5)
@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("setting", list(CONVERGENCE))
def test_training_converges_on_airfoil(student, record, feedback_dir, setting, request):
    """Training with your sgd on airfoil reaches d2l's loss"""
    params = CONVERGENCE[setting]
    out = student.call(probes.train, seed=0, timeout=100, **params)
    band = convergence.AIRFOIL_BANDS[setting]
    inputs = ", ".join(f"{k}={v}" for k, v in params.items())
    for plot in convergence.airfoil_plots(student, setting, out, f"{setting} ({inputs})", feedback_dir,
                                          band=band, reference=_reference_run(request, params)):
        record.artifact(plot)
    final = out["losses"][-1] if out["losses"] else float("nan")
    record.note(f"final loss {final:.4f} (band {band[0]:.3f}..{band[1]:.3f})")
    if not band[0] <= final <= band[1]:
        fail("sgd / train_ch11", "the final loss is outside d2l's band", expected=f"{band[0]:.3f}..{band[1]:.3f}",
             received=f"{final:.4f}", inputs=inputs)


# -- gradient accumulation and variance -------------------------------------------------------
@pytest.mark.points(3)
@given(sizes=st.lists(st.integers(1, 9), min_size=1, max_size=5), seed=st.integers(0, 2**16),
       stale=st.sampled_from([0.0, 3.0]))
def test_accumulated_gradient_equals_big_batch(student, sizes, seed, stale):
    """accumulate_gradients gives exactly the big batch's gradient, however the batch is split"""
    rng = np.random.default_rng(seed)
    n, d = sum(sizes), 3
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    w, b = rng.normal(size=d), float(rng.normal())
    residual = X @ w + b - y
    expected_w, expected_b = 2 * X.T @ residual / n, 2 * residual.mean()
    grads = student.call(probes.accumulate, w=w, b=b, X=X, y=y, sizes=sizes, stale_grad=stale)
    inputs = f"micro-batch sizes {sizes}" + (f", p.grad held {stale} before" if stale else "")
    hint = "weight each micro-batch's mean loss by its share len(X)/N, and start from zero gradients"
    if grads[0] is None or grads[1] is None:
        fail("accumulate_gradients", "p.grad is None afterwards", inputs=inputs, hint=hint)
    assert_close(grads[0], expected_w, "accumulate_gradients", "grad of w", inputs=inputs, hint=hint,
                 rtol=1e-9, atol=1e-11)
    assert_close(grads[1], expected_b, "accumulate_gradients", "grad of b", inputs=inputs, hint=hint,
                 rtol=1e-9, atol=1e-11)


@pytest.mark.points(3)
def test_gradient_variance_falls_as_one_over_b(student, record, feedback_dir):
    """gradient_variance falls as 1/B (log-log slope near -1)"""
    batch_sizes = [1, 2, 4, 8, 16, 32, 64]
    out = student.call(probes.variance, n=2000, d=4, batch_sizes=batch_sizes, num_trials=200, seed=0)
    values = [out["values"].get(str(b)) for b in batch_sizes]
    if any(v is None or not np.isfinite(v) or v <= 0 for v in values):
        fail("gradient_variance", "needs a positive value for every batch size",
             expected=f"keys {batch_sizes}", received=out["values"])
    slope = float(np.polyfit(np.log(batch_sizes), np.log(values), 1)[0])
    record.artifact(convergence.plot_loglog(batch_sizes, values, slope, feedback_dir / "exercise3_variance.png"))
    record.note(f"log-log slope {slope:.3f}")
    # With 200 trials per size the reference's slope stays within 0.03 of -1 (bench); 0.15 is wide.
    if abs(slope + 1) > 0.15:
        fail("gradient_variance", "the variance should fall as 1/B", expected="slope -1 +- 0.15",
             received=f"slope {slope:.3f}", hint="mean over trials of the squared distance ||g_B - g||^2")
    if not out["grads_untouched"]:
        fail("gradient_variance", "the parameters' .grad were changed", hint="use torch.autograd.grad")


# -- timing -----------------------------------------------------------------------------------
# Shapes, seeds and numbering from the grading secret: a data_iter cannot recognise the timing inputs,
# and every batch it yields is checked (epoch_timer). Epochs per timed block: 25-60 ms of the reference's
# work (an epoch of batch 10 costs ten of batch 100); 10 ms blocks were too sensitive to load.
EPOCHS_PER_BLOCK = {10: 1, 100: 4}


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("batch_size", [10, 100])
def test_data_iter_speed_close_to_reference(student, reference, record, batch_size):
    """data_iter is vectorized: at most 4x the reference's time per epoch"""
    inputs = epoch_digest.timing_inputs(f"exercise3/speed/{batch_size}", 40_000, 60_000, EPOCHS_PER_BLOCK[batch_size])
    ok, comparison = timing.within_ratio(epoch_timer(student, batch_size, inputs),
                                         epoch_timer(reference, batch_size, inputs), max_ratio=4.0)
    record.note(comparison.describe(device_name()))
    if not ok:
        fail("data_iter", f"one epoch takes {comparison.ratio:.1f}x the reference's time",
             expected="at most 4x", received=comparison.describe(device_name()), inputs=inputs.describe(batch_size),
             hint="index with slices of one permutation: no Python loop over examples, no full copy per batch")


@pytest.mark.points(1)
@pytest.mark.timeout_s(120)
def test_big_batches_take_less_time_per_epoch(student, record):
    """An epoch of batch 100 takes less time than an epoch of batch 1"""
    inputs = epoch_digest.timing_inputs("exercise3/batches", 4_000, 6_000, repeats=1)
    small = timing.median_time(epoch_timer(student, 1, inputs), blocks=3)
    large = timing.median_time(epoch_timer(student, 100, inputs), blocks=3)
    record.note(f"batch 1: {small * 1e3:.1f} ms/epoch, batch 100: {large * 1e3:.1f} ms/epoch")
    if not large < small:
        fail("data_iter", "an epoch of batch 100 should be faster than an epoch of batch 1",
             received=f"{large * 1e3:.1f} ms vs {small * 1e3:.1f} ms", inputs=f"n={inputs.n}, d={inputs.d}")


# -- hidden: agreement with the reference ------------------------------------------------------
@pytest.mark.points(1)
@pytest.mark.hidden
@settings(max_examples=25)
@given(rows=matrices)
def test_standardize_matches_reference(student, reference, rows):
    """standardize agrees with the reference"""
    data = np.asarray(rows, dtype=np.float64)
    out = student.call(generic.returns, function="standardize", args=[data], tensors=True)["value"]
    expected = reference.call(generic.returns, function="standardize", args=[data], tensors=True)["value"]
    assert_close(out, expected, "standardize", "the result", inputs=f"shape {data.shape}", rtol=1e-5, atol=1e-6)


@pytest.mark.points(1)
@pytest.mark.hidden
@settings(max_examples=25)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 50), drop_last=st.booleans())
def test_unshuffled_batches_match_reference(student, reference, n, batch_size, drop_last):
    """data_iter without shuffling yields the reference's batches"""
    kwargs = dict(n=n, d=D, batch_size=batch_size, shuffle=False, drop_last=drop_last)
    received = student.call(probes.epochs, **kwargs)[0]
    expected = reference.call(probes.epochs, **kwargs)[0]
    inputs = f"n={n}, batch_size={batch_size}, drop_last={drop_last}"
    if [len(y) for y in labels_of(received)] != [len(y) for y in labels_of(expected)]:
        fail("data_iter", "batch sizes differ from the reference's", expected=[len(y) for y in labels_of(expected)],
             received=[len(y) for y in labels_of(received)], inputs=inputs)


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.timeout_s(120)
def test_training_curve_matches_reference(student, reference):
    """The minibatch-10 loss curve ends where the reference's does"""
    kwargs = dict(lr=0.05, batch_size=10, num_epochs=2, seed=1)
    received = student.call(probes.train, **kwargs)
    expected = reference.call(probes.train, **kwargs)
    assert_curve_ends_alike(received, expected, "train_ch11", inputs="lr=0.05, batch_size=10, 2 epochs")


@pytest.mark.points(1)
@pytest.mark.hidden
def test_gradient_variance_matches_reference(student, reference):
    """gradient_variance agrees with the reference for the same seed"""
    kwargs = dict(n=500, d=3, batch_sizes=[1, 5, 25], num_trials=50, seed=4)
    received = student.call(probes.variance, **kwargs)["values"]
    expected = reference.call(probes.variance, **kwargs)["values"]
    keys = sorted(expected, key=int)
    assert_close([received.get(k, np.nan) for k in keys], [expected[k] for k in keys], "gradient_variance",
                 "the values", inputs=str(kwargs), rtol=1e-6)
