"""Grading suite for exercise 2: optimizers, learning-rate schedules and SGD on a noisy quadratic.

Student code runs only in the ``student`` worker; every verdict is computed on the trusted
side (here and in grader/checks/exercise2_*.py), against float64 numpy
(grader.checks.exercise2_math), torch.optim where d2l's semantics agree with it, exact
distributions (grader.checks.exercise2_noisy_quadratic) and, in hidden tests, the reference.

Where d2l and torch.optim differ, knowingly:
* Adagrad and RMSProp: d2l divides by ``sqrt(s + 1e-6)``, torch by ``sqrt(s) + eps``; the two
  agree for large gradients and part for tiny ones (test_eps_inside_the_root_unlike_torch);
* Adam: both divide by ``sqrt(ŝ) + eps`` with ``ŝ`` bias-corrected, so torch.optim.Adam with
  ``eps=1e-6`` (its default is 1e-8) takes exactly d2l's steps; d2l's ``t`` starts at 1 and
  is the caller's, torch counts steps itself;
* SGD with momentum: torch's ``dampening=0`` is d2l's ``v = momentum·v + g``.
"""
from __future__ import annotations

import weakref

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from grader.checks import exercise2_noisy_quadratic as noisy_quadratic, exercise2_math as optimizer_math, exercise2_plots as optimizer_plots
from grader.checks.compare import as_array, assert_close, assert_curve_ends_alike, fail
from grader.checks.convergence import AIRFOIL_BAND
from grader.checks.exercise2_dependencies import DEPENDENCIES  # noqa: F401 (grader.dependencies reads it)
from grader.checks.exercise2_noisy_sgd import (CONSTANT_BAND, FLOOR_RUNS, NOISE_SEEDS, NOISY_ETA, NOISY_STEPS,
                                               POLYNOMIAL, POLYNOMIAL_BAND, check_noise_floor, check_standard_normal,
                                               multipliers, noisy_paths)
from grader.checks.exercise2_steps import (HINTS, check_params, check_schedule, check_states, check_update,
                                           flat_states)
from grader.checks.exercise2_cases import (AIRFOIL, EDGE_CASES, EPS_CASES, MONOTONE, describe_case, one_step_case,
                                           schedule_cases, torch_history, update_cases)
from grader.probes import exercise2 as probes

EXERCISE = "exercise2"
OPTIMIZERS = ["sgd", "sgd_momentum", "adagrad", "rmsprop", "adam"]
STATEFUL = OPTIMIZERS[1:]
SCHEDULES = ["exponential_lr", "polynomial_lr", "inverse_lr", "multistep_lr", "cosine_lr"]
# Hypothesis's "explain" phase reruns a failing test about a hundred times (3 s per failing
# test here) for a note the feedback does not show; shrinking still finds the smallest input.
PHASES = tuple(phase for phase in Phase if phase != Phase.explain)


def examples(**kwargs) -> settings:
    """The grading profile's settings without the explain phase (``max_examples`` etc. on top)."""
    return settings(phases=PHASES, **kwargs)


# -- init_*_states ---------------------------------------------------------------------------------------
@pytest.mark.points(1)
@pytest.mark.parametrize("name", STATEFUL)
def test_init_states_are_zeros_shaped_like_params(student, name):
    """init_*_states(feature_dim) returns zeros shaped like w (feature_dim, 1) and b (1,)"""
    function = probes.INIT_FUNCTIONS[name]
    for feature_dim in (1, 5):
        out = student.call(probes.INIT_PROBES[name], feature_dim=feature_dim)
        expected = [[(feature_dim, 1), (feature_dim, 1)], [(1,), (1,)]] if name == "adam" else [(feature_dim, 1), (1,)]
        shapes = [tuple(leaf["shape"]) if isinstance(leaf, dict) else leaf for leaf in flat_states(out)]
        want = [s for pair in expected for s in pair] if name == "adam" else expected
        layout = "((v_w, s_w), (v_b, s_b))" if name == "adam" else "(state_w, state_b)"
        if shapes != want:
            fail(function, "the states have the wrong layout or shapes", expected=f"{layout} with shapes {want}",
                 received=shapes, inputs=f"feature_dim={feature_dim}")
        for leaf in flat_states(out):
            if np.any(as_array(leaf["values"], function, "a state") != 0):
                fail(function, "the states must start at zero", inputs=f"feature_dim={feature_dim}")


