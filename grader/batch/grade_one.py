"""One student's grading, in its own process so the batch can stop it at the time limit.

``python -m grader.batch.grade_one EXERCISE SUBMISSION --json-out FILE`` writes the report
as JSON and prints the terminal report. SIGTERM unwinds the grading like Ctrl-C, so the
sandboxed workers are closed rather than left behind. A warm slot
(:mod:`grader.batch.warm_slot`) grades through :func:`grade_to_files` too.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys

from rich.console import Console

from grader import api
from grader.report.json_report import write_text_atomic
from grader.report.terminal import render
from grader.sandbox.limits import Limits


def interrupt(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def grade_to_files(exercise: str, submission: str, *, json_out: str, feedback_dir: str, solutions=None,
                   keyword=None, sandbox: str = "require", shrink_s: float | None = None, log=None) -> None:
    """Grade; the report as JSON in ``json_out``, and as text on ``log`` (stdout by default)."""
    report = api.grade(exercise, submission, solutions_dir=solutions, feedback_dir=feedback_dir,
                       keyword=keyword, sandbox=sandbox, limits=Limits(shrink_s=shrink_s))
    write_text_atomic(json_out, json.dumps(report.to_dict(), indent=2))
    render(report, Console(file=log or sys.stdout, width=100, highlight=False, color_system=None))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.batch.grade_one")
    parser.add_argument("exercise")
    parser.add_argument("submission")
    parser.add_argument("--json-out", required=True)
    parser.add_argument("--feedback-dir", required=True)
    parser.add_argument("--solutions")
    parser.add_argument("-k", dest="keyword")
    parser.add_argument("--sandbox", choices=("auto", "require", "off"), default="require")
    parser.add_argument("--shrink-seconds", type=float, dest="shrink_s")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    grade_to_files(args.exercise, args.submission, json_out=args.json_out, feedback_dir=args.feedback_dir,
                   solutions=args.solutions, keyword=args.keyword, sandbox=args.sandbox, shrink_s=args.shrink_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
