"""The worker sandbox, tested for real: process isolation, limits, user drop, hiding files."""
from __future__ import annotations

import os
import textwrap
import time

import pytest

from grader.probes import diagnostics
from grader.sandbox.errors import ProbeTimeout, SubmissionError, WorkerCrashed
from grader.sandbox.limits import Limits, WorkerUser, choose_worker_user, worker_python
from grader.sandbox.uids import lease_uid
from grader.sandbox.worker import Worker


def module(tmp_path, source: str):
    path = tmp_path / "student_module.py"
    path.write_text(textwrap.dedent(source))
    return path


def test_values_come_back_as_fresh_plain_data(tmp_path):
    path = module(tmp_path, """
        import numpy as np
        def f():
            return {"a": np.arange(3.0), "b": (1, 2.5), "c": float("nan")}
    """)
    with Worker(path, "student_module") as worker:
        value = worker.call(diagnostics.call, name="f")
    assert value["a"].tolist() == [0.0, 1.0, 2.0] and value["b"] == (1, 2.5) and value["c"] != value["c"]


def test_rigged_objects_cannot_cross_the_boundary(tmp_path):
    path = module(tmp_path, """
        class AlwaysEqual:
            def __eq__(self, other):
                return True
        def f():
            return AlwaysEqual()
    """)
    with Worker(path, "student_module") as worker, pytest.raises(SubmissionError, match="cannot be checked"):
        worker.call(diagnostics.call, name="f")


def test_exceptions_report_the_students_line(tmp_path):
    path = module(tmp_path, """
        def f():
            return 1 / 0
    """)
    with Worker(path, "student_module") as worker, pytest.raises(SubmissionError) as info:
        worker.call(diagnostics.call, name="f")
    assert "ZeroDivisionError" in str(info.value) and "line 3" in str(info.value)


def test_a_crash_costs_one_call_and_the_worker_restarts(tmp_path):
    path = module(tmp_path, """
        import os
        def crash():
            os._exit(7)
        def fine():
            return 42
    """)
    with Worker(path, "student_module") as worker:
        with pytest.raises(WorkerCrashed, match="status 7"):
            worker.call(diagnostics.call, name="crash")
        assert worker.call(diagnostics.call, name="fine") == 42
        assert worker.restarts == 1


@pytest.mark.parametrize("template", ["1", "0"])
def test_a_crash_is_seen_at_once_though_a_child_holds_the_pipes(tmp_path, monkeypatch, template):
    """The reply pipe stays open while a child of the worker lives: its exit status tells."""
    monkeypatch.setenv("GRADER_WORKER_TEMPLATE", template)  # forked from the template, or started anew
    path = module(tmp_path, """
        import ctypes, os, time
        def crash_leaving_a_child():
            if ctypes.CDLL(None).fork() == 0:
                time.sleep(30)
                os._exit(0)
            os._exit(7)
        def fine():
            return 42
    """)
    with Worker(path, "student_module", limits=Limits(call_timeout_s=25)) as worker:
        started = time.monotonic()
        with pytest.raises(WorkerCrashed, match="status 7"):
            worker.call(diagnostics.call, name="crash_leaving_a_child")
        assert time.monotonic() - started < 10, "waited for the call's time limit"
        assert worker.call(diagnostics.call, name="fine") == 42


def test_a_tests_time_budget_is_the_students_the_reference_keeps_its_own_limit(tmp_path):
    """Asked after the student, the reference is not cut short by the time the student took."""
    path = module(tmp_path, """
        import time
        def slow():
            time.sleep(1.0)
            return 1
    """)
    with Worker(path, "student_module") as student, \
            Worker(path, "student_module", label="reference") as reference:
        for worker in (student, reference):
            worker.call(diagnostics.call, name="slow")  # started, outside any test
            worker.deadline = time.monotonic() + 0.2  # a test whose budget the student has nearly used
        assert reference.call(diagnostics.call, name="slow") == 1
        with pytest.raises(ProbeTimeout):
            student.call(diagnostics.call, name="slow")
        with pytest.raises(ProbeTimeout, match="budget is used up"):
            student.call(diagnostics.call, name="slow")


def test_a_hang_times_out_and_the_worker_restarts(tmp_path):
    path = module(tmp_path, """
        def spin():
            while True:
                pass
        def fine():
            return 1
    """)
    with Worker(path, "student_module", limits=Limits(call_timeout_s=1.5)) as worker:
        with pytest.raises(ProbeTimeout, match="did not return within"):
            worker.call(diagnostics.call, name="spin")
        assert worker.call(diagnostics.call, name="fine") == 1


def test_memory_is_limited(tmp_path):
    path = module(tmp_path, """
        def bomb():
            return len(bytearray(8 << 30))
    """)
    with Worker(path, "student_module", limits=Limits(memory_bytes=3 << 30)) as worker:
        with pytest.raises(SubmissionError, match="MemoryError"):
            worker.call(diagnostics.call, name="bomb")


def test_environment_is_scrubbed_and_cwd_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "do-not-leak")
    with Worker(module(tmp_path, "X = 1\n"), "student_module") as worker:
        info = worker.call(diagnostics.whoami)
    assert "GRADER_SECRET_TOKEN" not in info["env"]
    assert not info["cwd"].startswith(str(tmp_path)) and info["cwd"].endswith("work")


def test_protected_folders_are_refused(tmp_path):
    secret = tmp_path / "solutions"
    secret.mkdir()
    (secret / "answer.py").write_text("ANSWER = 42\n")
    with Worker(module(tmp_path, "X = 1\n"), "student_module", protect=(str(secret),)) as worker:
        assert worker.call(diagnostics.read_file, path=str(secret / "answer.py")) == {"error": "PermissionError"}


def test_processes_cannot_be_started(tmp_path):
    path = module(tmp_path, """
        import subprocess
        def run():
            return subprocess.run(["true"]).returncode
    """)
    with Worker(path, "student_module") as worker, pytest.raises(SubmissionError, match="PermissionError"):
        worker.call(diagnostics.call, name="run")


root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop happens only when the grader is root")


@root_only
def test_under_root_the_worker_runs_unprivileged_and_cannot_read_root_files(tmp_path):
    checked, note = choose_worker_user(worker_python(), "auto")
    if not checked.dropped:
        pytest.skip(f"this interpreter is not reachable by an unprivileged user here: {note}")
    private = tmp_path / "private.txt"
    private.write_text("root only")
    os.chmod(private, 0o600)
    # A leased uid, as a grading uses: closing a worker kills every process of its uid, and the
    # template's uid is where other graders check that Python runs.
    lease = lease_uid()
    user = WorkerUser(lease.uid, lease.uid, "a uid per worker")
    try:
        with Worker(module(tmp_path, "X = 1\n"), "student_module", user=user) as worker:
            info = worker.call(diagnostics.whoami)
            assert info["uid"] == user.uid != 0
            assert worker.call(diagnostics.read_file, path=str(private)) == {"error": "PermissionError"}
    finally:
        lease.release()


@root_only
def test_require_policy_fails_closed_when_a_worker_uid_cannot_run_python(tmp_path):
    from grader.sandbox.errors import SandboxUnavailable
    hidden = tmp_path / "root-only"
    hidden.mkdir(mode=0o700)
    python = hidden / "python"
    python.symlink_to(os.path.realpath(worker_python()))
    with pytest.raises(SandboxUnavailable, match="cannot run"):
        choose_worker_user(str(python), "require")
    user, note = choose_worker_user(str(python), "auto")
    assert user == WorkerUser() and "workers ran as root" in note
