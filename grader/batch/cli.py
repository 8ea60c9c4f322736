"""``grade batch EXERCISE SUBMISSIONS_DIR --jobs N --out grades.csv``: regrade a class."""
from __future__ import annotations

import argparse
from contextlib import nullcontext

from rich.console import Console
from rich.markup import escape

from grader import exercises
from grader.batch.dask_executor import DaskUnavailable, dask_executor
from grader.batch.runner import DEFAULT_SHRINK_S, DEFAULT_TIMEOUT_S, SameUserRefused, regrade

USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade batch", description=(
        "Regrade a class: one sub-folder or file per student, in parallel, resumable."))
    parser.add_argument("exercise", help="an exercise id, e.g. exercise3")
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR", help="one sub-folder or file per student")
    parser.add_argument("--jobs", type=int, default=2, help="gradings in parallel on this machine (default 2)")
    parser.add_argument("--dask", metavar="ADDRESS", help="grade on the Dask cluster whose scheduler is at "
                        "ADDRESS (tcp://HOST:8786) instead of locally; needs the kit and the submissions at "
                        "the same paths on every worker")
    parser.add_argument("--out", default="grades.csv", help="the class CSV (default grades.csv)")
    parser.add_argument("--feedback-dir", help="per-student JSON feedback (default: <out>_feedback/)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                        help=f"seconds one student's grading may take (default {DEFAULT_TIMEOUT_S:g})")
    parser.add_argument("--shrink-seconds", type=float, default=DEFAULT_SHRINK_S, dest="shrink_s",
                        help="seconds per test spent looking for a smaller failing input (default "
                             f"{DEFAULT_SHRINK_S:g}; the feedback says when the search was cut short)")
    parser.add_argument("--solutions", metavar="DIR", help="reference solutions (default: solutions/)")
    parser.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    parser.add_argument("-k", dest="keyword", help="only the tests whose names match (pytest -k)")
    parser.add_argument("--same-user", action="store_true",
                        help="not root: grade the class as this user anyway (submissions can then reach your "
                             "files and each other; as root each runs as a uid of its own)")
    return parser


def main(argv, console: Console, errors: Console) -> int:
    args = _parser().parse_args(argv)
    try:
        with dask_executor(args.dask) if args.dask else nullcontext() as executor:
            summary = regrade(args.exercise, args.submissions, args.out, jobs=args.jobs, timeout_s=args.timeout,
                              feedback_dir=args.feedback_dir, keyword=args.keyword, solutions_dir=args.solutions,
                              force=args.force, same_user=args.same_user, executor=executor, shrink_s=args.shrink_s)
    except (SameUserRefused, DaskUnavailable) as exc:
        errors.print(f"grade batch: {escape(str(exc))}")
        return USAGE_ERROR
    except (exercises.UnknownExercise, FileNotFoundError, NotADirectoryError) as exc:
        errors.print(f"grade batch: {escape(str(exc.args[0] if exc.args else exc))}")
        return USAGE_ERROR
    console.print(f"{summary.graded} graded, {summary.reused} unchanged (kept), {summary.failed} could not be "
                  f"graded, in {summary.seconds:.0f} s ({summary.per_minute:.1f} submissions/minute); "
                  f"wrote {args.out}")
    return 0