# -- updates against float64 --------------------------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.parametrize("name", OPTIMIZERS)
@examples()
@given(data=st.data())
def test_update_matches_float64(student, name, data):
    """One and several steps match d2l's update computed in float64"""
    check_update(student, name, data.draw(update_cases(name)))


@pytest.mark.points(1)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_updates_in_place(student, name):
    """The parameters and states passed in are updated in place (not rebound)"""
    case = one_step_case(name)
    (received,) = student.call(probes.STEP_PROBES[name], **case)
    inputs = describe_case(case)
    for label, got, before in zip(("w", "b"), received["params"], case["params"]):
        if np.array_equal(got, before):
            fail(name, f"the parameter {label} you were given did not change", inputs=inputs,
                 hint="write into the tensor (p[:] -= ... or p -= ... under torch.no_grad()); "
                      "p = p - ... only rebinds a local name")
    before = optimizer_math.flatten_states(case["states"])
    for index, (got, old) in enumerate(zip(received["states"], before)):
        if np.array_equal(got, old):
            fail(name, f"state tensor {index} you were given did not change", inputs=inputs,
                 hint="update it in place (v[:] = momentum * v + g), or the next call starts from the old state")


@pytest.mark.points(1)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_zeroes_gradients(student, name):
    """The optimizer zeroes the gradients itself after the step"""
    case = one_step_case(name)
    (received,) = student.call(probes.STEP_PROBES[name], **case)
    for label, grad in zip(("w", "b"), received["grads"]):
        if grad is not None and np.any(np.asarray(grad) != 0):
            fail(name, f"{label}.grad is not zero after the step", expected="zeros", received=grad,
                 inputs=describe_case(case),
                 hint="backward() adds to p.grad: call p.grad.zero_() after updating p")


@pytest.mark.points(1)
@examples(max_examples=20)
@given(t0=st.integers(1, 50), steps=st.integers(1, 4))
def test_adam_advances_t(student, t0, steps):
    """adam increments hyperparams['t'] by one per call"""
    case = one_step_case("adam")
    case["grads"] = case["grads"] * steps
    case["hyperparams"] = {"lr": 0.01, "t": t0}
    received = student.call(probes.adam_steps, **case)
    got = [step["t"] for step in received]
    want = [t0 + k for k in range(1, steps + 1)]
    if got != want:
        fail("adam", "hyperparams['t'] after each call is wrong", expected=want, received=got,
             inputs=f"t starts at {t0}, {steps} call(s)",
             hint="hyperparams['t'] += 1 once per call, after updating every parameter")


# -- torch.optim: where d2l's semantics agree, and where they knowingly do not --------------------------
@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["sgd", "sgd_momentum", "adam"])
@examples(max_examples=30)
@given(data=st.data())
def test_agrees_with_torch_optim(student, name, data):
    """From zero states, the steps equal torch.optim's (SGD, SGD momentum dampening 0, Adam eps 1e-6)"""
    case = data.draw(update_cases(name, zero_states=True, max_steps=4))
    received = student.call(probes.STEP_PROBES[name], **case)
    expected = torch_history(name, case["params"], case["grads"], case["hyperparams"])
    torch_name = {"sgd": "torch.optim.SGD", "sgd_momentum": "torch.optim.SGD(dampening=0)",
                  "adam": "torch.optim.Adam(eps=1e-6)"}[name]
    check_params(name, received, expected, describe_case(case) + f", compared with {torch_name}")


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["adagrad", "rmsprop"])
def test_eps_inside_the_root_unlike_torch(student, name):
    """adagrad/rmsprop put 1e-6 inside the square root (d2l), not outside as torch.optim does"""
    hyper = {"lr": 0.1, "gamma": 0.9} if name == "rmsprop" else {"lr": 0.1}
    params = [np.array([[1.0], [-1.0]]), np.array([0.5])]
    for label, grads in EPS_CASES.items():
        case = {"params": params, "states": optimizer_math.zero_states(name, 2), "grads": [grads],
                "hyperparams": hyper}
        (received,) = student.call(probes.STEP_PROBES[name], **case)
        (d2l,) = optimizer_math.run_steps(name, **case)
        (torch_form,) = torch_history(name, params, [grads], hyper)
        parted = not np.allclose(d2l["params"][0], torch_form["params"][0], rtol=1e-3, atol=0)
        # The premise of this test, checked on the grader's side: the forms part only for tiny gradients.
        assert parted == (label == "tiny gradients"), f"sqrt(s + eps) vs sqrt(s) + eps premise broken: {label}"
        inputs = f"one step from zero state, {label}, {optimizer_math.describe(hyper)}"
        if not parted:
            continue
        # With |g| ~ 1e-4, d2l's step is about lr/10 per element; sqrt(s) + eps with eps <= 1e-6 (torch's
        # form, or no eps) gives about lr or more. No step at all is no answer about eps either.
        step = np.abs(received["params"][0] - params[0]) / hyper["lr"]
        d2l_step = np.abs(d2l["params"][0] - params[0]) / hyper["lr"]
        assert (d2l_step < 0.5).all() and (np.abs(torch_form["params"][0] - params[0]) / hyper["lr"] > 0.9).all()
        if (step < 0.1 * d2l_step).any():
            fail(name, "for tiny gradients the parameters did not move", expected=d2l["params"][0].ravel(),
                 received=received["params"][0].ravel(), inputs=inputs)
        if (step > 0.9).any():
            fail(name, "for tiny gradients the step is as large as sqrt(s) + eps makes it (torch.optim's form); "
                       "d2l divides by sqrt(s + 1e-6)", expected=d2l["params"][0].ravel(),
                 received=received["params"][0].ravel(), inputs=inputs, hint="p -= lr * g / torch.sqrt(s + 1e-6)")


