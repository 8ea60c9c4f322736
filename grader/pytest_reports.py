"""pytest's reports turned into :class:`~grader.results.TestResult`: status, points, feedback.

A grading session (:mod:`grader.session`) hands each test's final report here; what the test
is worth, its title, and for a failure the check's own words and hypothesis's smallest
failing input come from the item and its exception. No worker is touched here.
"""
from __future__ import annotations

from grader.compat import BaseExceptionGroup  # novermin (3.10 gets the backport there)
from grader.dependencies import declared
from grader.failure_kinds import NOT_IMPORTED, import_failure, input_matters
from grader.replay import hidden_failure
from grader.results import FAILED, NOT_RUN, PASSED, SKIPPED, TestResult
from grader.sandbox.errors import GradingFailure, SandboxUnavailable

NOT_RUN_PREFIX = "NOT_RUN: "  # a skip that means "runs where the reference is" (not a skip)
# How hypothesis labels the shrunk failing input (the wording changed across versions).
HYPOTHESIS_NOTE_PREFIXES = ("Falsifying example", "Failing test case")
MAX_OUTPUT_CHARS = 2500


def result_of(item, call, report, notes: list[str], in_submission_terms=lambda text: text) -> TestResult:
    """The test's result from its final report: passed with its notes, not run, skipped, or failed
    with a message (``in_submission_terms`` rewrites line numbers, e.g. as notebook cells)."""
    result = build_result(item)
    if report.passed:
        result.status, result.score = PASSED, result.max_score
        result.output = "\n".join(notes)
    elif report.skipped:
        reason = _skip_reason(report)
        result.status = NOT_RUN if reason.startswith(NOT_RUN_PREFIX) else SKIPPED
        result.output = reason.removeprefix(NOT_RUN_PREFIX)
    elif call.excinfo is not None and import_failure(call.excinfo.value) is not None:
        result.status, result.output = FAILED, NOT_IMPORTED
        result.extras["blocked_by"] = "import"
    else:
        result.status = FAILED
        params = tuple(getattr(getattr(item, "callspec", None), "params", {}))
        message = failure_message(call.excinfo, known=params)
        if result.needs_reference:  # a hidden test: never the reference's value, and a replay code
            message = hidden_failure(message, item.path.stem.removeprefix("test_"), item.name,
                                     _notes(call.excinfo))
        result.output = in_submission_terms("\n".join([message, *notes]))[:MAX_OUTPUT_CHARS]
    return result


def build_result(item) -> TestResult:
    points = item.get_closest_marker("points")
    hidden = item.get_closest_marker("hidden") is not None
    visibility = item.get_closest_marker("visibility")
    checked, uses = declared(item)  # root cause first (grader/dependencies.py)
    return TestResult(
        name=test_title(item),
        test_id=item.name,
        max_score=float(points.args[0]) if points else 1.0,
        visibility=visibility.args[0] if visibility else ("hidden" if hidden else "visible"),
        needs_reference=hidden,
        extras={"gpu": True} if item.get_closest_marker("gpu") is not None else {},
        checks=checked,
        depends_on=uses,
    )


def test_title(item) -> str:
    """The docstring's first line (or the function name), plus the parameter id."""
    function = getattr(item, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip().splitlines()
    title = doc[0].rstrip(".") if doc else item.name.split("[")[0]
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec else title


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _first_exception(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def failure_message(excinfo, known: tuple[str, ...] = ()) -> str:
    """A short message for the student: the check's own words, and hypothesis's example.

    ``known``: arguments the test's title already shows (its parameters), left out of the example.
    """
    if excinfo is None:
        return "failed"
    outer = excinfo.value
    exc = _first_exception(outer)
    if isinstance(exc, GradingFailure):
        text = str(exc)
    elif isinstance(exc, AssertionError):
        text = str(exc).split("\nassert ")[0] or "a check failed"
    elif isinstance(exc, SandboxUnavailable):
        text = f"Grading error (not your fault): {exc}"
    else:
        text = f"Grading error (not your fault): {type(exc).__name__}: {exc}"
    notes = _notes(excinfo)
    example = smallest_example(notes, known) if input_matters(outer) else ""
    if example:
        text += "\nSmallest failing input found: " + example
    return text


def _notes(excinfo) -> list[str]:
    outer = excinfo.value if excinfo is not None else None
    return getattr(_first_exception(outer), "__notes__", None) or getattr(outer, "__notes__", None) or []


def smallest_example(notes: list[str], known: tuple[str, ...] = ()) -> str:
    """The shrunk input from hypothesis's notes: drawn arguments, then interactive draws.

    Arguments named in ``known`` (the test's parameters, shown in its title) are left out.
    """
    heads = [n for n in notes if n.startswith(HYPOTHESIS_NOTE_PREFIXES)]
    if not heads:
        return ""
    draws = [n.split(": ", 1)[-1] for n in notes if n.startswith("Draw ")]
    return ", ".join(filter(None, [_drawn_arguments(heads[0], known), *draws]))


_FIXTURES = ("student=", "reference=", "record=", "feedback_dir=", "gpu_device=")  # not drawn inputs


def _drawn_arguments(note: str, known: tuple[str, ...] = ()) -> str:
    """'x=5, y=[]' from hypothesis's note, without the fixtures (and ``known`` arguments) it also lists."""
    skip = _FIXTURES + tuple(f"{name}=" for name in known)
    lines = [line.strip().rstrip(",") for line in note.splitlines()[1:-1]]
    drawn = [line for line in lines if line and not line.startswith(skip) and line != "data=data(...)"]
    return ", ".join(drawn)
