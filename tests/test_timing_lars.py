"""Exercise 5's GPU timing, its logic run on the CPU: the probe, the checks of the work, the ratio.

The probe runs in this process on the reference (or a lazy copy of it) with a small parameter
list; a stand-in worker hands its answers to the timer the suite uses, with synthetic seconds.
"""
from __future__ import annotations

import importlib.util
import math
import random

import pytest

from grader.checks import exercise5_timing as lars_timing, timing
from grader.probes import exercise5 as probes
from grader.sandbox.errors import GradingFailure

SMALL = [(4, 3, 3, 3), (4,), (6, 4), (6,), ()]


def load(path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference(kit_root):
    return load(kit_root / "solutions" / "exercise5_lars.py", "exercise5_reference_for_timing")


class CheckAll:
    """A chooser that checks every parameter (the grader samples a few, unpredictably)."""

    @staticmethod
    def sample(population, count):
        return list(population)


def steps(sub, lr=0.75, count=3, optimizer="lars", shapes=SMALL):
    return probes.timed_steps(sub, shapes=shapes, seed=1, lr=lr, steps=count, settings=lars_timing.SETTINGS,
                              device="cpu", optimizer=optimizer)


def test_resnet50_shapes_have_resnet50s_size():
    shapes = lars_timing.resnet50_shapes()
    assert len(shapes) == 161
    assert sum(math.prod(s) for s in shapes) == lars_timing.RESNET50_NUMEL
    assert shapes[0] == (64, 3, 7, 7) and shapes[-2:] == [(1000, 2048), (1000,)]


def test_parameters_are_made_alone_and_alike_on_both_sides():
    weight, grad = lars_timing.parameter((3, 2), seed=4, index=7)
    again, _ = lars_timing.parameter((3, 2), seed=4, index=7)
    other, _ = lars_timing.parameter((3, 2), seed=4, index=8)
    assert weight.dtype == grad.dtype == "float32"
    assert (weight == again).all() and not (weight == other).all()


def test_reference_steps_pass_the_check_of_the_work(reference):
    out = steps(reference)
    assert out["event_seconds"] > 0
    assert lars_timing.checksum_problem(out["checksums"], SMALL, 1, 0.75, 3, chooser=CheckAll) == ""


def test_other_work_fails_the_check(reference):
    checksums = steps(reference)["checksums"]
    assert "parameter" in lars_timing.checksum_problem(checksums, SMALL, 1, 0.5, 3, chooser=CheckAll)
    assert "parameter" in lars_timing.checksum_problem(checksums, SMALL, 1, 0.75, 2, chooser=CheckAll)
    assert "received 4" in lars_timing.checksum_problem(checksums[:4], SMALL, 1, 0.75, 3)
    sgd = steps(reference, optimizer="sgd_for_loop")["checksums"]
    assert lars_timing.checksum_problem(sgd, SMALL, 1, 0.75, 3, chooser=CheckAll) != ""


def test_skipping_any_parameter_is_caught_by_the_default_sampling(reference, kit_root, tmp_path):
    source = (kit_root / "solutions" / "exercise5_lars.py").read_text()
    lazy = source.replace("            for p in group[\"params\"]:\n",
                          "            for p in group[\"params\"][:-1]:  # skips the last parameter\n")
    assert lazy != source
    path = tmp_path / "lazy.py"
    path.write_text(lazy)
    checksums = steps(load(path, "exercise5_lazy"))["checksums"]
    # Four of five parameters are checked per call: the skipped one is found within a few calls.
    problems = [lars_timing.checksum_problem(checksums, SMALL, 1, 0.75, 3, chooser=random.Random(k))
                for k in range(6)]
    assert any("parameter 4" in p for p in problems)


def test_learning_rate_differs_from_call_to_call():
    rates = [lars_timing.learning_rate(k) for k in range(16)]
    assert len(set(rates)) == 16 and all(0 < r <= 1 for r in rates)


class StandIn:
    """A worker that runs probes in this process on ``module`` and says each call took ``seconds``."""

    def __init__(self, module, seconds):
        self.module, self.seconds = module, iter(seconds)

    def timed_call(self, probe, **inputs):
        return probe(self.module, **inputs), next(self.seconds)


def test_suite_timer_turns_calls_into_a_verified_ratio(reference):
    yours = lars_timing.step_timer(StandIn(reference, [0.2] * 6), SMALL, "cpu")
    theirs = lars_timing.step_timer(StandIn(reference, [0.1] * 6), SMALL, "cpu")
    ok, comparison = timing.within_ratio(yours, theirs, max_ratio=lars_timing.MAX_STEP_SLOWDOWN)
    assert ok and comparison.ratio == 2.0
    assert comparison.student_s == 0.2 / lars_timing.TIMED_STEPS
    assert len(yours.event_seconds) == 6 and all(s > 0 for s in yours.event_seconds)
    note = lars_timing.speed_note(comparison, {"your LARS": yours.event_seconds, "SGD": [0.01, 0.03, 0.02]},
                                  "cpu (test)")
    assert "2.00x" in note and "on cpu (test)" in note and note.endswith("SGD 20 ms")


def test_suite_timer_fails_a_step_that_does_other_work(reference):
    class Wrong(StandIn):
        def timed_call(self, probe, **inputs):
            return probe(self.module, **dict(inputs, lr=inputs["lr"] * 2)), next(self.seconds)
    run = lars_timing.step_timer(Wrong(reference, [0.1] * 3), SMALL, "cpu")
    with pytest.raises(GradingFailure, match="the timed steps are wrong"):
        for _ in range(3):  # four of five parameters are checked: a call or two finds it
            run()
