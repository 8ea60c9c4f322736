"""The kit in a box the size of Gradescope's default container (768 MiB, half a vCPU).

Needs root and ``gradescope-box`` (the course's container emulator: ``--box PATH``). Prints,
from one run:

* per exercise, grading the reference: score, wall time, the box's peak memory, and the
  grader's and its largest worker's peak resident memory;
* for exercises 3 and 4, ``--count`` gradings of the timing tests (default 20): the reference's
  false failures (goal 0) and how often a bug that does its timed work five times is caught
  (goal: every time).

Run: ``sudo python bench/gradescope_box_bench.py --box /path/to/gradescope-box``.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile

from _common import KIT

from grader.exercises import available

MEASURE = '''
import json, resource, sys, time
from grader import api
started = time.perf_counter()
report = api.grade(sys.argv[1], sys.argv[2], feedback_dir=sys.argv[3])
print(json.dumps({"score": report.score, "max": report.max_score, "errors": report.errors,
                  "seconds": round(time.perf_counter() - started, 1),
                  "grader_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "largest_worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}))
'''


def in_box(box: str, command: list[str]) -> tuple[str, str]:
    done = subprocess.run([box, *command], capture_output=True, text=True, cwd=KIT, timeout=3600)
    box_line = next((line for line in done.stderr.splitlines() if line.startswith("gradescope-box:")), "")
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed in the box: {done.stderr[-2000:]}")
    return done.stdout, box_line


def box_peak(line: str) -> str:
    found = re.search(r"(\d+) MiB peak", line)
    return f"{found.group(1)} MiB" if found else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--box", default="gradescope-box", help="the container emulator")
    parser.add_argument("--count", type=int, default=20, help="timing gradings per exercise (default 20)")
    parser.add_argument("--skip-references", action="store_true")
    args = parser.parse_args()
    python = sys.executable
    if not args.skip_references:
        print("| exercise | score | time | box peak | grader peak RSS | largest worker peak RSS |")
        print("|---|---|---|---|---|---|")
        for exercise in available():
            with tempfile.TemporaryDirectory() as feedback:
                out, line = in_box(args.box, [python, "-c", MEASURE, exercise.id,
                                              str(KIT / "solutions" / f"{exercise.module}.py"), feedback])
            row = json.loads(out.strip().splitlines()[-1])
            print(f"| {exercise.id} | {row['score']:g}/{row['max']:g} | {row['seconds']:.0f} s | {box_peak(line)} "
                  f"| {row['grader_mib']} MiB | {row['largest_worker_mib']} MiB |"
                  + (f" errors: {row['errors']}" if row["errors"] else ""), flush=True)
    for exercise in ("exercise3", "exercise4"):
        out, line = in_box(args.box, [python, str(KIT / "bench" / "box_timing.py"), exercise,
                                      "--count", str(args.count)])
        row = json.loads(out.strip().splitlines()[-1])
        print(f"{exercise}: {row['timing_tests']} timing tests, {row['count']} gradings each "
              f"({row['minutes']} min, box peak {box_peak(line)}): reference with a false failure in "
              f"{row['reference_gradings_with_false_failure']}/{row['count']} {row['false_failures'] or ''}; "
              f"{row['slow_bug']} caught {row['slow_bug_caught']}/{row['count']}", flush=True)


if __name__ == "__main__":
    main()