# -- learning-rate schedules -----------------------------------------------------------------------------
# cosine_lr, in three pieces (warm-up, half-cosine, constant), is worth two points.
SCHEDULE_POINTS = {name: 2 if name == "cosine_lr" else 1 for name in SCHEDULES}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.points(points))
                                  for name, points in SCHEDULE_POINTS.items()])
@examples()
@given(data=st.data())
def test_schedule_matches_formula(student, name, data):
    """The schedule's values match its formula computed in float64"""
    check_schedule(student, name, *data.draw(schedule_cases(name)))


@pytest.mark.points(0.5)
@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_schedule_edge_cases(student, case):
    """Schedules at their edges: t = 0, milestones, the end of warm-up, past max_steps"""
    name, kwargs, t, want = EDGE_CASES[case]
    (got,) = student.call(probes.SCHEDULE_PROBES[name], ts=[t], kwargs=kwargs)
    assert_close(got, want, name, f"the value at t={t} ({case})", inputs=optimizer_math.describe(kwargs),
                 rtol=1e-9, atol=1e-12)


@pytest.mark.points(0.5)
@pytest.mark.parametrize("name", SCHEDULES)
def test_schedules_are_monotone(student, name):
    """Decays never increase; cosine rises through the warm-up, then falls, then stays at final_lr"""
    kwargs, falling, rising = MONOTONE[name]
    ts = list(range(0, 400))
    got = as_array(student.call(probes.SCHEDULE_PROBES[name], ts=ts, kwargs=kwargs), name, "the values")
    problem = optimizer_math.schedule_job_problem(got, falling, rising)  # a constant does not "decay"
    if problem:
        fail(name, problem, inputs=optimizer_math.describe(kwargs))
    for span, sign, word in ((falling, 1, "increases"), (rising, -1, "decreases")):
        span = list(span)
        if not span:
            continue
        steps = sign * np.diff(got[span[0]:span[-1] + 1])
        if (steps > 1e-12).any():
            t = span[0] + int(np.argmax(steps > 1e-12))
            fail(name, f"the rate {word} from t={t} to t={t + 1}", received=f"{got[t]:.6g} -> {got[t + 1]:.6g}",
                 inputs=optimizer_math.describe(kwargs))


# -- SGD on the noisy quadratic -------------------------------------------------------------------------------
@pytest.mark.points(1)
@examples()
@given(points=st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), min_size=1, max_size=5))
def test_f_2d_grad(student, points):
    """f_2d_grad(x1, x2) = (2*x1, 4*x2)"""
    got = student.call(probes.f_2d_grad, points=points)
    want = [[2 * x1, 4 * x2] for x1, x2 in points]
    assert_close(got, want, "f_2d_grad", "the gradients", inputs=f"points {points}", rtol=1e-12, atol=1e-12,
                 hint="d/dx1 (x1² + 2·x2²) = 2·x1, d/dx2 = 4·x2")


