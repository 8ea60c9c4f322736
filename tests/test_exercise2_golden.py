"""Exercise 2's statistical thresholds checked (its golden bank is graded in tests/test_golden_bank.py).

grader/checks/exercise2_noisy_sgd.py states the false-failure rate of every statistical
threshold in a comment; the tests below recompute those figures from the exact distributions,
so a threshold edited without its bound, or a bound computed wrongly, fails here.
"""
from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
import torch

from grader.checks import exercise2_noisy_sgd as bounds
from grader.checks import exercise2_noisy_quadratic as noisy_quadratic, exercise2_tail_bounds as tail_bounds
from tests.golden.exercise2.buggy import MODULE


# -- the statistical thresholds ---------------------------------------------------------------------------
def _steps(schedule: str):
    return bounds.NOISY_ETA * bounds.multipliers(schedule)


def test_noise_floor_bands_fail_correct_code_rarely():
    """The figures in exercise2_noisy_sgd's comment: each side of each band under 4e-7, all under 1.1e-6."""
    total = 0.0
    for schedule, band in (("constant", bounds.CONSTANT_BAND), ("polynomial", bounds.POLYNOMIAL_BAND)):
        final = noisy_quadratic.final_value(_steps(schedule))
        low, high = final.lower_tail(band[0], bounds.FLOOR_RUNS), final.upper_tail(band[1], bounds.FLOOR_RUNS)
        assert low < 4e-7 and high < 4e-7, (schedule, low, high)
        total += low + high
    assert total < 1.1e-6


def test_bands_separate_the_schedules():
    """Polynomial decay's band lies wholly below the constant rate's noise floor band."""
    assert bounds.POLYNOMIAL_BAND[1] < bounds.CONSTANT_BAND[0]
    constant = noisy_quadratic.final_value(_steps("constant"))
    assert constant.mean == pytest.approx(0.0590, abs=1e-4)
    assert noisy_quadratic.final_value(_steps("polynomial")).mean == pytest.approx(0.0229, abs=1e-4)


def test_noise_checks_fail_correct_code_rarely():
    """The recovered-noise thresholds: all together under 3e-6."""
    n = len(bounds.NOISE_SEEDS) * bounds.NOISY_STEPS
    mean = tail_bounds.normal_two_sided(bounds.NOISE_MEAN_LIMIT, 2 * n)
    high = tail_bounds.chernoff_upper(tail_bounds.squares_cgf, bounds.NOISE_SQUARES[1], n, 0.5)
    low = tail_bounds.chernoff_lower(tail_bounds.squares_cgf, bounds.NOISE_SQUARES[0], n)
    products = 2 * tail_bounds.chernoff_upper(tail_bounds.products_cgf, bounds.NOISE_PRODUCT_LIMIT, n, 1.0)
    assert mean < 4e-10 and high < 1.5e-6 and low < 7e-9 and products < 6.1e-9
    assert mean + 2 * (high + low) + 2 * products < 3e-6


def test_chernoff_bound_is_an_upper_bound():
    """The bound sits above the exact normal tail it can be checked against."""
    for threshold, n in ((0.1, 100), (0.3, 50)):
        exact = tail_bounds.normal_two_sided(threshold, n) / 2
        bound = tail_bounds.chernoff_upper(lambda theta: theta * theta / 2, threshold, n, 50.0)
        assert exact <= bound <= 1
        assert bound == pytest.approx(math.exp(-n * threshold ** 2 / 2), rel=1e-6)


def test_exact_distribution_matches_simulation(kit_root):
    """The exact mean and spread of f(x_50) agree with the reference's own noisy runs."""
    spec = importlib.util.spec_from_file_location(MODULE, kit_root / "solutions" / f"{MODULE}.py")
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    runs = 400
    for schedule in ("constant", "polynomial"):
        rule = lambda t, s=schedule: bounds.multipliers(s, t + 1)[t]  # noqa: E731
        finals = np.array([reference.noisy_sgd_2d(bounds.NOISY_ETA, rule, bounds.NOISY_STEPS,
                                                  torch.Generator().manual_seed(seed))[-1].numpy()
                           for seed in range(runs)])
        f = finals[:, 0] ** 2 + 2 * finals[:, 1] ** 2
        exact = noisy_quadratic.final_value(_steps(schedule))
        # 5 standard errors: a wrong formula is off by far more; chance of a false alarm ~ 1e-6.
        assert abs(f.mean() - exact.mean) < 5 * exact.std / math.sqrt(runs), (schedule, f.mean(), exact.mean)
        assert f.std() == pytest.approx(exact.std, rel=0.25)


