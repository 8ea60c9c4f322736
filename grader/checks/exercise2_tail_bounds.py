"""Rigorous upper bounds on how often a statistical check fails correct code.

A statistical check compares the mean of ``n`` independent draws with a threshold. For a
correct submission the draws' distribution is known, so the chance that the mean lands
beyond the threshold by bad luck (the false-failure rate) can be bounded, not guessed.
Chernoff's bound does it for any distribution whose cumulant generating function
``Λ(θ) = log E[exp(θX)]`` is known:

    P(mean >= u) <= exp(-n · sup_{θ>0} (θu - Λ(θ))),   P(mean <= l) <= exp(-n · sup_{θ<0} (θl - Λ(θ))).

Suites state these numbers in comments; the kit's tests recompute them, so a threshold
edited without its bound shows up.
"""
from __future__ import annotations

import math
from typing import Callable

_GOLDEN = (math.sqrt(5) - 1) / 2


def _maximize(function: Callable[[float], float], low: float, high: float, iterations: int = 200) -> float:
    """The maximum of a concave function on ``[low, high]`` (golden-section search)."""
    a, b = low, high
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = function(c), function(d)
    for _ in range(iterations):
        if fc < fd:
            a, c, fc = c, d, fd
            d = a + _GOLDEN * (b - a)
            fd = function(d)
        else:
            b, d, fd = d, c, fc
            c = b - _GOLDEN * (b - a)
            fc = function(c)
    return max(fc, fd, 0.0)


def chernoff_upper(cgf: Callable[[float], float], threshold: float, n: int, theta_max: float) -> float:
    """Bound on ``P(mean of n draws >= threshold)``; ``cgf`` finite on ``(0, theta_max)``."""
    rate = _maximize(lambda theta: theta * threshold - cgf(theta), 0.0, theta_max * (1 - 1e-9))
    return math.exp(-n * rate)


def chernoff_lower(cgf: Callable[[float], float], threshold: float, n: int, theta_min: float = -1e4) -> float:
    """Bound on ``P(mean of n draws <= threshold)``; ``cgf`` finite on ``(theta_min, 0)``."""
    rate = _maximize(lambda theta: theta * threshold - cgf(theta), theta_min, 0.0)
    return math.exp(-n * rate)


def normal_two_sided(threshold: float, n: int) -> float:
    """Exact ``P(|mean of n standard normals| >= threshold)``."""
    return math.erfc(threshold * math.sqrt(n / 2))


def squares_cgf(theta: float) -> float:
    """Λ of Z² for a standard normal Z (chi-square, one degree of freedom); θ < 1/2."""
    return -0.5 * math.log(1 - 2 * theta)


def products_cgf(theta: float) -> float:
    """Λ of Z1·Z2 for independent standard normals; |θ| < 1."""
    return -0.5 * math.log(1 - theta * theta)


def weighted_squares_cgf(weights, means, variances) -> Callable[[float], float]:
    """Λ of ``Σ w_i X_i²`` with independent ``X_i ~ N(m_i, v_i)`` (noncentral chi-squares).

    ``E exp(θ w X²) = (1 - 2θwv)^(-1/2) · exp(θ w m² / (1 - 2θwv))`` for ``2θwv < 1``.
    """
    terms = list(zip(weights, means, variances))

    def cgf(theta: float) -> float:
        total = 0.0
        for w, m, v in terms:
            shrink = 1 - 2 * theta * w * v
            if shrink <= 0:
                return math.inf
            total += -0.5 * math.log(shrink) + theta * w * m * m / shrink
        return total
    return cgf


def weighted_squares_theta_max(weights, variances) -> float:
    """Where :func:`weighted_squares_cgf` stops being finite."""
    return min(1 / (2 * w * v) for w, v in zip(weights, variances) if w * v > 0)
