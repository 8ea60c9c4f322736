"""The library behind the ``grade`` command: grade one exercise, always return a report."""
from __future__ import annotations

import os
import sys
import time
import traceback

import pytest

from grader import exercises, plugin
from grader.devices import device_name
from grader.grading_run import open_run
from grader.replay import Replay
from grader.results import GradeReport
from grader.sandbox.limits import Limits
from grader.selection import KeywordSelection
from grader.session import GradingSession
from grader.submission import MissingSubmission


def grade(exercise_id: str, submission=None, *, solutions_dir=None, feedback_dir=None,
          sandbox: str = "auto", progress=None, keyword: str | None = None,
          limits: Limits = Limits(), replay: Replay | None = None) -> GradeReport:
    """Grade one exercise; problems with the submission end up in the report, not raised.

    Raises only for usage errors: an unknown exercise or a submission path that does not exist.
    ``replay``: run only that hidden test, on its recorded input, without the reference
    (:mod:`grader.replay`).
    """
    started = time.perf_counter()
    exercise = exercises.get(exercise_id)
    report = GradeReport(exercise=exercise.id, title=exercise.title)
    run = None
    try:
        run = open_run(exercise_id, submission, solutions_dir=solutions_dir, feedback_dir=feedback_dir,
                       sandbox=sandbox, limits=limits, progress=progress)
        report = run.session.report
        run.session.replay = replay
        _run_pytest(exercise, run.session, keyword)
    except MissingSubmission:
        raise
    except Exception as exc:  # the grader itself failed: say so, still return a report
        report.errors.append(f"Grading error (not your fault): {type(exc).__name__}: {exc}")
        report.notes.append("".join(traceback.format_exception(exc))[-2000:])
    finally:
        if run is not None:
            run.close()
    report.device = device_name()
    report.execution_time = time.perf_counter() - started
    return report


class _Activator:
    """Hands the session to the plugin before any test runs."""

    def __init__(self, session: GradingSession):
        self.session = session

    def pytest_configure(self, config):
        # The report's messages come from the exception itself (grader.pytest_reports): pytest's
        # own traceback text is never shown, and its default style parses the source of every
        # frame (hypothesis asks for it too), most of a failing test's time. Native is plain text.
        config.option.tbstyle = "native"
        plugin.activate(config, self.session)


def _run_pytest(exercise: exercises.Exercise, session: GradingSession, keyword: str | None) -> None:
    # Plugins a grading does not use stay unloaded (a student waits for every one of them).
    unused = ["no:terminal", "no:cacheprovider", "no:xdist", "no:xdist.looponfail", "no:unraisableexception",
              "no:threadexception"]
    args = [str(exercise.suite), *[arg for plugin in unused for arg in ("-p", plugin)], "--strict-markers",
            "-c", os.devnull, "--rootdir", str(exercise.suite.parent), "-o", "addopts=",
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    selection = [KeywordSelection(keyword)] if keyword else []  # ids and titles (grader/selection.py)
    # The suite is imported afresh: a test's @settings take their unset values (the examples of
    # $GRADER_HYPOTHESIS_EXAMPLES) from the profile current at import, so a suite kept from an
    # earlier grading in this process (a warm batch slot, the kit's own tests) would keep its.
    sys.modules.pop(exercise.suite.stem, None)
    code = pytest.main(args, plugins=[_Activator(session), *selection])
    if code == pytest.ExitCode.NO_TESTS_COLLECTED and keyword:
        session.report.errors.append(f"No test of {exercise.id} matches -k {keyword!r}.")
    elif code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not session.report.tests:
        session.report.errors.append(f"Grading error (not your fault): the suite did not run (pytest exit {code}).")
