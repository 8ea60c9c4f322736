"""The ``grade`` command: parse arguments, call the library, print and write reports.

Usage::

    grade list
    grade exercise3                       # your working copy, exercises/exercise3_data.py
    grade exercise3 --submission my.ipynb --json report.json
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

from grader import api, exercises
from grader.report.gradescope import write_gradescope
from grader.report.json_report import write_json
from grader.report.progress import ProgressBar
from grader.report.terminal import render
from grader.submission import MissingSubmission

USAGE_ERROR = 2
COURSE_COMMANDS = ("release", "gradescope-build", "batch")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade", description="Grade the kit's exercises.",
        epilog="course staff: grade release [--check] | grade gradescope-build [--assignment NAME] | "
               "grade batch EXERCISE SUBMISSIONS_DIR --jobs N --out grades.csv (each has --help)")
    parser.add_argument("target", help="an exercise id (exercise1 .. exercise5), 'all' or 'list'")
    parser.add_argument("--submission", help="a .py module, .ipynb notebook, folder or .zip (default: your "
                                             "working copy in exercises/)")
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    parser.add_argument("--gradescope", metavar="FILE", help="also write a Gradescope results.json")
    parser.add_argument("--solutions", metavar="DIR", help="reference solutions (default: solutions/)")
    parser.add_argument("--feedback-dir", metavar="DIR", help="where plots go (default: feedback/EXERCISE)")
    parser.add_argument("--sandbox", choices=("auto", "require", "off"), default="auto",
                        help="run student code as an unprivileged user when root: auto (when possible), "
                             "require (fail otherwise), off")
    parser.add_argument("-k", dest="keyword", help="only the tests whose names match (pytest -k)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show notes of passed tests too")
    return parser


def _list(console: Console) -> int:
    from grader.points import suite_points
    for exercise in exercises.available():
        console.print(f"{exercise.id}  {exercise.title}  ({suite_points(exercise):g} points)")
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
    args = _parser().parse_args(argv)
    console = Console(highlight=False, stderr=False)
    errors = Console(stderr=True, highlight=False)
    if args.target == "list":
        return _list(console)
    targets = [e.id for e in exercises.available()] if args.target == "all" else [args.target]
    reports = []
    try:
        for target in targets:
            progress = ProgressBar(f"Grading {target}", console)
            try:
                report = api.grade(target, args.submission,
                                   solutions_dir=args.solutions, feedback_dir=args.feedback_dir,
                                   sandbox=args.sandbox, progress=progress, keyword=args.keyword)
            finally:
                progress.close()
            render(report, console, verbose=args.verbose)
            reports.append(report)
    except (exercises.UnknownExercise, MissingSubmission) as exc:
        errors.print(f"grade: {exc.args[0] if exc.args else exc}")
        return USAGE_ERROR
    if args.json:
        write_json(reports, args.json)
    if args.gradescope:
        write_gradescope(reports, args.gradescope)
    return 0


if __name__ == "__main__":
    sys.exit(main())
