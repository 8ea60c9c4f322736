"""The results.json an assignment reports: gradescope_results, shaped by the assignment's config."""
from __future__ import annotations

from grader.gradescope.config import Assignment
from grader.report.gradescope import gradescope_results
from grader.results import FAILED, GradeReport, TestResult

FAILURE_TITLE = "The autograder could not grade this submission"


def problems_as_test(report: GradeReport) -> None:
    """Make grading-level errors (an unreadable notebook, a missing file) a visible failed test."""
    if report.errors:
        report.tests.insert(0, TestResult(
            name=f"{report.exercise}: problems found before grading", max_score=0.0, status=FAILED,
            output="\n".join(report.errors), visibility="visible"))


def _scale(doc: dict, total_points: float) -> None:
    raw_max = sum(t["max_score"] for t in doc["tests"])
    if raw_max <= 0:
        return
    factor = total_points / raw_max
    for test in doc["tests"]:
        test["score"] = round(test["score"] * factor, 4)
        test["max_score"] = round(test["max_score"] * factor, 4)
    doc["score"] = round(sum(t["score"] for t in doc["tests"]), 4)
    doc["output"] += f"\nPoints scaled to the assignment's total of {total_points:g}: {doc['score']:g}."


def assignment_results(reports: list[GradeReport], assignment: Assignment, notes: list[str] = ()) -> dict:
    """The results document for one submission to ``assignment``, built in memory."""
    for report in reports:
        problems_as_test(report)
    doc = gradescope_results(reports)
    for test in doc["tests"]:
        if test["visibility"] == "hidden":
            test["visibility"] = assignment.hidden_visibility
    if assignment.total_points is not None:
        _scale(doc, assignment.total_points)
    if notes:
        doc["output"] = "\n".join([*notes, doc["output"]])
    return doc


def failure_results(message: str, execution_time: float = 0.0, max_score: float = 0.0) -> dict:
    """Score 0 and one visible failed test that says what went wrong."""
    report = GradeReport(exercise="autograder", title=FAILURE_TITLE, execution_time=execution_time,
                         errors=[message])
    report.tests.append(TestResult(name=FAILURE_TITLE, max_score=max_score, status=FAILED,
                                   output=message, visibility="visible"))
    return gradescope_results([report])
