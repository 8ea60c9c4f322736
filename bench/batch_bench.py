"""Class regrades: submissions per minute, one by one with `grade` and with `grade batch`.

All in one run, side by side, on exercise 3 (full gradings unless ``-k``):

* the one-by-one rate: ``grade`` run on ``--count`` different reference copies one after
  another, each a fresh process, with the reference's answer cache off (every grading asks
  its reference everything, as before the cache) and on (a regrade's cache, empty at first);
* ``grade batch`` at each ``--jobs`` over three classes: different reference copies, one-bug
  copies (the golden mutants in turn), and a mix of one-bug copies and hostile submissions,
  in warm slots (the default: one long-lived grader per job); the reference class also with a
  fresh process per student (``warm=False``, as before the slots). Each regrade starts with an
  empty answer cache, as a real regrade does.

The issue's yardstick is ``grade batch --jobs 2`` over ``2 * count`` reference copies against
``grade`` one by one over ``count``: ``--batch-count`` sets the batch classes' size.

Copies differ by a comment, so that no grading is reused from an earlier one.

    python bench/batch_bench.py                  # 4 copies, jobs 1 and 2
    python bench/batch_bench.py --count 8 --jobs 2
    python bench/batch_bench.py -k standardize   # a test subset, for a smoke run
    python bench/batch_bench.py --jobs 2 --dask  # and on a Dask LocalCluster of 2 workers
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from grader.batch.runner import regrade, threads_per_job  # noqa: E402
from tests.golden.exercise3.buggy import MODULE, MUTANTS  # noqa: E402

HOSTILE = sorted((KIT / "tests" / "golden" / "exercise3" / "hostile").glob("*.py"))
KINDS = ("reference", "one-bug", "mix")


def _write_copy(student: Path, kind: str, index: int) -> None:
    student.mkdir(parents=True)
    target = student / f"{MODULE}.py"
    if kind == "reference":
        shutil.copy(KIT / "solutions" / f"{MODULE}.py", target)
    elif kind == "mix" and index % 2:
        shutil.copy(HOSTILE[(index // 2) % len(HOSTILE)], target)
    else:
        MUTANTS[index % len(MUTANTS)].write(MODULE, student)
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"\n# copy {index} of the {kind} class\n")


def make_class(folder: Path, kind: str, count: int) -> Path:
    for index in range(count):
        _write_copy(folder / f"{kind}_{index:02d}", kind, index)
    return folder


def _fresh_cache(tmp: Path, setting: str | None = None) -> None:
    os.environ["GRADER_REFERENCE_CACHE"] = setting or str(tmp / f"answers-{time.monotonic_ns()}")


def one_by_one(tmp: Path, count: int, keyword: str | None, cache: bool) -> float:
    """Submissions per minute of ``grade`` run on each copy in turn (a process each)."""
    folder = make_class(tmp / f"one-by-one-{'cache' if cache else 'cold'}", "reference", count)
    _fresh_cache(tmp, None if cache else "off")
    started = time.perf_counter()
    for student in sorted(folder.iterdir()):
        command = [sys.executable, "-m", "grader.cli", "exercise3", "--submission", str(student / f"{MODULE}.py"),
                   "--feedback-dir", str(student / "feedback")] + (["-k", keyword] if keyword else [])
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=1800)
    return 60.0 * count / (time.perf_counter() - started)


def batch(tmp: Path, kind: str, count: int, jobs: int, keyword: str | None, timeout_s: float,
          warm: bool = True) -> tuple[float, float]:
    """(seconds, submissions per minute) of one fresh regrade of one class."""
    name = f"{kind}-{jobs}-{'warm' if warm else 'cold'}"
    folder = make_class(tmp / name, kind, count)
    _fresh_cache(tmp)
    summary = regrade("exercise3", folder, tmp / f"grades-{name}.csv", jobs=jobs, keyword=keyword,
                      timeout_s=timeout_s, force=True, progress=False, same_user=os.geteuid() != 0, warm=warm)
    if summary.failed:
        print(f"  note: {summary.failed} of {count} {kind} submissions ended without a report")
    return summary.seconds, summary.per_minute


def dask_batch(tmp: Path, count: int, workers: int, keyword: str | None, timeout_s: float) -> tuple[float, float]:
    """(seconds, submissions per minute) of the reference class regraded on a Dask ``LocalCluster``
    of ``workers`` processes, each with the machine's cores shared out (as the recipe in
    docs/course-tooling.md starts real workers)."""
    import distributed
    from grader.batch.dask_executor import dask_executor
    folder = make_class(tmp / f"dask-{workers}", "reference", count)
    _fresh_cache(tmp)
    threads = threads_per_job(workers)  # None: OMP_NUM_THREADS is set already
    # The workers' environment, taken when they start.
    with mock.patch.dict(os.environ, {"OMP_NUM_THREADS": str(threads)} if threads else {}), \
            distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                     dashboard_address=None, silence_logs=40) as cluster, \
            dask_executor(cluster.scheduler_address) as executor:
        summary = regrade("exercise3", folder, tmp / f"grades-dask-{workers}.csv", keyword=keyword,
                          timeout_s=timeout_s, force=True, progress=False, same_user=os.geteuid() != 0,
                          executor=executor)
    return summary.seconds, summary.per_minute


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4, help="submissions per class (default 4)")
    parser.add_argument("--batch-count", type=int, help="submissions per batch class (default: --count)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="job counts (default 1 2)")
    parser.add_argument("-k", dest="keyword", help="grade only the tests matching this (pytest -k)")
    parser.add_argument("--timeout", type=float, default=600.0, help="per-submission limit in seconds")
    parser.add_argument("--dask", action="store_true", help="also the reference class on a Dask LocalCluster "
                                                             "of --jobs workers (needs the 'dask' extra)")
    args = parser.parse_args(argv)
    print(f"exercise3, {args.count} submissions per class, tests: {args.keyword or 'all'}, "
          f"{os.cpu_count()} CPU cores")
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as name:
        tmp = Path(name)
        cold = one_by_one(tmp, args.count, args.keyword, cache=False)
        cached = one_by_one(tmp, args.count, args.keyword, cache=True)
        print(f"{'grade, one by one, no answer cache':<50} {cold:>7.2f} per minute   1.00x")
        print(f"{'grade, one by one, answer cache':<50} {cached:>7.2f} per minute {cached / cold:>6.2f}x")
        count = args.batch_count or args.count
        runs = [(kind, jobs, True) for kind in KINDS for jobs in args.jobs]
        runs += [("reference", jobs, False) for jobs in args.jobs]
        for kind, jobs, warm in runs:
            seconds, per_minute = batch(tmp, kind, count, jobs, args.keyword, args.timeout, warm)
            label = f"grade batch --jobs {jobs}, {kind}{'' if warm else ', cold'} ({count} in {seconds:.0f} s)"
            print(f"{label:<50} {per_minute:>7.2f} per minute {per_minute / cold:>6.2f}x", flush=True)
        for workers in args.jobs if args.dask else ():
            seconds, per_minute = dask_batch(tmp, count, workers, args.keyword, args.timeout)
            label = f"grade batch --dask, {workers} workers, reference ({count} in {seconds:.0f} s)"
            print(f"{label:<50} {per_minute:>7.2f} per minute {per_minute / cold:>6.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
