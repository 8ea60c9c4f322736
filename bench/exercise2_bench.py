"""Grading time of exercise 2: the reference (and the stub), with the slowest tests.

The goal is under 30 s for the reference on 2 cores. Each submission is graded
``--repeats`` times in a row and the median wall time is printed beside the score, so
one noisy run on a shared machine does not decide the figure.

Usage: ``python bench/exercise2_bench.py [--repeats 3] [--stub]``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from grader import api  # noqa: E402

GOAL_S = 30.0


def grade_once(folder: str):
    with tempfile.TemporaryDirectory() as feedback:
        started = time.perf_counter()
        report = api.grade("exercise2", KIT / folder, feedback_dir=Path(feedback))
        return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stub", action="store_true", help="also time the stub (every test failing)")
    args = parser.parse_args()
    print(f"exercise 2 grading time on {api.device_name()}, {os.cpu_count()} cores visible")
    for folder in ["solutions"] + (["exercises"] if args.stub else []):
        times, report = [], None
        for _ in range(args.repeats):
            seconds, report = grade_once(folder)
            times.append(seconds)
        median = statistics.median(times)
        verdict = "within" if median < GOAL_S else "OVER"
        print(f"  {folder:10s} score {report.score:g}/{report.max_score:g}  wall median {median:.1f} s "
              f"(runs: {', '.join(f'{t:.1f}' for t in times)})  {verdict} the {GOAL_S:.0f} s goal")
        for test in sorted(report.tests, key=lambda t: -t.duration_s)[:6]:
            print(f"      {test.duration_s:5.2f} s  {test.test_id}")


if __name__ == "__main__":
    main()
