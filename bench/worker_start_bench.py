"""How long a worker takes to start: forked from the template against started anew.

Side by side in one run, alternating: each round starts a worker for exercise 3's
reference, makes one call (so the module is imported and answering) and closes it, once
with ``GRADER_WORKER_TEMPLATE=0`` (a fresh interpreter that imports torch) and once forked
from the template (torch imported once, before the first round: its own start is printed
apart). Under root each worker gets its own uid, as in a grading.

    python bench/worker_start_bench.py            # 10 rounds
    python bench/worker_start_bench.py --rounds 30
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from grader.probes import diagnostics  # noqa: E402
from grader.sandbox import template  # noqa: E402
from grader.sandbox.limits import WorkerUser, worker_python  # noqa: E402
from grader.sandbox.uids import lease_uid  # noqa: E402
from grader.sandbox.worker import Worker  # noqa: E402

REFERENCE = KIT / "solutions" / "exercise3_data.py"


def one_worker(user: WorkerUser) -> float:
    started = time.perf_counter()
    with Worker(REFERENCE, "exercise3_data", label="reference", user=user) as worker:
        worker.call(diagnostics.whoami)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    lease = lease_uid() if os.geteuid() == 0 else None
    user = WorkerUser(lease.uid, lease.uid, "a uid per worker") if lease else WorkerUser()
    started = time.perf_counter()
    template.template_for(worker_python())
    print(f"template start (once per grader process): {time.perf_counter() - started:.3f} s")
    anew, forked = [], []
    for _ in range(args.rounds):
        os.environ["GRADER_WORKER_TEMPLATE"] = "0"
        anew.append(one_worker(user))
        os.environ.pop("GRADER_WORKER_TEMPLATE")
        forked.append(one_worker(user))
    if lease:
        lease.release()
    a, f = statistics.median(anew), statistics.median(forked)
    print(f"started anew:  median {a:.3f} s  (min {min(anew):.3f}, max {max(anew):.3f}) over {args.rounds}")
    print(f"forked:        median {f:.3f} s  (min {min(forked):.3f}, max {max(forked):.3f}) over {args.rounds}")
    print(f"ratio: a forked worker starts {a / f:.1f}x faster")


if __name__ == "__main__":
    main()