@pytest.mark.points(1)
def test_noisy_sgd_2d_path_shape_start_and_seed(student):
    """noisy_sgd_2d returns (steps+1, 2) iterates from (-5, -2), reproducible per generator seed"""
    (empty,) = noisy_paths(student, "constant", [0], steps=0)
    assert_close(empty, [[-5.0, -2.0]], "noisy_sgd_2d", "the path for steps=0", inputs="steps=0")
    first, again, other = noisy_paths(student, "constant", [3, 3, 4], steps=7)
    assert_close(first[0], [-5.0, -2.0], "noisy_sgd_2d", "row 0 (the start)", inputs="steps=7")
    if not np.array_equal(first, again):
        fail("noisy_sgd_2d", "two runs with torch.Generator().manual_seed(3) differ", inputs="steps=7",
             hint="draw the noise with torch.randn(2, generator=generator, dtype=torch.float64)")
    if np.array_equal(first, other):
        fail("noisy_sgd_2d", "seeds 3 and 4 gave the same path: is the noise drawn at all?", inputs="steps=7")


# The thresholds, and how rarely they fail correct code: grader/checks/exercise2_noisy_sgd.py.
@pytest.mark.points(2)
def test_noisy_sgd_2d_noise_is_standard_normal(student):
    """noisy_sgd_2d adds independent N(0, 1) noise to each gradient component, scaled by eta*schedule(t)"""
    paths = noisy_paths(student, "polynomial", NOISE_SEEDS, kwargs=POLYNOMIAL)
    xi = noisy_quadratic.recovered_noise(paths, NOISY_ETA * multipliers("polynomial"))
    check_standard_normal(xi, f"eta={NOISY_ETA}, schedule (1 + 0.1t)^(-0.5), {NOISY_STEPS} steps, seeds 0..19")


@pytest.mark.points(2)
def test_constant_rate_stalls_at_noise_floor(student, record, feedback_dir):
    """With a constant rate the mean of f stalls at the noise floor (about 0.059), not at 0"""
    check_noise_floor(student, record, feedback_dir, "constant", range(1000, 1000 + FLOOR_RUNS), CONSTANT_BAND,
                      "the mean of f after 50 steps is not at the constant rate's noise floor",
                      "each step adds eta*schedule(t)*noise with noise ~ N(0, 1) per component; no decay here")


@pytest.mark.points(2)
def test_polynomial_decay_gets_closer(student, record, feedback_dir):
    """With polynomial decay (1 + 0.1t)^(-0.5) the mean of f gets well below the noise floor"""
    check_noise_floor(student, record, feedback_dir, "polynomial", range(2000, 2000 + FLOOR_RUNS), POLYNOMIAL_BAND,
                      "the mean of f after 50 steps with polynomial decay is not where decay brings it",
                      "multiply eta by schedule(t) at step t = 0, 1, ...")


# -- airfoil: each optimizer through the kit's train_ch11 ---------------------------------------------
# With d2l chapter 12's settings (AIRFOIL); the band and where it comes from: grader/checks/convergence.py.
# The curves so far, for the comparison plot: one dict per student worker, so grading several
# submissions in one process never mixes their curves.
_airfoil_curves: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def check_band(function, run, band, inputs, hint):
    losses = run.get("losses") or []
    final = float(losses[-1]) if losses else float("nan")
    if not band[0] <= final <= band[1]:
        fail(function, "the final loss on airfoil is outside d2l's band", expected=f"{band[0]}..{band[1]}",
             received=f"{final:.4f}", inputs=inputs, hint=hint)
    return final


@pytest.mark.points(1.5)
@pytest.mark.timeout_s(90)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_converges_on_airfoil(student, record, feedback_dir, name):
    """Your optimizer trains d2l's linear regression on airfoil to d2l's loss"""
    hyper = AIRFOIL[name]
    run = student.call(probes.TRAIN_PROBES[name], hyperparams=hyper, seed=0, timeout=80)
    curves = _airfoil_curves.setdefault(student, {})
    curves[name] = run
    path = optimizer_plots.plot_loss_vs_time(curves, AIRFOIL_BAND, feedback_dir / "exercise2_airfoil.png")
    if len(curves) == 1:
        record.artifact(path)
    final = check_band(name, run, AIRFOIL_BAND, f"{optimizer_math.describe(hyper)}, minibatch 10, 2 epochs, "
                       "the kit's train_ch11", HINTS[name])
    record.note(f"{name}: final loss {final:.4f} (band {AIRFOIL_BAND[0]}..{AIRFOIL_BAND[1]})")


CONCISE = {"SGD": ({"lr": 0.01}, 4), "Adam": ({"lr": 0.01}, 2)}  # d2l's train_concise_ch11 calls


