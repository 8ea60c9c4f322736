"""One grading run: the workers, the reference, and the report its tests' results go into.

What a pytest report *means* (passed, failed and why, not run) is :mod:`grader.pytest_reports`."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from grader import exercises
from grader.failure_kinds import import_failure, import_message
from grader.notebook_lines import left_out_cells, notebook_lines
from grader.pytest_reports import NOT_RUN_PREFIX, result_of
from grader.replay import CallLog, Replay, replayed
from grader.reference_answers import ReferenceAnswers, with_cached_answers
from grader.results import GradeReport, LeaderboardEntry
from grader.sandbox.errors import SandboxUnavailable
from grader.sandbox.hiding import guarded_paths, hide_from_others, private_paths
from grader.sandbox import template as worker_template
from grader.sandbox.limits import Limits, WorkerUser, choose_worker_user, prestart_user_check, worker_python
from grader.sandbox.uids import PROBE_UID, UidLease, lease_uid
from grader.sandbox.worker import Worker

DEFAULT_TEST_TIMEOUT_S = 60.0


def default_solutions_dir() -> Path:
    return Path(os.environ.get("GRADER_SOLUTIONS", exercises.KIT_ROOT / "solutions"))


def warm_up_workers(sandbox: str = "auto") -> None:
    """Start, in the background, what the first worker waits for (the worker template's torch
    import, the check that a worker uid can run Python) while the grader collects the suite."""
    python = worker_python()
    worker_template.prestart(python)
    if sandbox != "off" and os.geteuid() == 0:
        prestart_user_check(python, PROBE_UID, PROBE_UID)


class Record:
    """What a test adds to its result besides pass/fail: notes, files, leaderboard values."""

    def __init__(self, session: "GradingSession"):
        self._session = session
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)

    def artifact(self, path) -> None:
        self._session.report.artifacts.append(str(path))

    def leaderboard(self, name: str, value: float, order: str = "desc") -> None:
        self._session.report.leaderboard.append(LeaderboardEntry(name, float(value), order))


class GradingSession:
    """Holds everything one grading run of one exercise needs, and collects its results."""

    def __init__(self, exercise: exercises.Exercise, submission_path: Path | None,
                 submission_error: str = "", *, solutions_dir: Path | None = None,
                 feedback_dir: Path | None = None, sandbox: str = "auto",
                 limits: Limits = Limits(), data_dir: str | None = None, progress=None):
        self.exercise = exercise
        self.submission_path = submission_path
        self.submission_error = submission_error
        self.solutions_dir = Path(solutions_dir) if solutions_dir else default_solutions_dir()
        self.feedback_dir = Path(feedback_dir or Path.cwd() / "feedback" / exercise.id)
        self.sandbox = sandbox
        self.limits = limits
        self.data_dir = data_dir
        self.progress = progress
        self.report = GradeReport(exercise=exercise.id, title=exercise.title)
        self._workers: dict[str, Worker] = {}
        self._reference: Worker | ReferenceAnswers | None = None
        # What the submission's source breaks of the exercise's own rules, by function (set by
        # grading_run from the trusted side's reading of the file; grader.policy_rules).
        self.source_findings: dict[str, list] = {}
        self._user: WorkerUser | None = None
        self._leases: list[UidLease] = []
        self._records: dict[str, Record] = {}
        self._started: dict[str, float] = {}
        self._base_dir: Path | None = None
        self._run_deadline: float | None = None
        # Set by ``grade replay``: one hidden test, its reference side answered by the student's code.
        self.replay: Replay | None = None
        self._replay_log: CallLog | None = None
        warm_up_workers(sandbox)

    # -- workers ----------------------------------------------------------------------
    @property
    def reference_path(self) -> Path:
        return self.solutions_dir / f"{self.exercise.module}.py"

    def _worker_user(self) -> WorkerUser:
        """A dropped template means a uid of its own per worker; the report says when there is none."""
        if self._user is None:
            self._user, note = choose_worker_user(worker_python(), self.sandbox)
            if note:
                self.report.notes.append(note)
        return self._user

    def _user_for_new_worker(self) -> WorkerUser:
        if not self._worker_user().dropped:
            return WorkerUser()
        lease = lease_uid()
        self._leases.append(lease)
        return WorkerUser(lease.uid, lease.uid, f"uid {lease.uid}")

    def _workers_dir(self) -> Path:
        """The folder holding every worker's own folder: enter, but not list."""
        if self._base_dir is None:
            self._base_dir = Path(tempfile.mkdtemp(prefix="grader-"))
            os.chmod(self._base_dir, 0o711)
        return self._base_dir

    def _protected(self) -> tuple[str, ...]:
        paths = [*guarded_paths(self.solutions_dir), str(self._workers_dir())]
        extra = os.environ.get("GRADER_PROTECT", "")
        paths += [p for p in extra.split(os.pathsep) if p]
        return tuple(paths)

    def _frozen_except(self, timed: Worker):
        """Every worker but ``timed`` stopped, for as long as ``timed`` is measured."""
        stack = contextlib.ExitStack()
        for other in self._workers.values():
            if other is not timed:
                stack.enter_context(other.frozen())
        return stack

    def _make_worker(self, label: str, module_path: Path | None) -> Worker:
        # The trusted side has looked for the datasets (and downloaded them) already.
        env = {"GRADER_DATA_DIR": self.data_dir or "", "GRADER_DATA_OFFLINE": "1"}
        student = label == "student"
        user = self._user_for_new_worker()  # the reference too: its own uid, so it can be frozen alone
        if user.dropped:
            hide_from_others(private_paths(self.solutions_dir))
        # The student's own folder lies in the workers' folder, which the guard also protects:
        # its own path is allowed by being writable, the reference's and others' are not.
        worker = Worker(module_path, self.exercise.module, label=label, limits=self.limits, user=user,
                        protect=self._protected() if student else (), env=env,
                        readable=tuple(p for p in (self.data_dir or "").split(os.pathsep) if p),
                        parent_dir=self._workers_dir(),
                        load_error=self.submission_error if student else "")
        worker.pause_others = lambda: self._frozen_except(worker)
        self._workers[label] = worker
        return worker

    def student(self) -> Worker | CallLog:
        worker = self._workers.get("student") or self._make_worker("student", self.submission_path)
        if self.replay is None:
            return worker
        if self._replay_log is None:
            self._replay_log = CallLog(worker)
        return self._replay_log

    def reference(self) -> Worker | ReferenceAnswers | CallLog:
        """The reference's worker; its plain answers come from the regrade's cache where known."""
        if self.replay is not None:  # no reference: the student's own answers stand in (grader.replay)
            return self.student()
        if self._reference is None:
            if not self.reference_path.exists():
                pytest.skip(NOT_RUN_PREFIX + "needs the hidden reference solution; it runs on Gradescope")
            self._reference = with_cached_answers(self._make_worker("reference", self.reference_path),
                                                  self.exercise.id, self.reference_path, self.data_dir or "")
        return self._reference

    def kit_worker(self) -> Worker | ReferenceAnswers | CallLog:
        """Where a probe that runs none of the student's code is asked: the reference's worker,
        whose answers a regrade keeps, where solutions/ is present; the student's where not."""
        if self.replay is None and self.reference_path.exists():
            return self.reference()
        return self.student()

    def close(self) -> None:
        for worker in self._workers.values():
            worker.close()
        self._workers.clear()
        if isinstance(self._reference, ReferenceAnswers):
            self._reference.close_store()
        self._reference = None
        for lease in self._leases:
            lease.release()
        self._leases.clear()
        if self._base_dir is not None:
            shutil.rmtree(self._base_dir, ignore_errors=True)
            self._base_dir = None

    def set_deadline(self, seconds: float | None) -> None:
        """Start (or, with None, end) a test's budget, never past the whole run's."""
        if self._run_deadline is None:
            self._run_deadline = time.monotonic() + self.limits.total_s
        deadline = None if seconds is None else min(time.monotonic() + seconds, self._run_deadline)
        for worker in self._workers.values():
            worker.deadline = deadline

    # -- results ----------------------------------------------------------------------
    def record_for(self, nodeid: str) -> Record:
        return self._records.setdefault(nodeid, Record(self))

    def collected(self, count: int) -> None:
        """The suite is collected: a progress display can show its length."""
        set_total = getattr(self.progress, "set_total", None)
        if set_total is not None:
            set_total(count)

    def test_started(self, item) -> None:
        self._started[item.nodeid] = time.perf_counter()
        self._student_output()  # nothing printed between tests belongs to this one

    def _student_output(self) -> str:
        """What the submission printed since last asked; its import output goes to the report, once."""
        worker = self._workers.get("student")
        if worker is None:
            return ""
        if worker.import_output and not self.report.import_output:
            self.report.import_output = worker.import_output
        return worker.output.take()

    def observe(self, item, call, report) -> None:
        """Turn pytest's report for one phase into a TestResult, once per test."""
        final = (report.when == "call") or (report.when == "setup" and not report.passed)
        if not final:
            return
        self._note_left_out_cells()
        result = result_of(item, call, report, self.record_for(item.nodeid).notes, self.in_submission_terms)
        result.duration_s = time.perf_counter() - self._started.get(item.nodeid, time.perf_counter())
        result.student_output = self._student_output()
        error = call.excinfo.value if call.excinfo is not None else None
        if self.replay is not None:
            result.output = replayed(self._replay_log, error, result.output)
        if result.extras.get("blocked_by") == "import":
            self._report_import_failure(import_failure(error))
        elif isinstance(error, SandboxUnavailable) and str(error) not in self.report.errors:
            self.report.errors.append(str(error))
        self.report.tests.append(result)
        if self.progress is not None:
            self.progress(result)

    def _report_import_failure(self, error) -> None:
        """An import failure is one problem: said once, at the top, with its line."""
        message = self.in_submission_terms(import_message(error))
        already = self.submission_error and self.submission_error in message
        if not already and message not in self.report.errors:
            self.report.errors.append(message)

    def in_submission_terms(self, text: str) -> str:
        """Line numbers of a module made from a notebook, given as the notebook's cells and lines."""
        if self.submission_path is None or self.submission_path.suffix != ".py":
            return text
        return notebook_lines(text, self._submission_source())

    def _note_left_out_cells(self) -> None:
        """Once per run: which notebook cells held statements that are not graded."""
        if getattr(self, "_cells_noted", False) or self.submission_path is None:
            return
        self._cells_noted = True
        cells = left_out_cells(self._submission_source())
        if cells:
            self.report.notes.append(
                f"Not graded (they run only in Jupyter): the top-level statements of cell(s) "
                f"{', '.join(map(str, cells))} that are not definitions, imports or constants.")

    def _submission_source(self) -> str:
        if not hasattr(self, "_source"):
            try:
                self._source = self.submission_path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                self._source = ""
        return self._source
