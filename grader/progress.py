"""Progress across exercises, remembered between runs in ``feedback/progress.json``.

After each grading the command line records, per exercise, every test's outcome and the
tasks still unwritten in the student's module (``raise NotImplementedError("Exercise 1.14")``).
A grading with ``-k`` updates only the tests it ran. :func:`overview` turns the file into one
row per exercise: points, tests passing and what to do next, e.g. ``next: Exercise 1.14
`__abs__```, or the first failing test with its hint when something written is wrong.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.report.json_report import write_text_atomic
from grader.results import FAILED, PASSED, GradeReport

STATE_VERSION = 1
_TASK = re.compile(r"^Exercise (\d+)\.(\d+)$")


def default_state_path() -> Path:
    return Path.cwd() / "feedback" / "progress.json"


def load_state(path: Path | None = None) -> dict:
    """The remembered progress; an empty one where there is none (or it cannot be read)."""
    path = Path(path or default_state_path())
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": STATE_VERSION, "exercises": {}}
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        return {"version": STATE_VERSION, "exercises": {}}
    return state


def unwritten_tasks(source: str) -> list[dict]:
    """Functions still raising ``NotImplementedError("Exercise N.k")``, in task order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    tasks = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for statement in ast.walk(node):
            label = _not_implemented_label(statement)
            if label:
                doc = (ast.get_docstring(node) or "").replace("``", "").strip().splitlines()
                tasks.append({"task": label, "name": node.name, "hint": doc[0] if doc else ""})
                break
    return sorted(tasks, key=lambda t: tuple(int(n) for n in _TASK.match(t["task"]).groups()))


def _not_implemented_label(node) -> str:
    if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
        return ""
    call = node.exc
    if not (isinstance(call.func, ast.Name) and call.func.id == "NotImplementedError" and call.args):
        return ""
    first = call.args[0]
    text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
    return text if _TASK.match(text) else ""


def _not_written(output: str) -> bool:
    """The failure comes from a function not written yet (said outright, or as the exception received)."""
    return "is not implemented yet" in output or "NotImplementedError" in output


def _summary(output: str) -> str:
    """The line of a failure that says what to do: its hint, else its first line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    hints = [line.removeprefix("hint:").strip() for line in lines if line.startswith("hint:")]
    return (hints or lines or [""])[0][:200]


def record(report: GradeReport, source: str, *, keyword: str | None = None, path: Path | None = None) -> dict:
    """Merge one grading into the state file and return the new state."""
    path = Path(path or default_state_path())
    state = load_state(path)
    entry = state["exercises"].get(report.exercise, {}) if keyword else {}
    tests = dict(entry.get("tests", {}))
    for test in report.ordered_tests():  # root causes first: "next" names the cause, not a dependant
        tests[test.test_id or test.name] = {
            "title": test.name, "status": test.status, "score": test.score, "max_score": test.max_score,
            "not_written": _not_written(test.output), "summary": _summary(test.output)}
    state["exercises"][report.exercise] = {
        "title": report.title, "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tests": tests, "unwritten": unwritten_tasks(source), "errors": [e.splitlines()[0] for e in report.errors]}
    write_text_atomic(path, json.dumps(state, indent=1, sort_keys=True))
    return state


@dataclass
class Row:
    """One exercise in the progress table."""

    exercise: str
    title: str
    score: float = 0.0
    max_score: float = 0.0
    passed: int = 0
    counted: int = 0
    next_step: str = ""
    graded_at: str = ""


def next_step(entry: dict) -> str:
    """What to do next in one exercise: an import error, a wrong function, or the next task."""
    if entry.get("errors"):
        return f"fix: {entry['errors'][0]}"
    failing = [t for t in entry.get("tests", {}).values() if t["status"] == FAILED]
    wrong = [t for t in failing if not t.get("not_written")]
    if wrong:
        return f"fix: {wrong[0]['title']}" + (f" (hint: {wrong[0]['summary']})" if wrong[0]["summary"] else "")
    if entry.get("unwritten"):
        task = entry["unwritten"][0]
        return f"next: {task['task']} `{task['name']}`" + (f" ({task['hint']})" if task["hint"] else "")
    if failing:
        return f"fix: {failing[0]['title']}"
    return "done"


def overview(state: dict, exercise_ids: list[str], titles: dict[str, str]) -> list[Row]:
    rows = []
    for exercise_id in exercise_ids:
        entry = state.get("exercises", {}).get(exercise_id)
        row = Row(exercise_id, titles.get(exercise_id, ""))
        if entry is None:
            row.next_step = f"not graded yet: grade {exercise_id}"
        else:
            tests = [t for t in entry["tests"].values() if t["status"] in (PASSED, FAILED)]
            row.score = round(sum(t["score"] for t in tests), 6)
            row.max_score = round(sum(t["max_score"] for t in tests), 6)
            row.passed = sum(t["status"] == PASSED for t in tests)
            row.counted = len(tests)
            row.next_step = next_step(entry)
            row.graded_at = entry.get("graded_at", "")
        rows.append(row)
    return rows
