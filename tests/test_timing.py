"""The timing statistics, driven by synthetic timing callables (nothing is really timed here)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grader.checks import timing


def timer(values, log=None, name=""):
    """A timing callable that returns the given seconds one after another (and logs its calls)."""
    values = iter(values)

    def run() -> float:
        if log is not None:
            log.append(name)
        return next(values)
    return run


def test_quartiles_and_spread_of_samples():
    samples = timing.Samples((5.0, 1.0, 2.0, 4.0, 3.0))
    assert timing.quartiles(samples.seconds) == (2.0, 3.0, 4.0)
    assert samples.median == 3.0 and samples.iqr == 2.0 and samples.best == 1.0
    assert abs(samples.relative_spread - 2 / 3) < 1e-12
    assert timing.quartiles([0.7]) == (0.7, 0.7, 0.7)
    assert samples.text() == "3 s (IQR 2 s, fastest 1 s)"


def test_durations_are_written_in_readable_units():
    assert timing.duration(2.5) == "2.5 s"
    assert timing.duration(0.00231) == "2.31 ms"
    assert timing.duration(5.12e-4) == "512 us"


def test_interleaved_alternates_after_an_unmeasured_warm_up():
    log = []
    comparison = timing.interleaved(timer([9.0, 1, 1, 1], log, "A"), timer([9.0, 2, 2, 2], log, "B"), blocks=3)
    assert log == ["A", "B"] * 4
    assert comparison.student.seconds == (1, 1, 1) and comparison.reference.seconds == (2, 2, 2)
    assert comparison.blocks == 3 and comparison.ratio == 0.5


def test_each_student_block_is_compared_with_the_fastest_reference_block():
    comparison = timing.SpeedComparison(timing.Samples((1.5, 3.0, 1.8)), timing.Samples((2.0, 1.0, 4.0)))
    assert comparison.ratios == [1.5, 3.0, 1.8] and comparison.ratio == 1.8
    assert comparison.student_s == 1.8 and comparison.reference_s == 2.0


def test_clear_pass_is_measured_once():
    calls = []
    ok, comparison = timing.within_ratio(timer([1.0] * 6, calls, "A"), timer([1.0] * 6), max_ratio=2.0)
    assert ok and comparison.outcome == timing.PASS and comparison.rounds == 1 and len(calls) == 6
    assert "undecided" not in comparison.describe("cpu")


def test_clear_failure_is_remeasured_then_fails():
    ok, comparison = timing.within_ratio(timer([5.0] * 12), timer([1.0] * 12), max_ratio=2.0)
    assert not ok and comparison.outcome == timing.FAIL and comparison.rounds == 2
    assert comparison.ratio == 5.0


def test_failure_that_passes_when_measured_again_passes():
    student = timer([5.0] * 6 + [1.2] * 5)
    ok, comparison = timing.within_ratio(student, timer([1.0] * 11), max_ratio=2.0)
    assert ok and comparison.outcome == timing.PASS and comparison.rounds == 2
    assert comparison.ratio == 1.2


def test_too_noisy_to_decide_is_undecided_and_costs_nothing():
    # Three blocks in five over the bound, two within it, in both rounds.
    noisy = [1.0] + [3.0, 1.0, 3.0, 1.0, 3.0] * 2
    ok, comparison = timing.within_ratio(timer(noisy), timer([1.0] * 11), max_ratio=2.0)
    assert ok and comparison.outcome == timing.UNDECIDED and comparison.undecided and comparison.rounds == 2
    assert comparison.ratio == 3.0 and comparison.ratio_quartiles == (1.0, 3.0)
    assert "undecided: too noisy" in comparison.describe("cpu")


def test_one_fast_block_in_five_is_not_enough_to_be_undecided():
    mostly_slow = [1.0] + [3.0, 3.0, 1.0, 3.0, 3.0] * 2
    ok, comparison = timing.within_ratio(timer(mostly_slow), timer([1.0] * 11), max_ratio=2.0)
    assert not ok and comparison.outcome == timing.FAIL


@given(base=st.floats(2.1, 50), delays=st.lists(st.floats(0, 10), min_size=11, max_size=11),
       reference=st.lists(st.floats(0.5, 2), min_size=11, max_size=11))
def test_noise_a_slow_submission_adds_never_makes_it_undecided(base, delays, reference):
    """Added delays only lengthen the student's blocks: every pair over the bound means fail."""
    student = [base * r + d for r, d in zip(reference, delays)]
    ok, comparison = timing.within_ratio(timer(student), timer(reference), max_ratio=2.0)
    assert not ok and comparison.outcome == timing.FAIL


