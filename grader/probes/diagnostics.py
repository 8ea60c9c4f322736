"""Probes that report on the worker itself; the kit's tests use them to check the sandbox."""
from __future__ import annotations

import os
import resource


def whoami(sub):
    """Who and where the worker is, and what it was given."""
    return {"uid": os.getuid(), "gid": os.getgid(), "cwd": os.getcwd(), "env": sorted(os.environ),
            "memory_limit": resource.getrlimit(resource.RLIMIT_DATA)[0], "pid": os.getpid()}


def read_file(sub, path):
    """Try to read a file; return its length or the error's type."""
    try:
        with open(path, "rb") as handle:
            return {"read": len(handle.read())}
    except OSError as exc:
        return {"error": type(exc).__name__}


def call(sub, name, args=()):
    """Call a function of the loaded module and return its result."""
    return getattr(sub, name)(*args)
