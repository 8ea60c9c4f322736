"""Grading suite for exercise 5: LARS and large-batch training on MNIST.

Student code runs only in the ``student`` worker; every verdict is computed here, against
float64 numpy (``grader.checks.exercise5_math``) or, in hidden tests, the reference.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.checks import exercise5_math as lars_math, exercise5_timing as lars_timing, exercise5_large_batch as large_batch, timing
from grader.checks.exercise5_cases import MIXED_CASE, describe_case, lars_cases, trust_cases
from grader.checks.compare import assert_close, fail
from grader.checks.exercise5_dependencies import DEPENDENCIES  # noqa: F401 (grader.dependencies reads it)
from grader.probes import exercise5 as probes

# Named, not imported: the probe's module needs torch, which this grader need not load.
CUDA_STATUS = "grader.probes.exercise4:cuda_status"

EXERCISE = "exercise5"

def compare_trajectories(received, expected, inputs: str, hint: str, what: str = "the parameters") -> None:
    if len(received) != len(expected):
        fail("LARS.step", "a different number of steps came back", expected=len(expected), received=len(received))
    for step, (got, want) in enumerate(zip(received, expected)):
        for index, (g, w) in enumerate(zip(got, want)):
            # Absolute slack scaled to the parameter's own size: cancellation in w - lr*buf is fine.
            scale = float(np.max(np.abs(w))) if np.size(w) else 0.0
            assert_close(g, w, "LARS.step", f"{what} after step {step + 1}, parameter {index}", inputs=inputs,
                         hint=hint, rtol=1e-7, atol=1e-9 * scale + 1e-300)


STEP_HINT = ("per parameter: trust = tc*||w||/(||g|| + wd*||w|| + eps) (1 if a norm is 0), d = (g + wd*w)*trust "
             "(d = g for excluded 1-D params), buf = m*buf + d (buf = d at first), w -= lr*buf")


# -- trust_ratio ----------------------------------------------------------------------------
@pytest.mark.points(2)
@given(case=trust_cases())
def test_trust_ratio_matches_float64(student, case):
    """trust_ratio is tc*||w||/(||g|| + wd*||w|| + eps), and 1 when a norm is 0"""
    weight, grad, tc, wd, eps = case
    received = student.call(probes.trust, weight=weight, grad=grad, trust_coefficient=tc, weight_decay=wd,
                            eps=eps)
    inputs = (f"||w||={np.linalg.norm(weight):.4g}, ||g||={np.linalg.norm(grad):.4g} (shape {weight.shape}), "
              f"trust_coefficient={tc}, weight_decay={wd}, eps={eps}")
    assert_close(received, lars_math.trust_ratio(weight, grad, tc, wd, eps), "trust_ratio", "the trust ratio",
                 inputs=inputs, rtol=1e-9, atol=0,
                 hint="Euclidean norms over the whole tensor; return 1 when ||w|| or ||g|| is 0 (torch.where)")


@pytest.mark.points(1)
def test_trust_ratio_published_torchlars_value(student):
    """trust_ratio reproduces torchlars' published example (0.000217325)"""
    weight, grad = 1.234 * np.array([0.6, 0.8]), 5.678 * np.array([0.8, -0.6])
    received = student.call(probes.trust, weight=weight, grad=grad, trust_coefficient=1e-3, weight_decay=1e-4,
                            eps=1e-8)
    if not abs(received - 0.000217325) <= 5e-10:
        fail("trust_ratio", "does not reproduce torchlars' published value", expected="0.000217325 (9 decimals)",
             received=f"{received:.12f}", inputs="||w||=1.234, ||g||=5.678, wd=1e-4, eps=1e-8, tc=1e-3",
             hint="the denominator is ||g|| + weight_decay*||w|| + eps")


