"""Hypothesis settings for grading: deterministic, no deadline, no example database.

``derandomize`` makes every run draw the same examples, so a grade never depends on luck
and a student sees the same smallest failing input every time.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE = "grading"
# The kit's own tests grade dozens of submissions; they may ask for fewer examples per test.
EXAMPLES_VARIABLE = "GRADER_HYPOTHESIS_EXAMPLES"


def _register() -> None:
    settings.register_profile(PROFILE, deadline=None, derandomize=True, database=None,
                              print_blob=False, max_examples=int(os.environ.get(EXAMPLES_VARIABLE, 50)),
                              suppress_health_check=list(HealthCheck),
                              # "explain" reruns a failing test ~100 times for notes we do not show.
                              phases=[phase for phase in Phase if phase.name != "explain"])


def load() -> str:
    """Make the grading profile current; return the name of the one it replaces."""
    current = getattr(settings, "get_current_profile_name", None)  # hypothesis >= 6.131
    previous = current() if current else (settings._current_profile or "default")
    _register()
    settings.load_profile(PROFILE)
    return previous


def restore(previous: str) -> None:
    """Put back the profile that was current before grading (someone else's tests use it)."""
    settings.load_profile(previous)
