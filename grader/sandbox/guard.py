"""Defence in depth inside the worker: an audit hook the submission cannot remove.

The real boundary is the separate process (and, under root, a separate user). The hook
adds clear refusals for what a submission has no reason to do: touch the solutions or
results folders, start processes or signal other processes.
"""
from __future__ import annotations

import os
import sys

_PROCESS_EVENTS = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
                   "subprocess.Popen", "pty.spawn", "os.startfile"}
_PATH_EVENTS = {"open", "os.chmod", "os.chown", "os.rename", "os.remove", "os.rmdir", "os.listdir",
                "os.scandir", "os.link", "os.symlink", "os.truncate", "os.utime", "shutil.rmtree",
                "os.mkdir", "os.chdir"}


def install(protected) -> None:
    """Install the hook; ``protected`` are folders the submission may not touch."""
    roots = [os.path.realpath(p) for p in protected if p]
    own_pid = os.getpid()

    def is_protected(path) -> bool:
        if isinstance(path, int):
            return False
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return any(real == root or real.startswith(root + os.sep) for root in roots)

    def hook(event, args):
        if event in _PROCESS_EVENTS:
            raise PermissionError(f"the grader does not let submissions start processes ({event})")
        if event == "os.kill" and args and args[0] not in (own_pid, 0):
            raise PermissionError("the grader does not let submissions signal other processes")
        if event in _PATH_EVENTS and args and is_protected(args[0]):
            raise PermissionError(f"the grader does not let submissions access {os.fsdecode(args[0])}")
        if event in ("os.rename", "os.link", "os.symlink") and len(args) > 1 and is_protected(args[1]):
            raise PermissionError("the grader does not let submissions access that path")

    sys.addaudithook(hook)
