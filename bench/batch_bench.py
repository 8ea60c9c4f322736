"""Batch regrading throughput: submissions per minute at --jobs 1 and 2, and the scaling.

Two classes are regraded from scratch at each job count: copies of the exercise-3 reference,
and buggy copies (the golden mutants of tests/golden/exercise3/buggy.py, in turn). Both job
counts run in this one process, side by side, so the ratio compares like with like.

    python bench/batch_bench.py              # 2 copies of each (quick)
    python bench/batch_bench.py --count 40   # the full measurement
    python bench/batch_bench.py -k standardize   # a test subset, for a smoke run
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from grader.batch.runner import regrade  # noqa: E402
from tests.golden.exercise3.buggy import MODULE, MUTANTS  # noqa: E402


def make_class(folder: Path, kind: str, count: int) -> Path:
    """``count`` student folders holding the reference, or buggy copies of it."""
    folder.mkdir(parents=True)
    for index in range(count):
        student = folder / f"{kind}_{index:02d}"
        student.mkdir()
        if kind == "reference":
            shutil.copy(KIT / "solutions" / f"{MODULE}.py", student / f"{MODULE}.py")
        else:
            MUTANTS[index % len(MUTANTS)].write(MODULE, student)
    return folder


def measure(kind: str, count: int, jobs: int, keyword: str | None, timeout_s: float) -> tuple[float, float]:
    """(seconds, submissions per minute) for one fresh regrade of one class."""
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        folder = make_class(Path(tmp) / kind, kind, count)
        summary = regrade("exercise3", folder, Path(tmp) / "grades.csv", jobs=jobs, keyword=keyword,
                          timeout_s=timeout_s, force=True, progress=False)
        if summary.failed:
            print(f"  warning: {summary.failed} of {count} {kind} submissions could not be graded")
        return summary.seconds, summary.per_minute


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2, help="copies of each kind of submission (default 2)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="job counts to compare (default 1 2)")
    parser.add_argument("-k", dest="keyword", help="grade only the tests matching this (pytest -k)")
    parser.add_argument("--timeout", type=float, default=600.0, help="per-submission limit in seconds")
    args = parser.parse_args(argv)
    print(f"exercise3, {args.count} copies each, tests: {args.keyword or 'all'}, "
          f"{os.cpu_count()} CPU cores, jobs {args.jobs}")
    print(f"{'submissions':<12} {'jobs':>4} {'seconds':>8} {'per minute':>11} {'scaling':>8}")
    for kind in ("reference", "buggy"):
        baseline = None
        for jobs in args.jobs:
            seconds, per_minute = measure(kind, args.count, jobs, args.keyword, args.timeout)
            baseline = baseline or per_minute
            scaling = per_minute / baseline if baseline else 0.0
            print(f"{kind:<12} {jobs:>4} {seconds:>8.1f} {per_minute:>11.2f} {scaling:>7.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
