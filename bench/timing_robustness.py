"""How robust the timing checks of exercises 3 and 4 are on a noisy machine.

Grades only an exercise's timing tests, ``--count`` times each (50 by default), while
``--load`` other processes keep cores busy (spinning Python loops; 1 by default):

* the reference: every failure is a false failure (goal 0);
* a golden bug that is only slow: how often its slowness is caught (goal every time) --
  exercise 3's ``per_example_python_loop`` (about 15x the reference's epoch at batch 100),
  exercise 4's ``blocked_five_times_slower`` (matmul_blocked doing its work five times).

Run: ``python bench/timing_robustness.py --exercise 3`` (``--count 10`` for a shorter run,
``--load 0`` to measure without busy processes).
"""
from __future__ import annotations

import argparse
import collections
import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import KIT
from box_timing import failed_ids

# exercise: (the timing tests as a keyword, the slow golden bug, the tests its slowness must fail)
CASES = {
    "exercise3": ("speed_close_to_reference or big_batches", "per_example_python_loop",
                  ("test_data_iter_speed_close_to_reference[100]",)),
    "exercise4": ("speed_close_to_reference or speed_ordering or half_of_full or agrees_with_grader "
                  "or time_strategy or gflops_counts", "blocked_five_times_slower",
                  ("test_strategy_speed_close_to_reference[blocked-cpu]", "test_blocked_at_least_half_of_full[cpu]")),
}


def busy_cores(count: int) -> list[subprocess.Popen]:
    """Processes that each keep a core busy until they are stopped."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", choices=["3", "4"], default="4")
    parser.add_argument("--count", type=int, default=50, help="gradings of each submission (default 50)")
    parser.add_argument("--load", type=int, default=1, help="busy processes beside the gradings (default 1)")
    args = parser.parse_args()
    exercise = f"exercise{args.exercise}"
    keyword, slow_name, slowness_tests = CASES[exercise]
    golden = importlib.import_module(f"tests.golden.{exercise}.buggy")
    slow = next(m for m in golden.MUTANTS if m.name == slow_name)
    load = busy_cores(args.load)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            mutant_path = slow.write(golden.MODULE, folder)
            reference_path = KIT / "solutions" / f"{golden.MODULE}.py"
            false_failures, caught = collections.Counter(), collections.Counter()
            runs_with_false_failure = runs_caught = tests_run = 0
            for run in range(1, args.count + 1):
                wrong, tests_run = failed_ids(exercise, reference_path, keyword, folder / "feedback")
                false_failures.update(wrong)
                runs_with_false_failure += bool(wrong)
                failed, _ = failed_ids(exercise, mutant_path, keyword, folder / "feedback")
                caught.update(failed & set(slowness_tests))
                runs_caught += bool(failed & set(slowness_tests))
                print(f"run {run}/{args.count}: reference false failures {sorted(wrong) or 'none'}; "
                      f"slow bug caught in {runs_caught}/{run}", flush=True)
    finally:
        for process in load:
            process.kill()
            process.wait()
    minutes = (time.perf_counter() - started) / 60
    print()
    print(f"{exercise}: timing tests per grading: {tests_run}; busy processes beside: {args.load}; {minutes:.1f} min")
    print(f"reference: {runs_with_false_failure}/{args.count} gradings with a false failure (goal 0)"
          + (f" -- {dict(false_failures)}" if false_failures else ""))
    print(f"{slow_name}: caught in {runs_caught}/{args.count} gradings (goal {args.count}); "
          + ", ".join(f"{name}: {caught[name]}/{args.count}" for name in slowness_tests))


if __name__ == "__main__":
    main()
