"""What kind of failure a test ended in, so each problem is reported once, where it belongs.

A module that does not import fails every test the same way: that is one problem, shown
once at the top of the report, not a failure per test. A function that is not written yet
fails for any input, so "the smallest failing input" says nothing there.
"""
from __future__ import annotations

from grader.compat import BaseExceptionGroup  # novermin (3.10 gets the backport there)
from grader.sandbox.errors import SubmissionError

NOT_IMPORTED = ("Not graded: your module could not be imported, or the submission policy refused it "
                "(the reason is at the top of the report).")


def _chain(exc: BaseException | None):
    """``exc`` and every exception it wraps: causes, contexts and members of exception groups."""
    seen, todo = set(), [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        todo += [current.__cause__, current.__context__]


def submission_error(exc: BaseException | None) -> SubmissionError | None:
    """The submission's own exception behind a failure, however a check re-raised it."""
    return next((e for e in _chain(exc) if isinstance(e, SubmissionError)), None)


def import_failure(exc: BaseException | None) -> SubmissionError | None:
    """The failure to import the submission behind ``exc``, if that is what it is."""
    error = submission_error(exc)
    return error if error is not None and error.error.get("stage") == "import" else None


def import_message(error: SubmissionError) -> str:
    """The import failure in the words the report opens with (its line included)."""
    details = error.error
    head = f"Your module could not be imported: {details.get('type', 'Exception')}: {details.get('message', '')}"
    trace = details.get("traceback") or ""
    return head + (f"\n{trace}" if trace else "")


def input_matters(exc: BaseException | None) -> bool:
    """False when any input fails the same way (a function not written yet)."""
    error = submission_error(exc)
    return error is None or error.error_type != "NotImplementedError"
