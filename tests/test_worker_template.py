"""Workers forked from the template are as fresh and as fenced as workers started anew."""
from __future__ import annotations

import os
import textwrap

import pytest

from grader.probes import diagnostics
from grader.sandbox import template
from grader.sandbox.limits import WorkerUser, worker_python
from grader.sandbox.uids import lease_uid
from grader.sandbox.worker import Worker

LOOK_AROUND = """
    import ctypes, os, signal
    import numpy as np

    def look():
        return {"fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
                "threads": len(os.listdir("/proc/self/task")), "uid": os.getuid(), "parent": os.getppid(),
                "session": os.getsid(0) == os.getpid(), "random": float(np.random.rand()),
                "home": os.environ["HOME"], "cwd": os.getcwd()}

    def kill_parent():
        return ctypes.CDLL(None, use_errno=True).kill(os.getppid(), signal.SIGKILL), ctypes.get_errno()
"""


@pytest.fixture(autouse=True)
def _template_on(monkeypatch):
    monkeypatch.delenv("GRADER_WORKER_TEMPLATE", raising=False)


def module(tmp_path, source: str = LOOK_AROUND):
    path = tmp_path / "student_module.py"
    path.write_text(textwrap.dedent(source))
    return path


@pytest.fixture
def user():
    """Under root, a uid of the worker's own (as a grading leases one); else the grader's user."""
    if os.geteuid() != 0:
        yield WorkerUser()
        return
    lease = lease_uid()
    yield WorkerUser(lease.uid, lease.uid, "a uid per worker")
    lease.release()


def look(path, user) -> dict:
    with Worker(path, "student_module", user=user) as worker:
        return worker.call(diagnostics.call, name="look")


def test_a_forked_worker_holds_only_its_own_descriptors_and_is_a_fresh_process(tmp_path, user):
    path = module(tmp_path)
    first, second = look(path, user), look(path, user)
    live = template.template_for(worker_python())
    assert live is not None and first["parent"] == second["parent"] == live._proc.pid
    # stdin, stdout, stderr, the request and response pipes, the stack file; the listing's own fd.
    assert first["fds"] == [0, 1, 2, 3, 4, 5, 6]
    assert first["threads"] == 1 and first["session"]
    assert first["uid"] == (user.uid if user.dropped else os.getuid())
    assert first["home"] == first["cwd"] and first["home"] != second["home"]
    assert first["random"] != second["random"], "numpy's global generator must be seeded afresh"


def test_without_the_template_workers_are_started_anew(tmp_path, user, monkeypatch):
    monkeypatch.setenv("GRADER_WORKER_TEMPLATE", "0")
    seen = look(module(tmp_path), user)
    assert seen["parent"] == os.getpid() and len(seen["fds"]) == 7  # the same descriptors, by other numbers


def test_a_template_that_cannot_start_leaves_workers_started_anew(tmp_path, user, monkeypatch):
    broken = tmp_path / "broken_template.py"
    broken.write_text("raise SystemExit(3)\n")
    monkeypatch.setattr(template, "TEMPLATE_MAIN", broken)
    monkeypatch.setattr(template, "_templates", {})
    seen = look(module(tmp_path), user)
    assert template._templates[worker_python()] is None and seen["parent"] == os.getpid()


@pytest.mark.skipif(os.geteuid() != 0, reason="a worker of the grader's own user may signal its template")
def test_under_root_a_worker_cannot_signal_its_template(tmp_path, user):
    path = module(tmp_path)
    with Worker(path, "student_module", user=user) as worker:
        result, errno = worker.call(diagnostics.call, name="kill_parent")
    assert (result, errno) == (-1, 1)  # EPERM: the template is root's
    assert template.template_for(worker_python()).alive
    assert look(path, user)["parent"] == template.template_for(worker_python())._proc.pid
