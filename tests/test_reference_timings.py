"""The reference's remembered timings: they only ever decide a pass, and the faster measurement is kept."""
from __future__ import annotations

import pytest

from grader.checks import reference_timings, timing
from tests.test_timing import timer


@pytest.fixture(autouse=True)
def _nothing_remembered():
    reference_timings.forget_all()
    yield
    reference_timings.forget_all()


def remembered(values, log, tmp_path, label="products", source="def f(): pass\n"):
    reference = tmp_path / "reference.py"
    reference.write_text(source)

    class Reference:  # what the suites pass: a worker whose file is the reference
        submission = reference
    return reference_timings.remembered(Reference, label, timer(values, log, "B"))


def test_a_second_comparison_times_only_the_student(tmp_path):
    log = []
    reference = remembered([1.0] * 6, log, tmp_path)
    ok, first = timing.within_ratio(timer([1.0] * 6, log, "A"), reference, max_ratio=2.0)
    assert ok and not first.reference_remembered and log == ["A", "B"] * 6
    log.clear()
    ok, second = timing.within_ratio(timer([1.5] * 6, log, "A"), reference, max_ratio=2.0)
    assert ok and second.reference_remembered and log == ["A"] * 6  # a warm-up and five blocks
    assert second.reference.seconds == first.reference.seconds
    assert "the reference's blocks measured earlier on this machine" in second.describe("cpu")


def test_a_slow_student_is_failed_only_by_fresh_rounds_side_by_side(tmp_path):
    log = []
    reference = remembered([1.0] * 6 + [1.0] * 11, log, tmp_path)
    timing.within_ratio(timer([1.0] * 6, log, "A"), reference, max_ratio=2.0)
    log.clear()
    ok, comparison = timing.within_ratio(timer([5.0] * 6 + [5.0] * 11, log, "A"), reference, max_ratio=2.0)
    assert not ok and comparison.outcome == timing.FAIL and not comparison.reference_remembered
    assert comparison.rounds == 3  # the remembered round, then two fresh ones as without it
    assert log == ["A"] * 6 + ["A", "B"] * 6 + ["A", "B"] * 5


def test_a_fresh_pass_after_a_remembered_failure_passes(tmp_path):
    """Remembered blocks measured on a quiet machine, the student under load: fresh rounds decide."""
    log = []
    reference = remembered([1.0] * 6 + [3.0] * 6, log, tmp_path)
    timing.within_ratio(timer([1.0] * 6, log, "A"), reference, max_ratio=2.0)
    ok, comparison = timing.within_ratio(timer([5.0] * 6 + [5.0] * 6, log, "A"), reference, max_ratio=2.0)
    assert ok and comparison.outcome == timing.PASS and not comparison.reference_remembered


def test_the_faster_measurement_is_kept_and_reuses_run_out(tmp_path, monkeypatch):
    monkeypatch.setattr(reference_timings, "REUSES", 2)
    reference = remembered([], [], tmp_path)
    slow, fast = timing.Samples((3.0, 3.0)), timing.Samples((1.0, 2.0))
    reference.remember(fast)
    reference.remember(slow)  # measured under load: not the yardstick
    assert reference.known() is fast and reference.known() is fast and reference.known() is None
    reference.remember(slow)
    assert reference.known() is fast  # measured again: the count starts over, the faster kept


def test_another_reference_or_label_remembers_nothing(tmp_path):
    reference = remembered([], [], tmp_path)
    reference.remember(timing.Samples((1.0,)))
    assert remembered([], [], tmp_path, label="other").known() is None
    other = tmp_path / "other"
    other.mkdir()
    assert remembered([], [], other).known() is not None  # same source, same label: same entry
    assert remembered([], [], other, source="def g(): pass\n").known() is None
