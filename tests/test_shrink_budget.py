"""A regrade's bound on hypothesis's search for the smallest failing input, and its note."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine

from grader import shrink_budget
from grader.sandbox.limits import Limits
from tests.golden.exercise3.buggy import MODULE, MUTANTS


@settings(database=None, derandomize=True, max_examples=200)
@given(st.lists(st.integers(), min_size=5))
def _fails_on_long_lists(values):
    assert len(values) < 5 or sum(values) == 12345


def test_a_spent_budget_stops_the_search_and_says_so():
    before = engine.MAX_SHRINKING_SECONDS
    with shrink_budget.bounded(0) as budget:
        assert engine.MAX_SHRINKING_SECONDS == 0
        with pytest.raises(AssertionError):
            _fails_on_long_lists()
    assert budget.spent and engine.MAX_SHRINKING_SECONDS == before
    assert "stopped after 0 s" in budget.note() and "may not be the smallest" in budget.note()


def test_without_a_budget_hypothesis_shrinks_to_the_end():
    before = engine.MAX_SHRINKING_SECONDS
    with shrink_budget.bounded(None) as budget:
        assert engine.MAX_SHRINKING_SECONDS == before
        with pytest.raises(AssertionError):
            _fails_on_long_lists()
    assert not budget.spent


def test_a_large_budget_is_not_reported_as_spent():
    with shrink_budget.bounded(60) as budget, pytest.raises(AssertionError):
        _fails_on_long_lists()
    assert not budget.spent


def test_a_grading_with_a_spent_budget_says_so_under_the_failure(grade_submission, tmp_path):
    bug = next(m for m in MUTANTS if m.name == "forgets_the_short_last_batch")
    report = grade_submission("exercise3", bug.write(MODULE, tmp_path), keyword="covers", limits=Limits(shrink_s=0))
    (result,) = report.tests
    assert result.status == "failed" and "Smallest failing input found" in result.output
    assert "The search for a smaller failing input was stopped after 0 s" in result.output, result.output
