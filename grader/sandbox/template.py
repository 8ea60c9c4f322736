"""Workers forked from a template that has imported torch once (the trusted side's handle).

Starting a worker means starting Python and importing torch: about a second, paid by
the student's worker and the reference's in every grading, and again after every crash
or hang. :class:`WorkerTemplate` pays it once per grader process (a warm batch slot, an
xdist worker of the kit's own tests): it starts ``template_main.py``, which imports
torch and then forks a fresh worker per request. The child becomes what a started
worker was (its own session, limits and uid, only its own descriptors) before any
submission code exists; see ``template_main.py``.

Linux only; ``GRADER_WORKER_TEMPLATE=0`` turns it off. Whenever the template cannot be
used the worker is started the old way, so a grading never depends on it.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from grader.sandbox.limits import worker_environment

TEMPLATE_MAIN = Path(__file__).resolve().parent / "template_main.py"
START_TIMEOUT_S = 120.0
SPAWN_TIMEOUT_S = 10.0
MAX_REPLY = 1 << 12


class TemplateError(RuntimeError):
    """The template could not start a worker: the caller starts one itself."""


class ForkedWorkerProcess:
    """What :class:`~grader.sandbox.worker.Worker` uses of a ``Popen``, for a child of the
    template: its pid, and its exit status, which the template sends down a pipe."""

    def __init__(self, pid: int, status_fd: int):
        self.pid = pid
        self.returncode: int | None = None
        self._status_fd = status_fd

    def _collect(self, timeout: float | None) -> bool:
        if not select.select([self._status_fd], [], [], timeout)[0]:
            return False
        data = os.read(self._status_fd, 4)
        os.close(self._status_fd)
        self._status_fd = -1
        if len(data) == 4:
            self.returncode = os.waitstatus_to_exitcode(int.from_bytes(data, "little", signed=True))
        else:  # the template itself is gone: the child was killed with it or will be
            self.returncode = -signal.SIGKILL
        return True

    def exit_descriptor(self) -> int:
        """A copy of the status pipe: readable once the template has sent the exit status."""
        return os.dup(self._status_fd) if self._status_fd >= 0 else -1

    def poll(self) -> int | None:
        if self.returncode is None:
            self._collect(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and not self._collect(timeout):
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
        return self.returncode

    def __del__(self):
        if self._status_fd >= 0:
            os.close(self._status_fd)


class WorkerTemplate:
    """One running ``template_main.py`` for one Python interpreter."""

    def __init__(self, python: str, env: dict):
        ours, theirs = socket.socketpair()
        self._socket = ours
        self._lock = threading.Lock()
        try:
            self._proc = subprocess.Popen(
                [python, "-I", "-B", str(TEMPLATE_MAIN), "--socket-fd", str(theirs.fileno())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd="/", env=env, pass_fds=(theirs.fileno(),), start_new_session=True)
        finally:
            theirs.close()
        self._ready = False  # torch is imported meanwhile: the grader goes on (collecting the suite, say)

    def _wait_ready(self) -> None:
        if not self._ready:
            reply = self._receive(START_TIMEOUT_S)
            if not reply.get("ready"):
                raise TemplateError(f"the worker template did not start: {reply}")
            self._ready = True

    def _receive(self, timeout: float) -> dict:
        if not select.select([self._socket], [], [], timeout)[0]:
            raise TemplateError(f"the worker template did not answer within {timeout:.0f} s")
        data = self._socket.recv(MAX_REPLY)
        if not data:
            raise TemplateError("the worker template has stopped")
        return json.loads(data)

    def spawn(self, *, main: str, argv: list[str], cwd: str, env: dict, rlimits: dict,
              uid: int | None, gid: int | None, fds: tuple[int, int, int, int]) -> ForkedWorkerProcess:
        """Fork a worker running ``main argv`` with descriptors ``fds`` = (request, response,
        stack, output); the output also becomes its stdout and stderr."""
        request = {"main": main, "argv": argv, "cwd": cwd, "env": env, "limits": rlimits,
                   "uid": uid, "gid": gid}
        status_r, status_w = os.pipe()
        try:
            with self._lock:
                self._wait_ready()
                try:
                    socket.send_fds(self._socket, [json.dumps(request).encode()], [*fds, status_w])
                finally:
                    os.close(status_w)
                reply = self._receive(SPAWN_TIMEOUT_S)
        except (OSError, ValueError, TemplateError) as exc:
            os.close(status_r)
            raise TemplateError(str(exc)) from None
        if "pid" not in reply:
            os.close(status_r)
            raise TemplateError(reply.get("error", "no pid"))
        return ForkedWorkerProcess(int(reply["pid"]), status_r)

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        self._socket.close()
        try:
            self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


_templates: dict[str, WorkerTemplate | None] = {}
_templates_lock = threading.Lock()
_NOT_STARTED = object()


def enabled() -> bool:
    return sys.platform == "linux" and os.environ.get("GRADER_WORKER_TEMPLATE", "1") != "0"


def template_for(python: str) -> WorkerTemplate | None:
    """This process's template for ``python``, started on first use (or by :func:`prestart`);
    None where there is none. It may still be importing torch: its first spawn waits for it."""
    if not enabled():
        return None
    with _templates_lock:
        template = _templates.get(python, _NOT_STARTED)
        if template is None:  # it failed to start: this process starts its workers itself
            return None
        if template is _NOT_STARTED or not template.alive:
            try:
                template = WorkerTemplate(python, {**worker_environment(), "HOME": "/"})
            except (OSError, TemplateError):
                template = None
            _templates[python] = template
        return template


def prestart(python: str) -> None:
    """Start the template now, so that it imports torch while the grader does other work."""
    template_for(python)


def forget(python: str) -> None:
    """After a failed spawn: no template for ``python`` in this process any more."""
    with _templates_lock:
        template = _templates.get(python)
        _templates[python] = None
    if template is not None:
        template.close()


@atexit.register
def _close_all() -> None:
    for template in _templates.values():
        if template is not None:
            template.close()