@given(true_s=st.floats(0.5, 2), base=st.floats(2.1, 50), slowed=st.lists(st.floats(0, 100), min_size=11, max_size=11),
       clean=st.tuples(st.integers(1, 5), st.integers(6, 10)))
def test_slowing_the_reference_down_never_helps_a_slow_submission(true_s, base, slowed, clean):
    """A submission that slows the reference in every block but one per round still fails."""
    reference = [true_s + (0 if i in clean else extra) for i, extra in enumerate(slowed)]  # 0: warm-up
    ok, comparison = timing.within_ratio(timer([base * true_s] * 11), timer(reference), max_ratio=2.0)
    assert not ok and comparison.outcome == timing.FAIL


@given(ratios=st.lists(st.floats(0.1, 20), min_size=10, max_size=10), fast=st.sets(st.integers(0, 4), min_size=2))
def test_two_blocks_in_five_within_the_bound_never_fail(ratios, fast):
    """A submission within the bound in 2 of 5 blocks of every round is never failed."""
    ratios = [0.5 if i % 5 in fast else r for i, r in enumerate(ratios)]
    ok, _ = timing.within_ratio(timer([1.0] + ratios), timer([1.0] * 11), max_ratio=2.0)
    assert ok


def test_measure_skips_the_warm_up():
    samples = timing.measure(timer([100.0, 1.0, 2.0, 3.0]), blocks=3, warmup=1)
    assert samples.seconds == (1.0, 2.0, 3.0)
    assert timing.median_time(timer([4.0, 1.0, 9.0]), blocks=3) == 4.0


def test_cpu_clock_is_read_when_the_system_says_and_left_out_when_not(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\ncpu MHz : 2000.0\nprocessor : 1\ncpu MHz : 3000.0\n")
    assert timing._cpu_clock(cpuinfo) == "2.50 GHz"
    assert timing._cpu_clock(tmp_path / "absent") == ""
    label = timing.device_label("cpu", cpu_detail="1 torch thread")
    assert label.startswith("cpu (") and "1 torch thread" in label


def test_remeasured_asks_again_only_when_the_first_answer_is_rejected():
    answers = iter([0.093, 0.051])
    assert timing.remeasured(lambda: next(answers), lambda s: s < 0.075) == 0.051
    answers = iter([0.093, 0.2, 0.05])
    assert timing.remeasured(lambda: next(answers), lambda s: s < 0.075) == 0.2  # asked twice at most
    calls = []
    assert timing.remeasured(lambda: calls.append(1) or 0.05, lambda s: s < 0.075) == 0.05 and calls == [1]


def test_a_failure_in_one_round_only_is_undecided_not_failed():
    """A burst of load over one round's student blocks does not fail correct code."""
    burst_then_noisy = [1.0] + [5.0] * 5 + [3.0, 1.0, 3.0, 1.0, 3.0]
    ok, comparison = timing.within_ratio(timer(burst_then_noisy), timer([1.0] * 11), max_ratio=2.0)
    assert ok and comparison.outcome == timing.UNDECIDED and comparison.rounds == 2
    undecided_then_failed = [1.0] + [3.0, 1.0, 3.0, 1.0, 3.0] + [5.0] * 5
    ok, comparison = timing.within_ratio(timer(undecided_then_failed), timer([1.0] * 11), max_ratio=2.0)
    assert ok and comparison.outcome == timing.UNDECIDED
