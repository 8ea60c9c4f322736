"""The student's loop, timed as a student runs it: ``grade exercise1 -k mean`` and a full exercise.

Each measurement is the wall time of the ``grade`` command in a fresh process (start-up,
collection, worker start and grading included), for the stub a student starts from and for
the finished reference, run in turn in this one invocation, each with workers forked from the
template (the default) and started anew (``GRADER_WORKER_TEMPLATE=0``), side by side. Wall time is what a student waits;
CPU time (the command's processes and the workers it reaped) moves less with other work on the
machine. The load average is printed beside the figures: on a shared machine they are upper bounds.

    python bench/student_loop_bench.py               # -k mean, and exercise 1 in full, twice each
    python bench/student_loop_bench.py --repeats 1 --exercise exercise3
    python bench/student_loop_bench.py --as-uid 1950000001      # as a student's own user, not root
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
SHARED_DATA = KIT.parent / "shared" / "datasets"
MODULES = {"exercise1": "exercise1_autograd", "exercise2": "exercise2_optimizers", "exercise3": "exercise3_data",
           "exercise4": "exercise4_matmul", "exercise5": "exercise5_lars"}


def grade_seconds(arguments: list[str], folder: Path, template: bool = True,
                  uid: int | None = None) -> tuple[float, float]:
    """Wall time and CPU time (its processes and the workers they reaped) of one ``grade`` command,
    run as ``uid`` when given (a student's laptop: no root, so no uid per worker)."""
    env = dict(os.environ, GRADER_WORKER_TEMPLATE="1" if template else "0")
    user = {}
    if uid is not None:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "PYTHONPATH": str(KIT),
               "GRADER_WORKER_TEMPLATE": env["GRADER_WORKER_TEMPLATE"],
               "GRADER_DATA_DIR": env.get("GRADER_DATA_DIR", "")}
        user = {"user": uid, "group": uid, "extra_groups": []}
    if not env.get("GRADER_DATA_DIR") and SHARED_DATA.is_dir():
        env["GRADER_DATA_DIR"] = str(SHARED_DATA)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader.cli", *arguments], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=900, **user)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"grade {' '.join(arguments)} failed:\n{done.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="exercise1", choices=sorted(MODULES))
    parser.add_argument("--keyword", default="mean")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--as-uid", type=int, help="run each grade as this unprivileged uid (root only): "
                                                   "what a student on a laptop waits")
    args = parser.parse_args(argv)
    module = MODULES[args.exercise]
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if args.as_uid is not None:
            os.chmod(work, 0o777)
            print(f"each grade runs as uid {args.as_uid}")
        for kind, source in (("stub", KIT / "exercises"), ("reference", KIT / "solutions")):
            submission = work / kind / f"{module}.py"  # a copy the student's own uid can read
            submission.parent.mkdir(mode=0o755)
            shutil.copy(source / f"{module}.py", submission)
            os.chmod(submission, 0o644)
            submission = str(submission)
            for label, extra in ((f"-k {args.keyword}", ["-k", args.keyword]), ("full", [])):
                for template in (True, False):  # workers forked from the template, or each started anew
                    runs = [grade_seconds([args.exercise, "--submission", submission, *extra], work, template,
                                          args.as_uid)
                            for _ in range(args.repeats)]
                    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
                    how = "forked" if template else "anew"
                    print(f"grade {args.exercise} {label:<10} {kind:<9} {how:<6}  wall median "
                          f"{statistics.median(walls):6.1f} s (runs: {', '.join(f'{t:.1f}' for t in walls)}), "
                          f"CPU median {statistics.median(cpus):6.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
