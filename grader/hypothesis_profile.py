"""Hypothesis settings for grading: deterministic, no deadline, no example database.

Every test of a grading draws from one seed taken from the grading secret
(:mod:`grader.secret`): the same secret (one regrade, one Gradescope zip, one install) draws
the same examples, so a grade never depends on luck and a student sees the same smallest
failing input every time; another secret draws others, so a submission cannot be written
against the inputs a copy of the kit would show (hypothesis's ``derandomize`` would fix
them by each test's source, for everyone).
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE = "grading"
# The kit's own tests grade dozens of submissions; they may ask for fewer examples per test.
EXAMPLES_VARIABLE = "GRADER_HYPOTHESIS_EXAMPLES"


def _register() -> None:
    settings.register_profile(PROFILE, deadline=None, derandomize=False, database=None,
                              print_blob=True, max_examples=int(os.environ.get(EXAMPLES_VARIABLE, 50)),
                              suppress_health_check=list(HealthCheck),
                              # print_blob: a hidden test's failure gets a replay code (grader.replay).
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


def force_seed():
    """Make the grading secret's seed hypothesis's for every test; return the one it replaces.

    The seed is hypothesis's own global one (what its pytest plugin's ``--hypothesis-seed``
    sets); one given there is kept.
    """
    from hypothesis import core

    from grader import secret
    previous = core.global_force_seed
    if previous is None:
        core.global_force_seed = secret.draw("hypothesis examples", 0, 2**32 - 1)
    return previous


def restore_seed(previous) -> None:
    from hypothesis import core
    core.global_force_seed = previous
