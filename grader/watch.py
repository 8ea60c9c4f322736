"""``grade EXERCISE --watch``: grade again each time the submission is saved.

The submission's modification time is polled (no extra dependency). The first grading
lists the failing tests first; each later one prints only what changed: tests that now
pass, tests that now fail (with their message), failures whose message changed, and the
new total. ``max_rounds`` ends the loop after that many gradings (tests use it).
"""
from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader.report.terminal import indent, render
from grader.results import FAILED, PASSED, GradeReport


def last_modified(path: Path) -> float:
    """The newest modification time of a file, or of any file in a folder."""
    path = Path(path)
    if path.is_dir():
        return max((p.stat().st_mtime_ns for p in path.rglob("*") if p.is_file()), default=0)
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0  # being saved (removed and written again): the next poll sees it


def failing_first(report: GradeReport) -> GradeReport:
    """The same report with its failing tests listed before the others (order otherwise kept)."""
    tests = sorted(report.tests, key=lambda t: t.status != FAILED)
    return GradeReport(**{**report.__dict__, "tests": tests})


def changes(previous: GradeReport, report: GradeReport) -> list[str]:
    """What differs between two gradings of the same exercise, in lines to print (markup)."""
    before = {t.test_id or t.name: t for t in previous.tests}
    lines = []
    for test in report.tests:
        old = before.get(test.test_id or test.name)
        if test.status == PASSED and (old is None or old.status != PASSED):
            lines.append(f"[green]now passing[/] {escape(test.name)} (+{test.score:g})")
        elif test.status == FAILED and (old is None or old.status != FAILED):
            lines.append(f"[red]now failing[/] {escape(test.name)}\n[dim]{escape(indent(test.output, 6))}[/]")
        elif test.status == FAILED and old.output != test.output:
            lines.append(f"[yellow]still failing, differently[/] {escape(test.name)}\n"
                         f"[dim]{escape(indent(test.output, 6))}[/]")
    for error in report.errors:
        if error not in previous.errors:
            lines.append(f"[bold red]Error:[/] {escape(error)}")
    return lines


def watch(exercise_id: str, submission=None, *, console: Console | None = None, interval_s: float = 1.0,
          max_rounds: int | None = None, grade=None, sleep=time.sleep, on_graded=None, **grade_kwargs) -> int:
    """Grade ``exercise_id`` now and after every save of the submission; return the rounds graded.

    Args:
        submission: what to grade (default: the working copy in ``exercises/``).
        interval_s: seconds between two looks at the file's modification time.
        max_rounds: stop after this many gradings (default: until interrupted).
        grade: the grading function (default :func:`grader.api.grade`).
        on_graded: called with each report (the command line records progress with it).
    """
    from grader import api, exercises
    from grader.submission import default_submission
    console = console or Console(highlight=False)
    grade = grade or api.grade
    path = Path(submission) if submission is not None else default_submission(exercises.get(exercise_id))
    seen, previous, rounds = None, None, 0
    while max_rounds is None or rounds < max_rounds:
        stamp = last_modified(path)
        if stamp != seen:
            seen = stamp
            report = grade(exercise_id, submission, **grade_kwargs)
            rounds += 1
            _show(previous, report, console, rounds)
            previous = report
            if on_graded is not None:
                on_graded(report)
            continue
        sleep(interval_s)
    return rounds


def _show(previous: GradeReport | None, report: GradeReport, console: Console, rounds: int) -> None:
    if previous is None:
        render(failing_first(report), console)
    else:
        lines = changes(previous, report)
        console.rule(f"[bold]{report.exercise}[/] saved, graded again ({rounds})")
        for line in lines or ["no test changed"]:
            console.print(line)
        console.print(f"[bold]Total: {previous.score:g} -> {report.score:g} / {report.max_score:g}[/]")
    console.print(f"[dim]Watching {escape(report.exercise)}: save your file to grade again, Ctrl+C to stop.[/]")
