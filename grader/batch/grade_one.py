"""One student's grading, in its own process so the batch can stop it at the time limit.

``python -m grader.batch.grade_one EXERCISE SUBMISSION --json-out FILE`` writes the report
as JSON and prints the terminal report. SIGTERM unwinds the grading like Ctrl-C, so the
sandboxed workers are closed rather than left behind.
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


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.batch.grade_one")
    parser.add_argument("exercise")
    parser.add_argument("submission")
    parser.add_argument("--json-out", required=True)
    parser.add_argument("--feedback-dir", required=True)
    parser.add_argument("--solutions")
    parser.add_argument("-k", dest="keyword")
    parser.add_argument("--sandbox", choices=("auto", "require", "off"), default="require")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    report = api.grade(args.exercise, args.submission, solutions_dir=args.solutions,
                       feedback_dir=args.feedback_dir, keyword=args.keyword, sandbox=args.sandbox)
    write_text_atomic(args.json_out, json.dumps(report.to_dict(), indent=2))
    render(report, Console(file=sys.stdout, width=100, highlight=False, color_system=None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