@pytest.mark.points(1.5)
@pytest.mark.timeout_s(90)
@pytest.mark.parametrize("optimizer", list(CONCISE))
def test_train_concise_converges(student, record, optimizer):
    """train_concise with torch.optim records the loss every 200 examples and reaches d2l's loss"""
    hyper, epochs = CONCISE[optimizer]
    run = student.call(probes.concise, optimizer=optimizer, hyperparams=hyper, num_epochs=epochs, timeout=80)
    inputs = f"torch.optim.{optimizer}({optimizer_math.describe(hyper)}), minibatch 10, {epochs} epochs"
    expected = 1500 * epochs // 200
    for key in ("times", "losses"):
        if len(run[key]) != expected:
            fail("train_concise", f"wrong number of recorded {key}", expected=expected, received=len(run[key]),
                 inputs=inputs, hint="record when the count of examples seen is a multiple of 200")
    times = as_array(run["times"], "train_concise", "the times")
    if (times <= 0).any() or (np.diff(times) < 0).any():
        fail("train_concise", "times must be positive and cumulative", received=times[:5], inputs=inputs)
    final = check_band("train_concise", run, AIRFOIL_BAND, inputs,
                       "zero_grad, MSELoss mean, backward, step; report half the MSE on all data")
    record.note(f"torch.optim.{optimizer}: final loss {final:.4f}")


# -- hidden: agreement with the reference -------------------------------------------------------------
@pytest.mark.points(1)
@pytest.mark.hidden
@pytest.mark.parametrize("name", OPTIMIZERS)
@examples(max_examples=15)
@given(data=st.data())
def test_optimizers_match_reference(student, reference, name, data):
    """Several steps agree with the reference's, states and t included"""
    case = data.draw(update_cases(name))
    received = student.call(probes.STEP_PROBES[name], **case)
    expected = reference.call(probes.STEP_PROBES[name], **case)
    inputs = describe_case(case)
    check_params(name, received, expected, inputs + ", compared with the reference")
    check_states(name, received, expected, inputs + ", compared with the reference")
    if [r["t"] for r in received] != [e["t"] for e in expected]:
        fail(name, "hyperparams['t'] differs from the reference's after the steps",
             expected=[e["t"] for e in expected], received=[r["t"] for r in received], inputs=inputs)


@pytest.mark.points(1)
@pytest.mark.hidden
@pytest.mark.parametrize("name", SCHEDULES)
@examples(max_examples=15)
@given(data=st.data())
def test_schedules_match_reference(student, reference, name, data):
    """Schedule values agree with the reference's"""
    ts, kwargs = data.draw(schedule_cases(name))
    received = student.call(probes.SCHEDULE_PROBES[name], ts=ts, kwargs=kwargs)
    expected = reference.call(probes.SCHEDULE_PROBES[name], ts=ts, kwargs=kwargs)
    assert_close(received, expected, name, f"the values at t = {ts} (reference)",
                 inputs=optimizer_math.describe(kwargs), rtol=1e-9, atol=1e-12)


@pytest.mark.points(1)
@pytest.mark.hidden
@pytest.mark.parametrize("schedule", ["constant", "polynomial"])
def test_noisy_sgd_2d_matches_reference(student, reference, schedule):
    """noisy_sgd_2d follows the reference's path for the same generator seed"""
    kwargs = dict(eta=NOISY_ETA, schedule=schedule, schedule_kwargs=POLYNOMIAL, steps=30, seeds=[5, 6])
    received = student.call(probes.noisy_runs, **kwargs)
    expected = reference.call(probes.noisy_runs, **kwargs)
    for seed, want, got in zip(kwargs["seeds"], expected, received):
        assert_close(got, want, "noisy_sgd_2d", f"the path for seed {seed}", rtol=1e-9, atol=1e-12,
                     inputs=f"eta={NOISY_ETA}, {schedule} schedule, 30 steps",
                     hint="step t uses eta*schedule(t), t from 0; noise = torch.randn(2, generator=generator, "
                          "dtype=torch.float64) once per step")


@pytest.mark.points(1)
@pytest.mark.hidden
@pytest.mark.timeout_s(90)
def test_train_concise_matches_reference(student, reference):
    """train_concise's loss curve ends where the reference's does"""
    kwargs = dict(optimizer="Adam", hyperparams={"lr": 0.01}, num_epochs=2, seed=3, timeout=80)
    received = student.call(probes.concise, **kwargs)
    expected = reference.call(probes.concise, **kwargs)
    assert_curve_ends_alike(received, expected, "train_concise",
                            inputs="torch.optim.Adam(lr=0.01), minibatch 10, 2 epochs, seed 3")
