"""What the ``grade`` command does around a grading for a student: choose the tests, list
them, remember progress, show the progress table, and watch the file.

Kept out of :mod:`grader.cli`, which only parses arguments and prints reports.
"""
from __future__ import annotations

from rich.console import Console

from grader import exercises, progress
from grader.points import SuiteNotCollected, collect_items, suite_tests
from grader.selection import matching
from grader.submission import resolve


class UsageError(ValueError):
    """A command line that cannot be carried out (exit status 2)."""


def targets(target: str, keyword: str | None) -> list[str]:
    """The exercises to grade; with ``keyword``, those it selects a test of (none: a usage error)."""
    ids = [e.id for e in exercises.available()] if target == "all" else [exercises.get(target).id]
    if not keyword or len(ids) == 1:  # one exercise: its grading says when -k selects nothing
        return ids
    try:
        selected = [i for i in ids if matching(collect_items(exercises.get(i)), keyword)]
    except SuiteNotCollected:
        return ids  # the grading reports the suite's problem itself
    if not selected:
        raise UsageError(_selects_nothing(target, keyword, "grade exerciseN --list"))
    return selected


def _selects_nothing(target: str, keyword: str, where: str) -> str:
    return (f"no test of {target} matches -k {keyword!r} (`{where}` shows the ids and titles; "
            "-k takes words of either, or a pytest -k expression)")


def check_selected(report, keyword: str | None) -> None:
    """A grading in which ``-k`` selected no test is a usage error (exit status 2)."""
    if keyword and not report.tests and any(e.startswith("No test of ") for e in report.errors):
        raise UsageError(_selects_nothing(report.exercise, keyword, f"grade {report.exercise} --list"))


def list_tests(ids: list[str], console: Console) -> int:
    from grader.report.overview import render_tests
    for exercise_id in ids:
        render_tests(exercise_id, suite_tests(exercises.get(exercise_id)), console)
    return 0


def submission_source(exercise_id: str, submission) -> str:
    """The text of the module that was graded (a notebook's is made from its cells)."""
    resolved = resolve(submission, exercises.get(exercise_id))
    try:
        return resolved.module_path.read_text(encoding="utf-8", errors="replace") if resolved.module_path else ""
    except OSError:
        return ""
    finally:
        resolved.cleanup()


def remember(report, args) -> None:
    """Record a grading in the progress file (a grading that could not run leaves it as it was)."""
    if not report.tests:
        return
    try:
        progress.record(report, submission_source(report.exercise, args.submission), keyword=args.keyword)
    except OSError as exc:  # a folder that cannot be written: the grading itself is not affected
        report.notes.append(f"progress not saved ({exc})")


def show_progress(console: Console) -> int:
    from grader.report.overview import render_progress
    available = exercises.available()
    rows = progress.overview(progress.load_state(), [e.id for e in available], {e.id: e.title for e in available})
    render_progress(rows, console)
    if not any(r.graded_at for r in rows):
        console.print("Nothing graded yet in this folder: run `grade exercise1` (progress is kept in "
                      f"{progress.default_state_path()}).")
    return 0


def watch(ids: list[str], args, console: Console) -> int:
    from grader.watch import watch as watch_loop
    if len(ids) != 1:
        raise UsageError("--watch grades one exercise: grade exerciseN --watch")
    try:
        watch_loop(ids[0], args.submission, console=console, on_graded=lambda r: remember(r, args),
                   solutions_dir=args.solutions, feedback_dir=args.feedback_dir, sandbox=args.sandbox,
                   keyword=args.keyword)
    except KeyboardInterrupt:
        console.print("Stopped watching.")
    return 0


def replay(argv: list[str], console: Console) -> int:
    """``grade replay CODE``: a failed hidden test's input, run on the student's own code."""
    import argparse

    from grader import api, replay as replays
    from grader.points import collect_items
    parser = argparse.ArgumentParser(prog="grade replay", description="Run a failed hidden test's input on your "
                                     "code and show what it returns (the code is in that test's feedback).")
    parser.add_argument("code", help="the replay code, e.g. 'exercise3:test_name:6.1.2:AbC='")
    parser.add_argument("--submission", help="a .py module, .ipynb notebook, folder or .zip (default: your "
                                             "working copy in exercises/)")
    parser.add_argument("--sandbox", choices=("auto", "require", "off"), default="auto")
    args = parser.parse_args(argv)
    try:
        chosen = replays.parse(args.code)
        exercise = exercises.get(chosen.exercise)
        if chosen.test_id not in {item.name for item in collect_items(exercise)}:
            raise UsageError(f"{chosen.exercise} has no test {chosen.test_id!r} (was the code made with another "
                             "version of the kit?)")
    except replays.ReplayCodeError as exc:
        raise UsageError(str(exc)) from None
    report = api.grade(exercise.id, args.submission, sandbox=args.sandbox, replay=chosen,
                       feedback_dir=None)
    for message in report.errors:
        console.print(message, soft_wrap=True, markup=False)
    for test in report.tests:
        console.print(f"{exercise.id}: {test.name}", style="bold", soft_wrap=True, markup=False)
        console.print(test.output, soft_wrap=True, markup=False)
        if test.student_output:
            console.print("your output:\n" + test.student_output, soft_wrap=True, markup=False)
    return 0 if report.tests and not report.errors else 1
