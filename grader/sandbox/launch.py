"""Starting one worker's process: forked from the worker template where there is one
(:mod:`grader.sandbox.template`), else a fresh interpreter. Either way the child has a
session of its own, the worker's limits, uid, environment and folder, and only the
descriptors named here; the handle returned has ``pid``, ``poll()`` and ``wait(timeout)``.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from grader.sandbox import template as worker_template
from grader.sandbox.limits import Limits, WorkerUser


@dataclass(frozen=True)
class Launch:
    """What one worker process is started with."""

    python: str
    main: str  # worker_main.py, in the worker's own copy of the kit
    arguments: list[str]  # its arguments but for the descriptors
    cwd: str
    env: dict
    limits: Limits
    user: WorkerUser
    fds: tuple[int, int, int]  # request (read end), response (write end), the stack file
    output_fd: int  # stdout and stderr


def start(launch: Launch):
    """The worker's process, forked from the template if possible."""
    return _forked(launch) or _started(launch)


def _forked(launch: Launch):
    template = worker_template.template_for(launch.python)
    if template is None:
        return None
    dropped = launch.user.dropped
    try:
        return template.spawn(main=launch.main, argv=launch.arguments, cwd=launch.cwd, env=launch.env,
                              rlimits=launch.limits.rlimits(dropped), uid=launch.user.uid if dropped else None,
                              gid=launch.user.gid if dropped else None, fds=(*launch.fds, launch.output_fd))
    except worker_template.TemplateError:
        worker_template.forget(launch.python)
        return None


def _started(launch: Launch) -> subprocess.Popen:
    dropped = launch.user.dropped
    kwargs = dict(user=launch.user.uid, group=launch.user.gid, extra_groups=[]) if dropped else {}
    req, resp, stack = launch.fds
    command = [launch.python, "-I", "-B", launch.main, *launch.arguments, "--req-fd", str(req),
               "--resp-fd", str(resp), "--stack-fd", str(stack)]
    # A session of its own: signals to the grader's process group never reach the worker's
    # and, without a second user, the worker's own killpg(0) reaches only itself.
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=launch.output_fd, stderr=subprocess.STDOUT,
                            cwd=launch.cwd, env=launch.env, pass_fds=launch.fds, start_new_session=True,
                            preexec_fn=lambda: launch.limits.apply(dropped), **kwargs)


def exit_descriptor(process) -> int:
    """A new descriptor that turns readable when ``process`` ends, for the caller to close;
    -1 where the system has none to give.

    A reply pipe alone cannot tell: a child the submission forked keeps the pipe's write end
    open after the worker itself is gone, and the grader would wait out the call's time limit.
    A ``pidfd`` (Linux 5.3+) follows the process itself, so a worker template that dies (its
    children live on) is not taken for the worker's end; where there is none, a forked
    worker's status pipe stands in.
    """
    try:
        return os.pidfd_open(process.pid)
    except (AttributeError, OSError):
        pass
    if isinstance(process, worker_template.ForkedWorkerProcess):
        try:
            return process.exit_descriptor()
        except OSError:  # out of descriptors: the pipe alone, as before
            return -1
    return -1
