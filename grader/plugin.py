"""The kit's pytest entry point (registered as a ``pytest11`` plugin): inert unless grading.

It adds the ``--submission`` options and nothing else to every pytest run in the
environment. ``pytest grader/suites/test_exercise3.py --submission PATH`` opens a grading
run here, through the same library call as ``grade`` (:func:`grader.grading_run.open_run`);
``grade`` opens its own and hands it over with :func:`activate`. Everything a grading suite
needs -- markers, fixtures, the hypothesis profile, the hooks that turn reports into
results -- lives in ``grader/suites/conftest.py``, which pytest loads only for the suites.
"""
from __future__ import annotations

import pytest

__tracebackhide__ = True
SESSION_KEY = pytest.StashKey["GradingSession"]()
RUN_KEY = pytest.StashKey["GradingRun"]()  # a run this plugin opened, and so must close


def pytest_addoption(parser):
    group = parser.getgroup("grader", "grading a submission with the kit's suites")
    group.addoption("--submission", default=None, help="the submission to grade (.py, .ipynb, folder, .zip)")
    group.addoption("--solutions", default=None, help="folder of reference solutions")
    group.addoption("--sandbox", default="auto", choices=("auto", "require", "off"),
                    help="drop to an unprivileged user for the worker when root (auto), always (require)")


def active_session(config):
    """The grading session of this pytest run, or None when it is not a grading run."""
    return config.stash.get(SESSION_KEY, None)


def activate(config, session) -> None:
    config.stash[SESSION_KEY] = session


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if active_session(config) is None and config.getoption("--submission", None):
        _open_run_from_options(config)


def _open_run_from_options(config) -> None:
    """``pytest grader/suites/test_exercise3.py --submission PATH`` grades without the CLI."""
    from grader.grading_run import open_run
    from grader.submission import MissingSubmission
    names = [a for a in config.args if "test_exercise" in a]
    if not names:
        raise pytest.UsageError("--submission needs a suite file such as grader/suites/test_exercise3.py")
    exercise_id = names[0].rsplit("test_", 1)[-1].split(".py")[0]
    try:
        run = open_run(exercise_id, config.getoption("--submission"), solutions_dir=config.getoption("--solutions"),
                       sandbox=config.getoption("--sandbox"))
    except (KeyError, MissingSubmission) as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[RUN_KEY] = run
    activate(config, run.session)


def pytest_unconfigure(config):
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        run.close()
