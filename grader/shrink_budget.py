"""Hypothesis's search for the smallest failing input, bounded in time where a grading asks.

A buggy submission can make hypothesis shrink for minutes (up to five, by its own limit), which
in a class regrade is time taken from everyone. ``grade batch`` gives each test's search a
budget (``Limits.shrink_s``): hypothesis stops shrinking when it is spent (its own
``MAX_SHRINKING_SECONDS``, documented as the setting to patch for this) and the failure is
reported with the input found so far, its result saying that it may not be the smallest.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

# Hypothesis's report when it gives up shrinking (hypothesis.internal.conjecture.engine).
GAVE_UP_WORDS = "stopped because it is making very slow progress"


@dataclass
class ShrinkBudget:
    seconds: float | None
    spent: bool = False  # the search was stopped by the budget

    def saw(self, reported: str) -> None:
        """Hypothesis's reports for the test (its pytest plugin keeps them on the item)."""
        self.spent = self.spent or GAVE_UP_WORDS in reported

    def note(self) -> str:
        return (f"The search for a smaller failing input was stopped after {self.seconds:g} s (this "
                "grading's limit): the input shown fails, but may not be the smallest one.")


@contextlib.contextmanager
def bounded(seconds: float | None):
    """Within the block, hypothesis shrinks for at most ``seconds`` (None: its own limit)."""
    budget = ShrinkBudget(seconds)
    if seconds is None:
        yield budget
        return
    from hypothesis.internal.conjecture import engine
    from hypothesis.reporting import current_reporter, with_reporter

    passed_on = current_reporter()

    def reporter(value) -> None:
        budget.saw(str(value))
        if not budget.spent:
            passed_on(value)

    before = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = seconds
    try:
        with with_reporter(reporter):
            yield budget
    finally:
        engine.MAX_SHRINKING_SECONDS = before
