"""Gradescope's ``results.json``, built in memory from the result model."""
from __future__ import annotations

import json

from grader.report.gradescope_text import escape, markdown_output, student_output_block, tags, test_number
from grader.report.json_report import write_text_atomic
from grader.results import NOT_RUN, PASSED, SKIPPED, GradeReport


def gradescope_results(reports: list[GradeReport]) -> dict:
    """The results.json document for one or more graded exercises."""
    tests, leaderboard, lines, printed = [], [], [], []
    for report in reports:
        lines += [f"{report.exercise}: {e}" for e in report.errors]
        printed.append(student_output_block(report.import_output,
                                            f"{report.exercise}: your module printed while being imported:"))
        for index, test in enumerate(report.ordered_tests(), start=1):
            if test.status in (NOT_RUN, SKIPPED):
                # Worth nothing here; say so rather than count a silent pass.
                output = f"Not run: {test.output}"
                status, score, max_score = "failed", 0.0, 0.0
            else:
                output, status, score, max_score = report.feedback(test), test.status, test.score, test.max_score
            tests.append({
                "name": f"{report.exercise}: {test.name}" if len(reports) > 1 else test.name,
                "number": test_number(report.exercise, index),
                "score": round(score, 4),
                "max_score": round(max_score, 4),
                "status": "passed" if status == PASSED else "failed",
                "output": "\n\n".join(filter(None, [markdown_output(output),
                                                      student_output_block(test.student_output)])),
                "output_format": "md",
                "tags": tags(report.exercise, test.name),
                "visibility": test.visibility,
            })
        leaderboard += [{"name": e.name, "value": e.value, "order": e.order} for e in report.leaderboard]
    score = round(sum(r.score for r in reports), 4)
    total = round(sum(r.max_score for r in reports), 4)
    lines.append(f"Score: {score:g} / {total:g}")
    devices = sorted({r.device for r in reports})
    lines.append(f"Measured on: {', '.join(devices)}")
    results = {
        "score": score,
        "execution_time": round(sum(r.execution_time for r in reports), 2),
        "output": "\n\n".join([*(escape(line) for line in lines), *filter(None, printed)]),
        "output_format": "md",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    if leaderboard:
        results["leaderboard"] = leaderboard
    return results


def write_gradescope(reports: list[GradeReport], path) -> None:
    write_text_atomic(path, json.dumps(gradescope_results(reports), indent=2))
