"""Defence in depth inside the worker: an audit hook the submission cannot remove.

The real boundary is the separate process and, under root, a uid of the worker's own. The
hook adds clear refusals for what a submission has no reason to do, and is the only fence
where the grader has no second user (an ordinary user's laptop): touch the solutions, the
checkout or the results folder, write anywhere but its own folder, open a folder outside
it (a ``dir_fd`` would get round the path checks), start processes or signal others.
"""
from __future__ import annotations

import os
import sys

_PROCESS_EVENTS = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
                   "subprocess.Popen", "pty.spawn", "os.startfile"}
_PATH_EVENTS = {"open", "os.chmod", "os.chown", "os.rename", "os.remove", "os.rmdir", "os.listdir",
                "os.scandir", "os.link", "os.symlink", "os.truncate", "os.utime", "shutil.rmtree",
                "os.mkdir", "os.chdir"}
_CHANGE_EVENTS = {"os.chmod", "os.chown", "os.rename", "os.remove", "os.rmdir", "os.link", "os.symlink",
                  "os.truncate", "os.utime", "shutil.rmtree", "os.mkdir"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_ALWAYS_WRITABLE = ("/dev/null",)


def _real(path) -> str | None:
    if isinstance(path, int):
        return None
    try:
        return os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return None


def _under(real: str, roots) -> bool:
    return any(real == root or real.startswith(root + os.sep) for root in roots)


def install(protected, writable=(), readable=()) -> None:
    """Install the hook: ``protected`` folders are off limits but for the ``readable`` ones
    inside them (its own folder, the datasets), and writes go to ``writable`` only
    (unrestricted when it is empty).
    """
    allowed = [os.path.realpath(p) for p in readable if p]
    roots = [os.path.realpath(p) for p in protected if p]
    own = [os.path.realpath(p) for p in writable if p]
    own_pid, own_group = os.getpid(), os.getpgid(0)

    def refuse(what: str):
        raise PermissionError(f"the grader does not let submissions {what}")

    def check_open(args) -> None:
        real = _real(args[0])
        if real is None:
            return
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
        writes = bool(flags & _WRITE_FLAGS) or any(c in mode for c in "wax+")
        if own and writes and real not in _ALWAYS_WRITABLE and not _under(real, own):
            refuse(f"write outside their own folder ({os.fsdecode(args[0])})")
        if own and not _under(real, own) and os.path.isdir(real):
            refuse(f"open a folder outside their own ({os.fsdecode(args[0])})")

    def hook(event, args):
        if event in _PROCESS_EVENTS:
            refuse(f"start processes ({event})")
        if event == "os.kill" and args and args[0] not in (own_pid, 0):
            refuse("signal other processes")
        if event == "os.killpg" and args and args[0] not in (own_group, 0):
            refuse("signal other process groups")
        if event in _PATH_EVENTS and args:
            real = _real(args[0])
            if real is not None and _under(real, roots) and not _under(real, allowed):
                refuse(f"access {os.fsdecode(args[0])}")
            if event == "open":
                check_open(args)
            elif event in _CHANGE_EVENTS and own and real is not None and not _under(real, own):
                refuse(f"change files outside their own folder ({os.fsdecode(args[0])})")
        if event in ("os.rename", "os.link", "os.symlink") and len(args) > 1:
            real = _real(args[1])
            if real is not None and ((_under(real, roots) and not _under(real, allowed))
                                     or (own and not _under(real, own))):
                refuse("move or link files there")

    sys.addaudithook(hook)
