"""SGD on ``f(x1, x2) = x1² + 2·x2²`` with N(0, 1) gradient noise, solved exactly.

Each coordinate follows a linear recursion with Gaussian noise,
``x_{t+1} = (1 - η_t·a)·x_t - η_t·ξ_t`` with curvature ``a = 2`` (x1) or ``4`` (x2), so
after ``T`` steps it is Gaussian with mean ``x_0·Π(1 - η_t·a)`` and variance from
``v_{t+1} = (1 - η_t·a)²·v_t + η_t²``. Then ``f(x_T)`` is a weighted sum of noncentral
chi-squares whose mean, spread and tails (:mod:`grader.checks.exercise2_tail_bounds`) are known:
the convergence thresholds of exercise 2 rest on this, not on a handful of runs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grader.checks import exercise2_tail_bounds as tail_bounds

WEIGHTS = (1.0, 2.0)  # f = 1·x1² + 2·x2²
CURVATURES = (2.0, 4.0)  # the gradient is (2·x1, 4·x2)
START = (-5.0, -2.0)


@dataclass(frozen=True)
class FinalValue:
    """The distribution of ``f(x_T)`` for one learning-rate sequence."""

    means: tuple[float, float]
    variances: tuple[float, float]

    @property
    def mean(self) -> float:
        return sum(w * (m * m + v) for w, m, v in zip(WEIGHTS, self.means, self.variances))

    @property
    def std(self) -> float:
        # Var(w X²) = w²·(2v² + 4m²v) for X ~ N(m, v).
        return math.sqrt(sum(w * w * (2 * v * v + 4 * m * m * v)
                             for w, m, v in zip(WEIGHTS, self.means, self.variances)))

    def upper_tail(self, threshold: float, runs: int) -> float:
        """Bound on P(mean of f over ``runs`` seeds >= threshold)."""
        cgf = tail_bounds.weighted_squares_cgf(WEIGHTS, self.means, self.variances)
        theta_max = tail_bounds.weighted_squares_theta_max(WEIGHTS, self.variances)
        return tail_bounds.chernoff_upper(cgf, threshold, runs, theta_max)

    def lower_tail(self, threshold: float, runs: int) -> float:
        """Bound on P(mean of f over ``runs`` seeds <= threshold)."""
        cgf = tail_bounds.weighted_squares_cgf(WEIGHTS, self.means, self.variances)
        return tail_bounds.chernoff_lower(cgf, threshold, runs)


def rates(eta: float, multipliers) -> list[float]:
    return [eta * m for m in multipliers]


def final_value(step_sizes) -> FinalValue:
    """The exact distribution of ``f`` after SGD with these step sizes ``η_0 .. η_{T-1}``."""
    means, variances = [], []
    for x0, a in zip(START, CURVATURES):
        mean, variance = x0, 0.0
        for eta in step_sizes:
            factor = 1 - eta * a
            mean *= factor
            variance = factor * factor * variance + eta * eta
        means.append(mean)
        variances.append(variance)
    return FinalValue(tuple(means), tuple(variances))


def recovered_noise(paths: np.ndarray, step_sizes) -> np.ndarray:
    """``ξ_t = (x_t - x_{t+1}) / η_t - grad f(x_t)``: exactly the noise a correct run drew.

    Args:
        paths: iterates of several runs, shape ``(runs, T + 1, 2)``.
        step_sizes: ``η_0 .. η_{T-1}``.

    Returns:
        The noise, shape ``(runs, T, 2)``.
    """
    eta = np.asarray(step_sizes, dtype=np.float64)[None, :, None]
    return (paths[:, :-1] - paths[:, 1:]) / eta - paths[:, :-1] * np.array(CURVATURES)
