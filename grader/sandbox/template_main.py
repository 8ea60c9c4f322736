"""The worker template: torch imported once, then a fresh worker forked on each request.

Started by :mod:`grader.sandbox.template` as ``python -I -B template_main.py --socket-fd N``.
Importing torch takes about a second; a worker forked from a process that has already
imported it starts in milliseconds, so a grading no longer waits for it twice (the
student's worker and the reference's), nor again after every crash or hang.

Trusted code only runs here: this process never imports the kit, never holds a grading's
secret or a submission, and each child drops to its own user and closes every
descriptor but its own before it runs ``worker_main.py`` — exactly what a freshly started
worker would do. Requests come only from the grader, over a socket pair, with the
worker's descriptors attached (SCM_RIGHTS); the answer is the child's pid. When a child
ends, its wait status goes down that child's own status pipe, since only this process,
its parent, can collect it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import select
import signal
import socket
import sys
import traceback

FIRST_FD = 3
MAX_MESSAGE = 1 << 16


def _preload() -> None:
    """The heavy imports every worker makes; nothing here starts a thread."""
    import numpy  # noqa: F401
    try:
        import torch  # noqa: F401
    except ImportError:
        pass


def _become(request: dict) -> None:
    """Everything ``subprocess.Popen`` does for a started worker: a session, the limits, the uid
    (limits first, while still allowed to set any), then the folder and the environment."""
    os.setsid()  # a session of its own (start_new_session)
    for name, value in request["limits"].items():
        resource.setrlimit(getattr(resource, name), tuple(value))
    if request.get("uid") is not None:
        os.setgroups([])
        os.setgid(request["gid"])
        os.setuid(request["uid"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])


def _keep_only(fds: list[int]) -> list[int]:
    """Move ``fds`` to 3, 4, ...; stdin from /dev/null; close every other descriptor.

    ``sys.stdout`` and ``sys.stderr`` stay the objects Python made at start (for /dev/null,
    so buffered as for a file): they now write to the worker's output file.
    """
    output = fds[3]
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    moved = [os.dup(fd) for fd in fds[:3]]  # above every fd that may be overwritten next
    kept = []
    for index, fd in enumerate(moved):
        os.dup2(fd, FIRST_FD + index)
        kept.append(FIRST_FD + index)
    os.closerange(FIRST_FD + len(kept), os.sysconf("SC_OPEN_MAX"))
    return kept


def _run_worker(request: dict, fds: list[int]) -> int:
    _become(request)
    req, resp, stack = _keep_only(fds)
    try:
        import numpy
        numpy.random.seed()  # fresh entropy, as a started process would have (random reseeds itself)
    except ImportError:
        pass
    argv = [str(a) for a in request["argv"]] + ["--req-fd", str(req), "--resp-fd", str(resp),
                                                 "--stack-fd", str(stack)]
    sys.argv = [request["main"], *argv]
    import runpy
    try:
        runpy.run_path(request["main"], run_name="__main__")
    except SystemExit as stop:
        code = stop.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    return 0


def _child(request: dict, fds: list[int]) -> None:
    code = 70
    try:
        code = _run_worker(request, fds)
    except BaseException:  # noqa: BLE001 - report anything, then leave without running the template's code
        try:
            traceback.print_exc()
        except BaseException:
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(code)


def _reap(children: dict[int, int]) -> None:
    """Send each ended child's wait status down its status pipe."""
    for pid in list(children):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, status = pid, 255 << 8
        if done:
            status_fd = children.pop(pid)
            try:
                os.write(status_fd, status.to_bytes(4, "little", signed=True))
            except OSError:
                pass
            os.close(status_fd)


def _wake_on_child_exit() -> int:
    """A descriptor that becomes readable when a child ends (no polling while a worker is timed)."""
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        os.set_blocking(fd, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler of its own makes Python write the fd
    signal.set_wakeup_fd(wake_w)
    return wake_r


def serve(sock: socket.socket) -> None:
    children: dict[int, int] = {}
    wake = _wake_on_child_exit()
    while True:
        ready = select.select([sock, wake], [], [])[0]
        if wake in ready:
            try:
                os.read(wake, 4096)
            except BlockingIOError:
                pass
        _reap(children)
        if sock not in ready:
            continue
        message, fds, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE, 8)
        if not message:  # the grader is gone
            return
        try:
            request = json.loads(message)
            if len(fds) != 5:
                raise ValueError(f"expected 5 descriptors, got {len(fds)}")
            pid = os.fork()
        except Exception as exc:  # noqa: BLE001 - the grader falls back to starting the worker itself
            for fd in fds:
                os.close(fd)
            sock.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
            continue
        if pid == 0:
            sock.close()
            signal.set_wakeup_fd(-1)  # the worker's children are its own business
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _child(request, fds)
        children[pid] = fds[4]
        for fd in fds[:4]:
            os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket-fd", type=int, required=True)
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.socket_fd)
    _preload()
    sock.sendall(b'{"ready": true}')
    serve(sock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