# -- LARS steps -----------------------------------------------------------------------------
@pytest.mark.points(4)
@given(case=lars_cases())
@example(case=MIXED_CASE)
def test_lars_steps_match_float64(student, case):
    """LARS steps match a float64 computation (shapes, zero norms, scales, groups, missing grads)"""
    params, grads, hyperparameters, groups = case
    out = student.call(probes.lars_steps, params=params, grads_per_step=grads, hyperparameters=hyperparameters,
                       groups=groups)
    expected = lars_math.lars_trajectory(params, grads, hyperparameters, groups)
    compare_trajectories(out["trajectory"], expected, describe_case(params, grads, hyperparameters, groups),
                         STEP_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("exclude_1d", [True, False])
def test_lars_excludes_1d_params(student, exclude_1d):
    """LARS leaves biases (1-D) and scalars unadapted and undecayed when exclude_1d"""
    rng = np.random.default_rng(5)
    params = [rng.normal(size=(4, 3)), rng.normal(size=4), np.array(2.0)]
    grads = [[rng.normal(size=(4, 3)) * 50, rng.normal(size=4) * 50, np.array(30.0)]]
    hyperparameters = dict(lr=0.1, momentum=0.9, weight_decay=0.01, trust_coefficient=0.001,
                           exclude_1d=exclude_1d)
    out = student.call(probes.lars_steps, params=params, grads_per_step=grads, hyperparameters=hyperparameters)
    expected = lars_math.lars_trajectory(params, grads, hyperparameters)
    inputs = f"a (4, 3) weight, a (4,) bias and a 0-D scalar; {hyperparameters}"
    hint = ("with exclude_1d, params with ndim <= 1 take plain momentum SGD on the raw gradient, no weight "
            "decay; without it every parameter is adapted")
    names = ["the (4, 3) weight", "the (4,) bias", "the 0-D scalar"]
    for index, name in enumerate(names):
        assert_close(out["trajectory"][0][index], expected[0][index], "LARS.step", f"{name} after one step",
                     inputs=inputs, hint=hint, rtol=1e-7, atol=1e-12)


@pytest.mark.points(1)
def test_lars_skips_params_without_grad(student):
    """LARS leaves a parameter whose .grad is None alone (no weight decay, no momentum)"""
    params = [np.ones((2, 2)), np.full(3, 0.5)]
    grads = [[np.full((2, 2), 0.1), np.full(3, 0.2)], [None, None], [np.full((2, 2), 0.1), None]]
    hyperparameters = dict(lr=0.5, momentum=0.9, weight_decay=0.1, trust_coefficient=0.02)
    out = student.call(probes.lars_steps, params=params, grads_per_step=grads, hyperparameters=hyperparameters)
    expected = lars_math.lars_trajectory(params, grads, hyperparameters)
    compare_trajectories(out["trajectory"], expected, f"gradients None at step 2 (both) and 3 (the bias); "
                         f"{hyperparameters}", "skip parameters whose p.grad is None: no update, no state change")


@pytest.mark.points(2)
@given(case=lars_cases(max_steps=2), steps_after=st.integers(1, 3))
@settings(max_examples=20)
def test_lars_state_dict_round_trip(student, case, steps_after):
    """An optimizer rebuilt from state_dict() continues exactly like the original"""
    params, grads, hyperparameters, _ = case
    hyperparameters = {**hyperparameters, "momentum": 0.9}
    rng = np.random.default_rng(1)
    after = [[rng.normal(size=np.shape(p)) for p in params] for _ in range(steps_after)]
    out = student.call(probes.state_dict_round_trip, params=params, grads_before=grads, grads_after=after,
                       hyperparameters=hyperparameters)
    inputs = (describe_case(params, grads, hyperparameters, None) +
              f"; then torch.save/torch.load of state_dict(), load_state_dict() into a new LARS, {steps_after} more "
              "steps on both")
    for index, (restored, continued) in enumerate(zip(out["restored"], out["continued"])):
        assert_close(restored, continued, "LARS.state_dict", f"parameter {index} of the restored optimizer",
                     inputs=inputs, rtol=1e-12, atol=1e-300,
                     hint='keep the momentum buffer in self.state[p]["momentum_buffer"] so state_dict() saves it')


BAD_SETTINGS = [("lr", -0.1), ("lr", float("nan")), ("momentum", -0.5), ("momentum", 1.5),
                ("weight_decay", -1e-4), ("trust_coefficient", 0.0), ("trust_coefficient", -0.02), ("eps", -1e-8)]


@pytest.mark.points(0.25)
@pytest.mark.parametrize("name,value", BAD_SETTINGS)
@pytest.mark.parametrize("in_group", [False, True])
def test_lars_rejects_bad_hyperparameters(student, name, value, in_group):
    """LARS raises a ValueError naming the argument for an out-of-range setting"""
    raised = student.call(probes.bad_hyperparameter, name=name, value=value, in_group=in_group)
    where = f"LARS([{{'params': [p], '{name}': {value}}}])" if in_group else f"LARS([p], {name}={value})"
    if not raised.startswith("ValueError") or name not in raised:
        fail("LARS", "an out-of-range setting must raise ValueError naming the argument",
             expected=f"ValueError mentioning {name!r}", received=raised, inputs=where,
             hint="check every group's settings too (override add_param_group)" if in_group else
             "valid: lr >= 0, 0 <= momentum < 1, weight_decay >= 0, trust_coefficient > 0, eps >= 0")


# -- learning-rate rules ----------------------------------------------------------------------
@pytest.mark.points(1)
@given(base_lr=st.floats(1e-4, 10), base_batch=st.integers(1, 512), batch=st.integers(1, 65536))
def test_linear_scaled_lr(student, base_lr, base_batch, batch):
    """linear_scaled_lr multiplies the rate by batch_size / base_batch_size"""
    received = student.call(probes.linear_scaled, base_lr=base_lr, base_batch_size=base_batch, batch_size=batch)
    assert_close(received, base_lr * batch / base_batch, "linear_scaled_lr", "the scaled rate", rtol=1e-12,
                 inputs=f"base_lr={base_lr}, base_batch_size={base_batch}, batch_size={batch}",
                 hint="Goyal et al.: eta_new = eta_base * B_new / B_base")


@pytest.mark.points(0.5)
@pytest.mark.parametrize("base_batch,batch", [(0, 32), (32, 0), (32, -8), (32, 2.5)])
def test_linear_scaled_lr_rejects_bad_batch_sizes(student, base_batch, batch):
    """linear_scaled_lr raises ValueError for a batch size that is not a positive integer"""
    raised = student.call(probes.linear_scaled_error, base_lr=0.1, base_batch_size=base_batch, batch_size=batch)
    if not raised.startswith("ValueError"):
        fail("linear_scaled_lr", "a batch size that is not a positive integer must raise ValueError",
             expected="ValueError", received=raised, inputs=f"base_batch_size={base_batch}, batch_size={batch}")


@pytest.mark.points(2)
@given(total=st.integers(1, 60), data=st.data(), peak=st.floats(1e-3, 10), power=st.sampled_from([1, 2, 0.5]))
def test_warmup_then_poly_lr(student, total, data, peak, power):
    """warmup_then_poly_lr warms up linearly to the peak, then decays polynomially to 0"""
    warmup = data.draw(st.integers(0, total))
    steps = list(range(total + 3))
    received = student.call(probes.schedule, steps=steps, total_steps=total, warmup_steps=warmup, peak_lr=peak,
                            power=power)
    expected = [lars_math.warmup_then_poly_lr(s, total, warmup, peak, power) for s in steps]
    assert_close(received, expected, "warmup_then_poly_lr", "the rates for steps 0 .. total_steps + 2",
                 inputs=f"total_steps={total}, warmup_steps={warmup}, peak_lr={peak}, power={power}",
                 rtol=1e-9, atol=1e-12,
                 hint="peak*(step+1)/warmup while warming up, peak*(1-(step-warmup)/(total-warmup))**power "
                      "after, 0 from total_steps on")


@pytest.mark.points(0.5)
@pytest.mark.parametrize("step,total,warmup", [(-1, 10, 2), (0, 10, -1), (0, 10, 11)])
def test_warmup_then_poly_lr_rejects_bad_arguments(student, step, total, warmup):
    """warmup_then_poly_lr raises ValueError for a negative step or warm-up longer than training"""
    raised = student.call(probes.schedule_error, step=step, total_steps=total, warmup_steps=warmup)
    if not raised.startswith("ValueError"):
        fail("warmup_then_poly_lr", "invalid arguments must raise ValueError", expected="ValueError",
             received=raised, inputs=f"step={step}, total_steps={total}, warmup_steps={warmup}")


# -- large-batch training on MNIST ------------------------------------------------------------
@pytest.mark.points(4)
@pytest.mark.timeout_s(150)
def test_lars_trains_at_batch_1024(student, kit_worker, record, feedback_dir):
    """At batch 1024 LARS trains where SGD at the linearly scaled rate fails"""
    s = large_batch.SETTINGS
    lars = student.call(probes.lars_runs, timeout=140, lars_seeds=s["lars_seeds"], epochs=s["epochs"],
                        lars_settings=s["lars_settings"], large_batch=s["large_batch"])
    scaled_lr = student.call(probes.scaled_lr, base_lr=s["sgd_base_lr"], base_batch=s["sgd_base_batch"],
                             batch=s["large_batch"])
    if not (np.isfinite(scaled_lr) and scaled_lr > 0):
        fail("linear_scaled_lr", "a learning rate must be a positive number", expected="3.2", received=scaled_lr,
             inputs="linear_scaled_lr(0.1, 32, 1024)")
    # The SGD runs use no student code but the rate: the kit's worker runs them (see kit_worker).
    scaled = kit_worker.call(probes.sgd_run, lr=scaled_lr, batch_size=s["large_batch"], epochs=s["epochs"],
                             seed=s["lars_seeds"][0])
    small = kit_worker.call(probes.sgd_run, lr=s["sgd_base_lr"], batch_size=s["sgd_base_batch"],
                            epochs=s["epochs"], seed=s["lars_seeds"][0])
    out = {"lars": lars, "scaled_sgd": scaled, "scaled_lr": scaled_lr, "small_batch_sgd": small}
    plot = large_batch.plot_runs(out, feedback_dir / "exercise5_large_batch.png")
    record.artifact(plot)
    lars_final = [run["val_accuracy"][-1] if run["val_accuracy"] else float("nan") for run in out["lars"]]
    scaled_best = max(out["scaled_sgd"]["val_accuracy"], default=float("nan"))
    record.note(large_batch.describe(out))
    band = large_batch.LARS_MIN_VAL_ACCURACY
    settings_text = large_batch.describe_settings()
    if not all(accuracy >= band for accuracy in lars_final):
        fail("LARS", "LARS at batch 1024 falls short of the validation-accuracy band",
             expected=f">= {band} after {large_batch.SETTINGS['epochs']} epochs for every seed",
             received=", ".join(f"seed {s}: {a:.4f}" for s, a in zip(large_batch.SETTINGS["lars_seeds"], lars_final)),
             inputs=settings_text, hint="check the steps against the float64 tests first")
    if not scaled_best < large_batch.SCALED_SGD_MAX_VAL_ACCURACY:
        fail("linear_scaled_lr", "SGD at your linearly scaled rate should fail at batch 1024",
             expected=f"best validation accuracy < {large_batch.SCALED_SGD_MAX_VAL_ACCURACY} with lr 3.2",
             received=f"{scaled_best:.4f} with lr {out['scaled_lr']:.6g}",
             inputs="linear_scaled_lr(0.1, 32, 1024)", hint="the rule multiplies by batch_size / base_batch_size")


# -- train_mnist ------------------------------------------------------------------------------
HISTORY_KEYS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
PARR = dict(lr=0.1, momentum=0.9, batch_size=32, epochs=5, seed=0)
MLP_SHAPES = [[50, 784], [50], [10, 50], [10]]


def check_history(out: dict, epochs: int, inputs: str) -> None:
    missing = [key for key in HISTORY_KEYS + ("model",) if key not in out["keys"]]
    if missing:
        fail("train_mnist", "the history lacks keys", expected=list(HISTORY_KEYS) + ["model"], received=out["keys"],
             inputs=inputs)
    for key in HISTORY_KEYS:
        values = np.asarray(out[key], dtype=np.float64)
        if len(values) != epochs:
            fail("train_mnist", f"history[{key!r}] needs one value per epoch", expected=epochs, received=len(values),
                 inputs=inputs)
        if not np.isfinite(values).all() or (values < 0).any() or ("accuracy" in key and (values > 1).any()):
            fail("train_mnist", f"history[{key!r}] holds impossible values", received=values, inputs=inputs,
                 hint="losses are mean cross-entropies, accuracies fractions in [0, 1]")
    if out["factory_calls"] != [MLP_SHAPES]:
        fail("train_mnist", "optimizer_factory must be called once with the 784-50-10 model's parameters",
             expected=[MLP_SHAPES], received=out["factory_calls"], inputs=inputs,
             hint="optimizer = optimizer_factory(model.parameters())")
    if "model_val_loss" not in out:
        fail("train_mnist", 'history["model"] must be the trained torch.nn.Module', inputs=inputs)


@pytest.mark.points(3)
@pytest.mark.timeout_s(90)
def test_train_mnist_reaches_parr_accuracy(student, record):
    """train_mnist with SGD at batch 32 reaches Parr's validation accuracy (>= 0.93)"""
    inputs = "optimizer_factory = SGD(lr=0.1, momentum=0.9), batch_size=32, epochs=5, seed=0"
    out = student.call(probes.train, timeout=80, **PARR)
    check_history(out, PARR["epochs"], inputs)
    accuracy = out["model_val_accuracy"]
    record.note(f"validation accuracy per epoch {np.round(out['val_accuracy'], 4).tolist()}; returned model "
                f"{accuracy:.4f}")
    if not accuracy >= large_batch.PARR_MIN_VAL_ACCURACY:
        fail("train_mnist", "the returned model misses Parr's validation accuracy",
             expected=f">= {large_batch.PARR_MIN_VAL_ACCURACY}", received=f"{accuracy:.4f}", inputs=inputs,
             hint="cross-entropy on the logits (no softmax), zero_grad / backward / step every batch")


@pytest.mark.points(2)
@pytest.mark.timeout_s(90)
def test_train_mnist_keeps_the_best_model(student):
    """train_mnist returns the model of the epoch with the lowest validation loss"""
    settings_used = {**PARR, "epochs": 6}
    inputs = "optimizer_factory = SGD(lr=0.1, momentum=0.9), batch_size=32, epochs=6, seed=0"
    out = student.call(probes.train, timeout=80, **settings_used)
    check_history(out, settings_used["epochs"], inputs)
    best = float(np.min(out["val_loss"]))
    if not np.isclose(out["model_val_loss"], best, rtol=1e-4, atol=1e-6):
        fail("train_mnist", "the returned model is not the one with the lowest validation loss",
             expected=f"validation loss {best:.5f} (epoch {int(np.argmin(out['val_loss'])) + 1})",
             received=f"{out['model_val_loss']:.5f}", inputs=inputs,
             hint="after each epoch, copy.deepcopy(model.state_dict()) when the validation loss improves; "
                  "load it back at the end")


# -- hidden: agreement with the reference ------------------------------------------------------
@pytest.mark.points(1)
@pytest.mark.hidden
@settings(max_examples=25)
@given(case=trust_cases())
def test_trust_ratio_matches_reference(student, reference, case):
    """trust_ratio agrees with the reference"""
    weight, grad, tc, wd, eps = case
    kwargs = dict(weight=weight, grad=grad, trust_coefficient=tc, weight_decay=wd, eps=eps)
    assert_close(student.call(probes.trust, **kwargs), reference.call(probes.trust, **kwargs), "trust_ratio",
                 "the trust ratio", inputs=f"||w||={np.linalg.norm(weight):.4g}, ||g||={np.linalg.norm(grad):.4g}, "
                 f"tc={tc}, wd={wd}, eps={eps}", rtol=1e-9, atol=0)


@pytest.mark.points(2)
@pytest.mark.hidden
@settings(max_examples=25)
@given(case=lars_cases())
@example(case=MIXED_CASE)
def test_lars_steps_match_reference(student, reference, case):
    """LARS steps agree with the reference"""
    params, grads, hyperparameters, groups = case
    kwargs = dict(params=params, grads_per_step=grads, hyperparameters=hyperparameters, groups=groups)
    received = student.call(probes.lars_steps, **kwargs)["trajectory"]
    expected = reference.call(probes.lars_steps, **kwargs)["trajectory"]
    compare_trajectories(received, expected, describe_case(params, grads, hyperparameters, groups), STEP_HINT)


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.timeout_s(90)
def test_train_mnist_matches_reference(student, reference):
    """train_mnist's history agrees with the reference's for the same seed"""
    kwargs = dict(lr=0.05, momentum=0.9, batch_size=64, epochs=2, seed=3)
    received = student.call(probes.train, timeout=40, **kwargs)
    expected = reference.call(probes.train, timeout=40, **kwargs)
    inputs = "SGD(lr=0.05, momentum=0.9), batch_size=64, epochs=2, seed=3"
    check_history(received, kwargs["epochs"], inputs)
    for key in HISTORY_KEYS:
        assert_close(received[key], expected[key], "train_mnist", f"history[{key!r}]", inputs=inputs, rtol=1e-3,
                     atol=1e-4, hint="seed with torch.manual_seed(seed) before make_mlp(); shuffle with "
                                     "torch.randperm(8000, generator=torch.Generator().manual_seed(seed))")


# -- GPU timing: one LARS step on a ResNet-50-sized parameter list ------------------------------
@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.gpu
@pytest.mark.timeout_s(120)
def test_lars_step_on_cuda_close_to_reference(gpu_device, student, reference, record):
    """One LARS step on CUDA (ResNet-50-sized parameters) takes at most 3x the reference's"""
    status = student.call(CUDA_STATUS)
    if not status["usable"]:
        pytest.skip(f"a CUDA device is present but the sandboxed worker cannot use it ({status['error']})")
    shapes = lars_timing.resnet50_shapes()
    yours = lars_timing.step_timer(student, shapes, gpu_device)
    theirs = lars_timing.step_timer(reference, shapes, gpu_device)
    ok, comparison = timing.within_ratio(yours, theirs, max_ratio=lars_timing.MAX_STEP_SLOWDOWN)
    events = {"your LARS": yours.event_seconds, "the reference's LARS": theirs.event_seconds}
    for kind, label in (("sgd_for_loop", "torch.optim.SGD for-loop"), ("sgd_foreach", "torch.optim.SGD foreach")):
        baseline = lars_timing.step_timer(reference, shapes, gpu_device, kind)  # the lesson, not graded
        timing.measure(baseline, blocks=3)
        events[label] = baseline.event_seconds
    where = timing.device_label(gpu_device)
    record.note(lars_timing.speed_note(comparison, events, where))
    if not ok:
        fail("LARS.step", f"one step takes {comparison.ratio:.1f}x the reference's time",
             expected=f"at most {lars_timing.MAX_STEP_SLOWDOWN}x", received=comparison.describe(where),
             inputs=f"{len(shapes)} float32 parameters ({lars_timing.RESNET50_NUMEL:,} numbers) on {where}",
             hint="no .item(), float() or Python if on a tensor inside step(): each one waits for the GPU")
