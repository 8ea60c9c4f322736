"""A warm grader: one long-lived process that grades one student after another.

A cold grading pays for a fresh Python with the grader, pytest, hypothesis (and torch, for
some exercises) before it grades anything. A slot pays that once: ``python -m grader.batch.warm_slot`` reads one task per line on its stdin, grades it as
``grade_one`` would (the report as JSON and text in the task's files) and answers ``done`` on
its stdout. Each grading still opens its own run: a fresh worker, a fresh uid and a private
folder for the submission, which never runs in this process. What stays is trusted: imported
modules and the reference's cached answers. Timing comparisons are measured side by side in
every grading: reference blocks remembered from an earlier grading could have been measured
under another slot's load, a lenient yardstick for the students after it.

:class:`WarmSlot` is the batch's handle on one such process: it sends a task, waits at most
the task's time limit, and on a timeout stops the process (SIGTERM unwinds the grading and
closes its workers; SIGKILL after a grace period) and starts a fresh one for the next task.
"""
from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import asdict

from grader.batch.task import GradeTask, grading_environment, outcome, prepare, stop, timed_out

DONE = "done"


# -- the slot process ------------------------------------------------------------------------------
@contextlib.contextmanager
def _output_to(path: str):
    """Descriptors 1 and 2 (the grader's own output, and any library's) into ``path`` meanwhile."""
    sys.stdout.flush()
    sys.stderr.flush()
    with open(path, "w", encoding="utf-8") as log:
        saved = [os.dup(1), os.dup(2)]
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield sys.stdout
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, target in zip(saved, (1, 2)):
                os.dup2(fd, target)
                os.close(fd)


def serve(tasks, replies) -> None:
    """Grade each task read from ``tasks`` (JSON lines); answer ``done`` on ``replies`` after each."""
    from grader.batch.grade_one import grade_to_files

    for line in tasks:
        task = GradeTask(**json.loads(line))
        with _output_to(task.log_out) as log:
            try:
                grade_to_files(task.exercise, task.submission, json_out=task.json_out,
                               feedback_dir=task.feedback_dir, solutions=task.solutions_dir,
                               keyword=task.keyword, sandbox=task.sandbox, shrink_s=task.shrink_s, log=log)
            except Exception:  # the batch reads "no report" and this log's tail
                traceback.print_exc(file=log)
        if _stopping.is_set():  # stopped at the time limit: the batch starts a fresh slot
            return
        replies.write(DONE + "\n")
        replies.flush()


_stopping = threading.Event()


def _stop(signum, frame):
    """SIGTERM: unwind the grading under way (its workers closed), then end instead of waiting
    for a next task that will never come (the batch would wait out its grace period)."""
    from grader.batch.grade_one import interrupt

    _stopping.set()
    interrupt(signum, frame)


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")  # the answers; fd 1 becomes each task's log
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    serve(sys.stdin, replies)
    return 0


# -- the batch's handle ----------------------------------------------------------------------------
class WarmSlot:
    """One warm grader process, started on first use and again after a timeout or a crash."""

    def __init__(self):
        self._process: subprocess.Popen | None = None
        self._threads: int | None = None  # the running process's task.threads
        self.started = 0  # processes started (the first, and one after each stop)

    def run(self, task: GradeTask) -> dict:
        """Grade one student, as :func:`grader.batch.task.run_task` does, in this slot's process."""
        started = time.monotonic()
        prepare(task)
        try:
            process = self._process_for(task)
            process.stdin.write(json.dumps(asdict(task)) + "\n")
            process.stdin.flush()
        except OSError:  # it died between tasks
            self.stop()
            return outcome(task, started, "the grading process could not be given the task")
        answer = self._answer(process, task.timeout_s)
        if answer is None:
            self.stop()
            return timed_out(task, started)
        if answer != DONE:
            self.stop()
            return outcome(task, started, "the grading process ended without a report")
        return outcome(task, started, "the grading wrote no report")

    def _process_for(self, task: GradeTask) -> subprocess.Popen:
        if self._process is not None and (self._process.poll() is not None or self._process.args[0] != task.python
                                          or self._threads != task.threads):
            self.stop()
        if self._process is None:
            self._process = subprocess.Popen([task.python, "-m", "grader.batch.warm_slot"], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                             start_new_session=True, env=grading_environment(task))
            self._threads = task.threads
            self.started += 1
        return self._process

    @staticmethod
    def _answer(process: subprocess.Popen, timeout_s: float) -> str | None:
        """The slot's next line ('' when it ended), or None when none came within ``timeout_s``."""
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=timeout_s):
                return None
        return process.stdout.readline().strip()

    def stop(self) -> None:
        """Stop the process, grading or not (its gradings' workers are closed or killed)."""
        if self._process is not None:
            stop(self._process)
            for stream in (self._process.stdin, self._process.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
            self._process = None

    def close(self) -> None:
        """End an idle slot: its input closed, it returns; stopped if it does not."""
        if self._process is None:
            return
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
            self._process.stdout.close()
            self._process = None
        except subprocess.TimeoutExpired:
            self.stop()


# -- a slot per thread of a long-lived process (a Dask worker) ------------------------------------
_this_thread = threading.local()
_slots_of_this_process: list[WarmSlot] = []


def run_in_warm_slot(task: GradeTask) -> dict:
    """``run_task(task)`` in a warm slot this thread keeps for the next task it is given.

    For engines whose workers are long-lived processes: a Dask worker grades one student after
    another in the same warm grader instead of a fresh process each. The slot ends when the
    regrade does (:func:`close_slots_here`), with the worker (its input closes) or after a
    timeout (a fresh one grades the next task).
    """
    slot = getattr(_this_thread, "slot", None)
    if slot is None:
        slot = _this_thread.slot = WarmSlot()
        _slots_of_this_process.append(slot)
    return slot.run(task)


def close_slots_here() -> None:
    """End this process's slots (a regrade is over): the next one starts grader processes that
    import the kit as it is then, not as it was when the Dask worker first graded."""
    for slot in _slots_of_this_process:
        slot.close()


def slots_started_here() -> int:
    """Grader processes started by this process's slots (0: it never graded)."""
    return sum(slot.started for slot in _slots_of_this_process)


if __name__ == "__main__":
    sys.exit(main())
