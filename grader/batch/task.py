"""One unit of batch work: grade one student in a child process, within a time limit.

:func:`run_task` is a plain top-level function of plain, picklable data, so any
``concurrent.futures.Executor`` can run it: a local process pool (the default), or an
engine spreading the class over several machines (e.g. ``dask.distributed``'s
``Client.get_executor()``), provided every machine has the kit at the same paths.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

GRADED, TIMEOUT, ERROR = "graded", "timeout", "error"
TERM_GRACE_S = 10.0


@dataclass(frozen=True)
class GradeTask:
    """Everything a worker needs to grade one student (paths as strings)."""

    student: str
    submission: str
    exercise: str
    json_out: str
    log_out: str
    feedback_dir: str
    timeout_s: float
    keyword: str | None = None
    solutions_dir: str | None = None
    sandbox: str = "require"  # the grade command's --sandbox: "require" as root
    shrink_s: float | None = None  # hypothesis's search for a smaller failing input, per test
    threads: int | None = None  # CPU threads for the grading's processes (None: the machine's setting)
    python: str = sys.executable


def grading_environment(task: GradeTask) -> dict | None:
    """The grading process's environment: this one, with the task's thread count where it has one.

    Torch and numpy size their thread pools by ``OMP_NUM_THREADS``, and the grading passes it on
    to its workers: ``jobs`` gradings side by side each taking every core would only get in
    each other's way.
    """
    if task.threads is None:
        return None
    return {**os.environ, "OMP_NUM_THREADS": str(task.threads)}


def _command(task: GradeTask) -> list[str]:
    command = [task.python, "-m", "grader.batch.grade_one", task.exercise, task.submission,
               "--json-out", task.json_out, "--feedback-dir", task.feedback_dir, "--sandbox", task.sandbox]
    if task.solutions_dir:
        command += ["--solutions", task.solutions_dir]
    if task.keyword:
        command += ["-k", task.keyword]
    if task.shrink_s is not None:
        command += ["--shrink-seconds", str(task.shrink_s)]
    return command


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (the grading closes its sandboxed workers), then SIGKILL the whole group."""
    for sig, wait in ((signal.SIGTERM, TERM_GRACE_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _log_tail(path: Path, max_bytes: int = 16 << 10) -> list[str]:
    """The last lines of a grading's log, read from its end only (it may be huge)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, handle.seek(0, 2) - max_bytes))
            return handle.read(max_bytes).decode(errors="replace").strip().splitlines()[-5:]
    except OSError:
        return []


def run_task(task: GradeTask) -> dict:
    """Grade one student; never raises for the submission's sake.

    Returns:
        ``{"student", "status": graded|timeout|error, "message", "seconds", "report"}``,
        ``report`` being the grading report as a dict (None unless graded).
    """
    started = time.monotonic()
    prepare(task)
    with open(task.log_out, "w", encoding="utf-8") as log:
        process = subprocess.Popen(_command(task), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env=grading_environment(task))
        try:
            code = process.wait(timeout=task.timeout_s)
        except subprocess.TimeoutExpired:
            stop(process)
            return timed_out(task, started)
        except BaseException:  # Ctrl-C or a cancelled job: its own session would not get the signal
            stop(process)
            raise
    return outcome(task, started, f"the grading process exited with status {code} without a report")


def prepare(task: GradeTask) -> None:
    """No report left from an earlier grading; the log's folder made."""
    Path(task.json_out).unlink(missing_ok=True)
    Path(task.log_out).parent.mkdir(parents=True, exist_ok=True)


def timed_out(task: GradeTask, started: float) -> dict:
    """The record of a grading stopped at the time limit (a report finished meanwhile is not kept)."""
    Path(task.json_out).unlink(missing_ok=True)
    return {"student": task.student, "status": TIMEOUT, "report": None,
            "seconds": round(time.monotonic() - started, 2),
            "message": f"grading took longer than the limit of {task.timeout_s:g} s and was stopped"}


def outcome(task: GradeTask, started: float, without_report: str) -> dict:
    """The record of a finished grading, from the report it wrote (``without_report``: why none)."""
    seconds = round(time.monotonic() - started, 2)
    try:
        report = json.loads(Path(task.json_out).read_text(encoding="utf-8"))
        Path(task.json_out).unlink()  # the batch keeps it inside the student's feedback record
    except (OSError, json.JSONDecodeError):
        tail = _log_tail(Path(task.log_out))
        return {"student": task.student, "status": ERROR, "report": None, "seconds": seconds,
                "message": f"{without_report}: " + " | ".join(tail)}
    return {"student": task.student, "status": GRADED, "report": report, "seconds": seconds, "message": ""}
