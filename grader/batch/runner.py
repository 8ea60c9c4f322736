"""Regrade a class: every student's submission, in parallel, resumable, never stopped by one.

The runner takes any ``concurrent.futures.Executor``: by default ``jobs`` warm graders on
this machine, each grading one student after another (:mod:`grader.batch.warm_pool`); a
course that outgrows one machine can pass an executor backed by another engine (see
:mod:`grader.batch.task`). Unchanged submissions already graded by the same suite, probes and
reference (same content hash) are not graded again.

Other people's code is graded only where they cannot reach each other or the grader: as
root, every worker runs as a uid of its own (the sandbox is required, never silently off).
An ordinary user has no second user to give them, so the runner refuses unless told
``same_user`` (see docs/security.md).
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from grader import exercises
from grader.batch.gradebook import load_feedback, write_csv, write_feedback
from grader.batch.roster import StudentSubmission, content_hash, find_submissions, grader_key
from grader.batch.task import ERROR, GRADED, GradeTask, run_task
from grader.batch.warm_pool import WarmGraderPool
from grader.exercises import KIT_ROOT
from grader.sandbox.limits import WORKER_THREADS
from grader.session import default_solutions_dir

DEFAULT_TIMEOUT_S = 600.0
DEFAULT_SHRINK_S = 20.0  # per test: a bug's smallest input is not worth minutes of everyone's regrade
SAME_USER_REFUSAL = (
    "grade batch runs other people's code, and this grader is not root: every submission would run as "
    "you, able to read your files, each other's submissions and gradings, and to signal them. Run it as "
    "root (each submission then runs as a uid of its own), or inside a container (for instance "
    "`docker run --rm -v $PWD:/class IMAGE grade batch ...`, root inside), or pass --same-user to "
    "grade as this user anyway.")


class SameUserRefused(PermissionError):
    """A batch asked of an ordinary user without ``same_user``: the message says what to do."""


def batch_sandbox(same_user: bool) -> str:
    """The sandbox policy of every grading of the batch, or a refusal."""
    if os.geteuid() == 0:
        return "require"
    if not same_user:
        raise SameUserRefused(SAME_USER_REFUSAL)
    return "auto"


@dataclass
class BatchSummary:
    """What one regrade did."""

    records: list[dict] = field(default_factory=list)
    graded: int = 0
    reused: int = 0
    failed: int = 0
    seconds: float = 0.0

    @property
    def per_minute(self) -> float:
        """Submissions graded (not reused) per minute of wall time."""
        return 60.0 * self.graded / self.seconds if self.seconds > 0 else 0.0


def available_cores() -> int:
    """The cores this process may run on (all of them where the system cannot say)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def threads_per_job(jobs: int) -> int | None:
    """CPU threads for each of ``jobs`` gradings on this machine: its cores shared out, so that
    side-by-side gradings do not oversubscribe them, and never more than a worker's usual
    ``WORKER_THREADS``; None where ``OMP_NUM_THREADS`` is set already (the course's own choice)."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    return max(1, min(WORKER_THREADS, available_cores() // max(1, jobs)))


def _task(entry: StudentSubmission, exercise_id: str, feedback_dir: Path, timeout_s: float,
          keyword: str | None, solutions_dir: Path | None, sandbox: str, shrink_s: float | None,
          threads: int | None) -> GradeTask:
    name = entry.safe_name
    # absolute(), not resolve(): a student's symlink must reach the resolver as a link, to be refused.
    return GradeTask(student=entry.student, submission=str(entry.path.absolute()), exercise=exercise_id,
                     json_out=str((feedback_dir / f"{name}.report.json").resolve()),
                     log_out=str((feedback_dir / f"{name}.txt").resolve()),
                     feedback_dir=str((feedback_dir / name).resolve()), timeout_s=timeout_s,
                     keyword=keyword, solutions_dir=str(solutions_dir) if solutions_dir else None,
                     sandbox=sandbox, shrink_s=shrink_s, threads=threads)


def regrade(exercise_id: str, submissions_dir, out_csv="grades.csv", *, jobs: int = 2,
            timeout_s: float = DEFAULT_TIMEOUT_S, feedback_dir=None, keyword: str | None = None,
            solutions_dir=None, executor: Executor | None = None, force: bool = False,
            progress: bool = True, same_user: bool = False, warm: bool = True,
            shrink_s: float | None = DEFAULT_SHRINK_S) -> BatchSummary:
    """Grade every student in ``submissions_dir``; write the CSV and per-student JSON feedback.

    Args:
        exercise_id: e.g. ``"exercise3"``.
        submissions_dir: one sub-folder or file (.py, .ipynb, .zip) per student.
        out_csv: the class CSV (student, score, max, status, per-test points).
        jobs: parallel gradings when the runner makes its own executor.
        timeout_s: wall-clock limit for one student's whole grading.
        feedback_dir: per-student ``<student>.json`` (default: ``<out_csv stem>_feedback``).
        keyword: only the tests matching this pytest ``-k`` expression.
        solutions_dir: the reference solutions (default: the kit's ``solutions/``).
        executor: runs :func:`grader.batch.task.run_task`; left open when given.
        force: regrade even unchanged submissions.
        progress: show a progress bar on stderr.
        same_user: grade as this (non-root) user, with no uid of their own for the submissions.
        warm: the runner's own executor keeps one warm grader per job (grader/batch/warm_pool.py);
            False starts a fresh grading process per student.
        shrink_s: seconds hypothesis may spend per test looking for a smaller failing input
            (None: its own limit, five minutes); a report says when the search was cut short.

    Raises:
        SameUserRefused: not root and not ``same_user``.
    """
    sandbox = batch_sandbox(same_user)
    exercise = exercises.get(exercise_id)
    out_csv = Path(out_csv)
    feedback_dir = Path(feedback_dir) if feedback_dir else out_csv.with_name(f"{out_csv.stem}_feedback")
    feedback_dir.mkdir(parents=True, exist_ok=True)
    reference = Path(solutions_dir or default_solutions_dir()) / f"{exercise.module}.py"
    key = grader_key(exercise.suite, KIT_ROOT / "grader" / "probes" / f"{exercise.id}.py", reference, keyword)
    summary = BatchSummary()
    pending = []
    for entry in find_submissions(Path(submissions_dir)):
        digest = content_hash(entry.path, key)
        previous = load_feedback(feedback_dir / f"{entry.safe_name}.json")
        if not force and previous and previous.get("content_hash") == digest and previous.get("status") == GRADED:
            summary.records.append(previous)
            summary.reused += 1
        else:
            pending.append((entry, digest))
    started = time.monotonic()
    own_executor = executor is None
    threads = threads_per_job(jobs) if own_executor else None  # another executor's machines: their own setting
    if own_executor:
        executor = WarmGraderPool(jobs) if warm else ProcessPoolExecutor(max_workers=max(1, jobs))
    completed = False
    try:
        futures = {executor.submit(run_task, _task(entry, exercise.id, feedback_dir, timeout_s, keyword,
                                                   solutions_dir, sandbox, shrink_s, threads)): (entry, digest)
                   for entry, digest in pending}
        bar = tqdm(total=len(futures), desc=f"grading {exercise.id}", unit="student", file=sys.stderr,
                   disable=not progress)
        for future in as_completed(futures):
            entry, digest = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the executor itself failed for this student
                outcome = {"student": entry.student, "status": ERROR, "report": None, "seconds": 0.0,
                           "message": f"{type(exc).__name__}: {exc}"}
            record = _record(entry, digest, outcome)
            write_feedback(record, feedback_dir / f"{entry.safe_name}.json")
            summary.records.append(record)
            summary.graded += record["status"] == GRADED
            summary.failed += record["status"] != GRADED
            bar.set_postfix_str(f"{entry.student}: {record['score']:g}/{record['max_score']:g}")
            bar.update()
        bar.close()
        completed = True
    finally:
        if own_executor:  # stopped short (Ctrl-C): gradings under way are stopped too
            executor.shutdown(wait=True, cancel_futures=not completed)
    summary.seconds = time.monotonic() - started
    write_csv(summary.records, out_csv)
    return summary


def _record(entry: StudentSubmission, digest: str, outcome: dict) -> dict:
    report = outcome.get("report")
    return {"student": entry.student, "submission": str(entry.path), "content_hash": digest,
            "status": outcome["status"], "message": outcome.get("message", ""),
            "seconds": outcome.get("seconds", 0.0),
            "score": report["score"] if report else 0.0,
            "max_score": report["max_score"] if report else 0.0,
            "report": report}
