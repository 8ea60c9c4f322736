"""Inside a Gradescope-sized box: false failures of the timing checks, and slow bugs caught.

Grades only the timing tests of one exercise, ``--count`` times, alternating the reference
(every failure is a false one) and a bug that does its timed work five times (every pass is
a miss). Prints one JSON line for ``bench/gradescope_box_bench.py``. Exercise 3's bug is made
here: the epoch's indexing done ten times over, which measures about 5x the reference's epoch
(the loop and the grader's reading of each batch are paid once); exercise 4's is the golden
bank's ``blocked_five_times_slower``.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _common import KIT

from grader import api
from tests.golden.exercise4 import buggy as exercise4_bank
from tests.golden.mutants import mutant

EPOCH_LOOP = ("    for start in range(0, stop, batch_size):\n        batch = order[start:start + batch_size]\n"
              "        yield features[batch], labels[batch]\n")
FIVE_TIMES_EPOCH = ("    for _ in range(9):  # the same epoch's indexing, nine extra times\n"
                    "        for start in range(0, stop, batch_size):\n"
                    "            batch = order[start:start + batch_size]\n"
                    "            features[batch], labels[batch]\n" + EPOCH_LOOP)
CASES = {
    "exercise3": dict(module="exercise3_data", keyword="speed_close_to_reference or less_time",
                      slow=mutant("data_iter_five_times_slower", (EPOCH_LOOP, FIVE_TIMES_EPOCH), set()),
                      slowness=("test_data_iter_speed_close_to_reference",)),
    "exercise4": dict(module=exercise4_bank.MODULE,
                      keyword="speed_close_to_reference or speed_ordering or half_of_full",
                      slow=next(m for m in exercise4_bank.MUTANTS if m.name == "blocked_five_times_slower"),
                      slowness=("test_strategy_speed_close_to_reference[blocked-cpu]",
                                "test_blocked_at_least_half_of_full[cpu]")),
}


def failed_ids(exercise: str, submission: Path, keyword: str, feedback: Path) -> tuple[set[str], int]:
    report = api.grade(exercise, submission, feedback_dir=feedback, keyword=keyword)
    if report.errors:
        raise RuntimeError(f"grading failed: {report.errors}")
    ran = [t for t in report.tests if t.status in ("passed", "failed")]
    return {t.test_id for t in ran if t.status == "failed"}, len(ran)


def _is_slowness(test_id: str, slowness: tuple[str, ...]) -> bool:
    """Whether a failed test is one that catches slowness (named with or without its case)."""
    return test_id in slowness or test_id.split("[")[0] in slowness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercise", choices=sorted(CASES))
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    case = CASES[args.exercise]
    started = time.perf_counter()
    false_failures, caught, tests = [], 0, 0
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        slow_path = case["slow"].write(case["module"], folder)
        reference = KIT / "solutions" / f"{case['module']}.py"
        for _ in range(args.count):
            wrong, tests = failed_ids(args.exercise, reference, case["keyword"], folder / "feedback")
            false_failures.append(sorted(wrong))
            failed, _ = failed_ids(args.exercise, slow_path, case["keyword"], folder / "feedback")
            caught += any(_is_slowness(test_id, case["slowness"]) for test_id in failed)
    print(json.dumps({"exercise": args.exercise, "count": args.count, "timing_tests": tests,
                      "reference_gradings_with_false_failure": sum(bool(w) for w in false_failures),
                      "false_failures": [w for w in false_failures if w], "slow_bug": case["slow"].name,
                      "slow_bug_caught": caught, "minutes": round((time.perf_counter() - started) / 60, 1)}))


if __name__ == "__main__":
    main()
