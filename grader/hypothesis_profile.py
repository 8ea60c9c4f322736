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


def register() -> None:
    settings.register_profile(PROFILE, deadline=None, derandomize=True, database=None,
                              print_blob=False, max_examples=int(os.environ.get(EXAMPLES_VARIABLE, 50)),
                              suppress_health_check=list(HealthCheck),
                              # "explain" reruns a failing test ~100 times for notes we do not show.
                              phases=[phase for phase in Phase if phase.name != "explain"])


def load() -> None:
    settings.load_profile(PROFILE)
