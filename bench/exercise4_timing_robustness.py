"""How robust exercise 4's timing checks are on a noisy machine.

Grades only the timing tests, ``--count`` times each (50 by default), while a second process
keeps one core busy (a spinning Python loop):

* the reference: every failure is a false failure (goal 0 of 50);
* the golden bug ``blocked_five_times_slower`` (matmul_blocked doing its work five times):
  how often its slowness is caught (goal 50 of 50), by the speed-against-the-reference test
  and by the blocked-versus-full test.

Run: ``python bench/exercise4_timing_robustness.py`` (``--count 10`` for a shorter run,
``--no-load`` to measure without the busy process).
"""
from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import KIT

from grader import api
from tests.golden.exercise4.buggy import MODULE, MUTANTS

TIMING_TESTS = ("speed_close_to_reference or speed_ordering or half_of_full or agrees_with_grader "
                "or time_strategy or gflops_counts")
SLOW_MUTANT = "blocked_five_times_slower"
SLOWNESS_TESTS = ("test_strategy_speed_close_to_reference[blocked-cpu]", "test_blocked_at_least_half_of_full[cpu]")


def failures(submission: Path, feedback: Path) -> tuple[set[str], int]:
    """Failed test ids and the number of tests run, grading the timing tests once."""
    report = api.grade("exercise4", submission, feedback_dir=feedback, keyword=TIMING_TESTS)
    if report.errors:
        raise RuntimeError(f"grading failed: {report.errors}")
    ran = [t for t in report.tests if t.status in ("passed", "failed")]
    return {t.test_id for t in ran if t.status == "failed"}, len(ran)


def busy_core() -> subprocess.Popen:
    """A process that keeps one core busy until it is stopped."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50, help="gradings of each submission (default 50)")
    parser.add_argument("--no-load", action="store_true", help="do not start the busy process")
    args = parser.parse_args()
    slow = next(m for m in MUTANTS if m.name == SLOW_MUTANT)
    load = None if args.no_load else busy_core()
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            mutant_path = slow.write(MODULE, folder)
            reference_path = KIT / "solutions" / f"{MODULE}.py"
            false_failures, caught = collections.Counter(), collections.Counter()
            runs_with_false_failure = runs_caught = tests_run = 0
            for run in range(1, args.count + 1):
                wrong, tests_run = failures(reference_path, folder / "feedback")
                false_failures.update(wrong)
                runs_with_false_failure += bool(wrong)
                failed, _ = failures(mutant_path, folder / "feedback")
                caught.update(failed & set(SLOWNESS_TESTS))
                runs_caught += bool(failed & set(SLOWNESS_TESTS))
                print(f"run {run}/{args.count}: reference false failures {sorted(wrong) or 'none'}; "
                      f"slow bug caught in {runs_caught}/{run}", flush=True)
    finally:
        if load is not None:
            load.kill()
            load.wait()
    minutes = (time.perf_counter() - started) / 60
    print()
    print(f"timing tests per grading: {tests_run}; load: {'none' if args.no_load else 'one busy core'}; "
          f"{minutes:.1f} min")
    print(f"reference: {runs_with_false_failure}/{args.count} gradings with a false failure (goal 0)"
          + (f" -- {dict(false_failures)}" if false_failures else ""))
    print(f"{SLOW_MUTANT}: caught in {runs_caught}/{args.count} gradings (goal {args.count}); "
          + ", ".join(f"{name}: {caught[name]}/{args.count}" for name in SLOWNESS_TESTS))


if __name__ == "__main__":
    main()
