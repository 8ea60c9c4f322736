"""Check a ``results.json`` document against Gradescope's specification.

https://gradescope-autograders.readthedocs.io/en/latest/specs/ -- the fields the kit writes:
``score``, ``execution_time``, ``output``, ``tests[]`` (``name``, ``number``, ``score``,
``max_score``, ``status``, ``output``, ``output_format``, ``tags``, ``visibility``) and
``leaderboard[]`` (``name``, ``value``, ``order``).
"""
from __future__ import annotations

import math

from grader.results import VISIBILITIES

STATUSES = ("passed", "failed")
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
ORDERS = ("asc", "desc")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_test(index: int, test, problems: list[str]) -> None:
    where = f"tests[{index}]"
    if not isinstance(test, dict):
        problems.append(f"{where} is not an object")
        return
    if not isinstance(test.get("name"), str) or not test["name"]:
        problems.append(f"{where}.name must be a non-empty string")
    if not isinstance(test.get("number"), str):
        problems.append(f"{where}.number must be a string such as '1.2'")
    for key in ("score", "max_score"):
        if not _number(test.get(key)):
            problems.append(f"{where}.{key} must be a finite number, got {test.get(key)!r}")
    if _number(test.get("score")) and _number(test.get("max_score")) and \
            not 0 <= test["score"] <= test["max_score"] + 1e-9:
        problems.append(f"{where}: score {test['score']} is outside 0 .. max_score {test['max_score']}")
    if test.get("status") not in STATUSES:
        problems.append(f"{where}.status must be one of {STATUSES}, got {test.get('status')!r}")
    if not isinstance(test.get("output"), str):
        problems.append(f"{where}.output must be a string")
    if test.get("output_format") not in OUTPUT_FORMATS:
        problems.append(f"{where}.output_format must be one of {OUTPUT_FORMATS}")
    if "tags" in test and not (isinstance(test["tags"], list) and all(isinstance(t, str) for t in test["tags"])):
        problems.append(f"{where}.tags must be a list of strings")
    if test.get("visibility") not in VISIBILITIES:
        problems.append(f"{where}.visibility must be one of {VISIBILITIES}, got {test.get('visibility')!r}")


def _check_leaderboard(board, problems: list[str]) -> None:
    if not isinstance(board, list):
        problems.append("leaderboard must be a list")
        return
    for index, entry in enumerate(board):
        where = f"leaderboard[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"name", "value", "order"}:
            problems.append(f"{where} must be an object with exactly name, value and order")
            continue
        if not isinstance(entry["name"], str) or not entry["name"]:
            problems.append(f"{where}.name must be a non-empty string")
        if not (_number(entry["value"]) or isinstance(entry["value"], str)):
            problems.append(f"{where}.value must be a finite number or a string")
        if entry["order"] not in ORDERS:
            problems.append(f"{where}.order must be 'asc' or 'desc'")


def validate_results(doc) -> list[str]:
    """Every way ``doc`` departs from the specification; an empty list when it conforms."""
    if not isinstance(doc, dict):
        return ["results.json must hold a JSON object"]
    problems: list[str] = []
    if not _number(doc.get("score")):
        problems.append(f"score must be a finite number, got {doc.get('score')!r}")
    if not _number(doc.get("execution_time")) or doc.get("execution_time", 0) < 0:
        problems.append("execution_time must be a non-negative number of seconds")
    if not isinstance(doc.get("output"), str):
        problems.append("output must be a string")
    if doc.get("output_format", "text") not in OUTPUT_FORMATS:
        problems.append(f"output_format must be one of {OUTPUT_FORMATS}")
    if doc.get("stdout_visibility", "hidden") not in VISIBILITIES:
        problems.append(f"stdout_visibility must be one of {VISIBILITIES}")
    tests = doc.get("tests")
    if not isinstance(tests, list) or not tests:
        problems.append("tests must be a non-empty list (a failure is a visible failed test)")
        tests = []
    for index, test in enumerate(tests):
        _check_test(index, test, problems)
    numbers = [t.get("number") for t in tests if isinstance(t, dict)]
    if len(set(numbers)) != len(numbers):
        problems.append("test numbers must be unique")
    if tests and _number(doc.get("score")) and all(isinstance(t, dict) and _number(t.get("score")) for t in tests):
        total = sum(t["score"] for t in tests)
        if abs(total - doc["score"]) > 1e-3 * max(1.0, abs(total)):
            problems.append(f"score {doc['score']} differs from the sum of the tests' scores {total}")
    if "leaderboard" in doc:
        _check_leaderboard(doc["leaderboard"], problems)
    return problems
