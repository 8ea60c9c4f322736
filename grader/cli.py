"""The ``grade`` command: parse arguments, call the library, print and write reports.

Usage::

    grade list
    grade exercise3                       # your working copy, exercises/exercise3_data.py
    grade exercise3 --submission my.ipynb --json report.json
    grade exercise3 --list                # the tests' ids and titles (what -k matches)
    grade exercise3 -k "exactly once"     # words of a test's id or title, or a pytest -k expression
    grade exercise1 --watch               # grade again on every save
    grade progress                        # points, tests passing and what next, per exercise
    grade replay CODE                     # a failed hidden test's input, run on your code
    grade all --gradescope results.json

Course staff (each parses its own arguments; see ``grade COMMAND --help``)::

    grade release [--check]               # exercises/ and notebooks from solutions/
    grade gradescope-build [--assignment NAME]
    grade batch EXERCISE SUBMISSIONS_DIR --jobs N --out grades.csv
"""
from __future__ import annotations

import argparse
import sys

from rich.console import Console

from grader import api, exercises, student_loop
from grader.report.gradescope import write_gradescope
from grader.report.json_report import write_json
from grader.report.progress import ProgressBar
from grader.points import SuiteNotCollected
from grader.report.terminal import render
from grader.submission import MissingSubmission

USAGE_ERROR = 2
COURSE_COMMANDS = ("release", "gradescope-build", "batch")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade", description="Grade the kit's exercises.",
        epilog="course staff: grade release [--check] | grade gradescope-build [--assignment NAME] | "
               "grade batch EXERCISE SUBMISSIONS_DIR --jobs N --out grades.csv (each has --help)")
    parser.add_argument("target", help="an exercise id (exercise1 .. exercise5), 'all', 'list' or 'progress'")
    parser.add_argument("--submission", help="a .py module, .ipynb notebook, folder or .zip (default: your "
                                             "working copy in exercises/)")
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    parser.add_argument("--gradescope", metavar="FILE", help="also write a Gradescope results.json")
    parser.add_argument("--solutions", metavar="DIR", help="reference solutions (default: solutions/)")
    parser.add_argument("--feedback-dir", metavar="DIR", help="where plots go (default: feedback/EXERCISE)")
    parser.add_argument("--sandbox", choices=("auto", "require", "off"), default="auto",
                        help="run student code as an unprivileged user when root: auto (when possible), "
                             "require (fail otherwise), off")
    parser.add_argument("-k", dest="keyword", help="only the tests whose id or title holds these words, or that a "
                                                   "pytest -k expression selects (see --list)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show notes of passed tests too, and each "
                                                                       "test's id (what -k matches)")
    parser.add_argument("--list", dest="list_tests", action="store_true",
                        help="list the exercise's tests (ids, titles, points) instead of grading")
    parser.add_argument("--watch", action="store_true", help="grade again each time the submission is saved")
    return parser


def _list(console: Console) -> int:
    from grader.points import points_of, suite_tests
    for exercise in exercises.available():
        try:
            points = points_of(suite_tests(exercise)).describe()
        except SuiteNotCollected as exc:
            points = f"grading error: {exc}"
        console.print(f"{exercise.id}  {exercise.title}: {points}", soft_wrap=True)
    console.print("Hidden tests compare with the reference solution and run on Gradescope; CUDA tests count "
                  "only on a machine with a GPU.")
    return 0


def _course_command(command: str, argv: list[str]) -> int:
    """The staff subcommands, dispatched before the grading parser (which takes a positional target)."""
    if command == "release":
        from grader.release.cli import main as run
    elif command == "gradescope-build":
        from grader.gradescope.cli import main as run
    else:
        from grader.batch.cli import main as run
    return run(argv, Console(highlight=False), Console(stderr=True, highlight=False, soft_wrap=True))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in COURSE_COMMANDS:
        return _course_command(argv[0], argv[1:])
    if argv and argv[0] == "replay":  # a failed hidden test's input, on the student's own code
        try:
            return student_loop.replay(argv[1:], Console(highlight=False))
        except (exercises.UnknownExercise, MissingSubmission, student_loop.UsageError) as exc:
            Console(stderr=True, highlight=False).print(f"grade: {exc.args[0] if exc.args else exc}")
            return USAGE_ERROR
    args = _parser().parse_args(argv)
    console = Console(highlight=False, stderr=False)
    errors = Console(stderr=True, highlight=False)
    if args.target == "list":
        return _list(console)
    if args.target == "progress":
        return student_loop.show_progress(console)
    if not args.list_tests:  # workers start in the background while the suite is collected
        from grader.session import warm_up_workers
        warm_up_workers(args.sandbox)
    try:
        targets = student_loop.targets(args.target, args.keyword)
        if args.list_tests:
            return student_loop.list_tests(targets, console)
        if args.watch:
            return student_loop.watch(targets, args, console)
        reports = []
        for target in targets:
            progress = ProgressBar(f"Grading {target}", console)
            try:
                report = api.grade(target, args.submission,
                                   solutions_dir=args.solutions, feedback_dir=args.feedback_dir,
                                   sandbox=args.sandbox, progress=progress, keyword=args.keyword)
            finally:
                progress.close()
            student_loop.check_selected(report, args.keyword)
            render(report, console, verbose=args.verbose, compact=len(targets) > 1)
            student_loop.remember(report, args)
            reports.append(report)
    except (exercises.UnknownExercise, MissingSubmission, student_loop.UsageError) as exc:
        errors.print(f"grade: {exc.args[0] if exc.args else exc}")
        return USAGE_ERROR
    except SuiteNotCollected as exc:  # --list on a broken suite: the kit's problem, not a usage error
        errors.print(f"grade: {exc}")
        return 1
    if len(targets) > 1:
        student_loop.show_progress(console)
    if args.json:
        write_json(reports, args.json)
    if args.gradescope:
        write_gradescope(reports, args.gradescope)
    return 0


if __name__ == "__main__":
    sys.exit(main())
