"""SGD on exercise 2's noisy quadratic, graded: the settings, the thresholds, the checks.

The runs are random, so the checks are bands: each is set so that a correct submission
leaves it by bad luck with a stated, tiny chance, computed from the exact distributions
(:mod:`grader.checks.exercise2_noisy_quadratic`, :mod:`grader.checks.exercise2_tail_bounds`).
tests/test_exercise2_golden.py recomputes every figure below, so a threshold edited without
its bound fails there; bench/exercise2_bands.py prints them.
"""
from __future__ import annotations

import numpy as np

from grader.checks import exercise2_noisy_quadratic as noisy_quadratic, exercise2_plots as optimizer_plots
from grader.checks.compare import as_array, fail
from grader.probes import exercise2 as probes

NOISY_ETA, NOISY_STEPS = 0.1, 50  # d2l's eta and number of steps
POLYNOMIAL = {"beta": 0.1, "alpha": 0.5}  # d2l's polynomial decay (1 + 0.1 t)^(-0.5)

# For a correct submission the recovered noise is 2000 independent N(0, 1) draws (20 seeds x
# 50 steps x 2 components). Chance that each check fails correct code, computed exactly (the
# mean) or bounded by Chernoff:
# |mean of 2000| > 0.14: 3.8e-10; mean of the 1000 squares of one component > 1.25: 1.5e-6,
# < 0.75: 6.6e-9 (twice, one per component); |mean of 1000 products ξ1·ξ2| > 0.2: 6.0e-9, the
# same for 1000 disjoint pairs ξ_t·ξ_t+1. All together: under 3.0e-6.
NOISE_SEEDS = range(20)
NOISE_MEAN_LIMIT = 0.14
NOISE_SQUARES = (0.75, 1.25)
NOISE_PRODUCT_LIMIT = 0.2

# The mean of f(x_50) over 200 seeds. Its exact distribution for a correct submission is known
# (constant rate 0.1 -> mean 0.0590, std of the mean 0.0042; polynomial decay -> mean 0.0229,
# std 0.0016). Chernoff bounds on leaving each band by bad luck: constant below 0.039: 3.1e-7,
# above 0.085: 3.0e-7; polynomial below 0.015: 1.9e-7, above 0.033: 2.3e-7. All four under
# 1.1e-6; with the noise checks above, the suite's statistical false-failure rate is under 4.1e-6.
FLOOR_RUNS = 200
CONSTANT_BAND = (0.039, 0.085)
POLYNOMIAL_BAND = (0.015, 0.033)


def multipliers(schedule: str, steps: int = NOISY_STEPS) -> np.ndarray:
    """The kit's own schedule ("constant" or d2l's "polynomial") at t = 0 .. steps - 1."""
    rule = probes.kit_schedule(schedule, POLYNOMIAL if schedule == "polynomial" else {})
    return np.array([rule(t) for t in range(steps)])


def noisy_paths(student, schedule: str, seeds, steps: int = NOISY_STEPS, kwargs=None) -> np.ndarray:
    """The student's noisy_sgd_2d paths, one per seed: shape (seeds, steps + 1, 2)."""
    paths = student.call(probes.noisy_runs, eta=NOISY_ETA, schedule=schedule, schedule_kwargs=kwargs or {},
                         steps=steps, seeds=list(seeds), timeout=60)
    return np.stack([as_array(p, "noisy_sgd_2d", "the path", shape=(steps + 1, 2)) for p in paths])


def check_standard_normal(xi: np.ndarray, inputs: str) -> None:
    """The noise recovered from the paths, (seeds, steps, 2): mean 0, variance 1, uncorrelated."""
    hint = "x <- x - eta*schedule(t)*(grad f(x) + noise), noise = torch.randn(2, ...) drawn anew every step"
    mean = float(xi.mean())
    if abs(mean) > NOISE_MEAN_LIMIT:
        fail("noisy_sgd_2d", "the recovered noise does not average to 0", expected=f"|mean| <= {NOISE_MEAN_LIMIT}",
             received=f"{mean:.4f}", inputs=inputs, hint=hint)
    for component in (0, 1):
        squares = float((xi[..., component] ** 2).mean())
        if not NOISE_SQUARES[0] <= squares <= NOISE_SQUARES[1]:
            fail("noisy_sgd_2d", f"the noise on component {component + 1} does not have variance 1",
                 expected=f"mean square in {NOISE_SQUARES}", received=f"{squares:.4f}", inputs=inputs, hint=hint)
    across = float((xi[..., 0] * xi[..., 1]).mean())
    if abs(across) > NOISE_PRODUCT_LIMIT:
        fail("noisy_sgd_2d", "the two components' noise is correlated", expected=f"|mean of ξ1·ξ2| <= "
             f"{NOISE_PRODUCT_LIMIT}", received=f"{across:.4f}", inputs=inputs,
             hint="draw one independent N(0, 1) number per component")
    pairs = xi[:, 0:NOISY_STEPS:2] * xi[:, 1:NOISY_STEPS:2]
    lagged = float(pairs.mean())
    if abs(lagged) > NOISE_PRODUCT_LIMIT:
        fail("noisy_sgd_2d", "the noise of consecutive steps is correlated", expected=f"|mean of ξ_t·ξ_t+1| <= "
             f"{NOISE_PRODUCT_LIMIT}", received=f"{lagged:.4f}", inputs=inputs, hint="draw new noise every step")


def check_noise_floor(student, record, feedback_dir, schedule: str, seeds, band, what: str, hint: str) -> None:
    """The mean of f after NOISY_STEPS steps over ``seeds`` lies in ``band``; plotted against the exact mean."""
    paths = noisy_paths(student, schedule, seeds, kwargs=POLYNOMIAL if schedule == "polynomial" else None)
    f_values = paths[..., 0] ** 2 + 2 * paths[..., 1] ** 2
    measured = f_values.mean(axis=0)
    exact = {}
    for label in ("constant", "polynomial"):
        rates = NOISY_ETA * multipliers(label)
        exact[label] = [noisy_quadratic.final_value(rates[:t]).mean for t in range(NOISY_STEPS + 1)]
    plot = optimizer_plots.plot_noise_floor(range(NOISY_STEPS + 1), {schedule: measured}, exact,
                                            feedback_dir / f"exercise2_noisy_{schedule}.png")
    record.artifact(plot)
    final = float(measured[-1])
    record.note(f"mean f after {NOISY_STEPS} steps over {FLOOR_RUNS} seeds: {final:.4f} "
                f"(exact {exact[schedule][-1]:.4f}, band {band[0]}..{band[1]})")
    if not band[0] <= final <= band[1]:
        fail("noisy_sgd_2d", what, expected=f"{band[0]}..{band[1]} (exactly {exact[schedule][-1]:.4f} on average)",
             received=f"{final:.4f}", inputs=f"eta={NOISY_ETA}, {schedule} schedule, {NOISY_STEPS} steps, "
             f"mean over {FLOOR_RUNS} seeds", hint=hint)
