"""A uid of its own for every worker, leased from a high range that no account uses.

As root, ``setuid`` needs no passwd entry, so a worker can be given a number that names no
one: its files, its ``/proc`` entries and its signals are then out of reach of every other
worker (other students' included) and of the checkout's files that are not world-readable.
Leases are ``flock``s on one file per uid in a root-only folder, so concurrent graders on
one machine (``grade batch --jobs 2``) never share a uid, and a lease ends with its process.
"""
from __future__ import annotations

import fcntl
import os
import random
from dataclasses import dataclass

from grader.sandbox.processes import kill_uid, processes_of, running_uids

UID_BASE = int(os.environ.get("GRADER_UID_BASE", "1900000000"))
UID_SLOTS = 4096
# Checks that a worker uid can run the interpreter; never leased, so its cached answer holds.
PROBE_UID = UID_BASE + UID_SLOTS
LOCK_DIR = os.environ.get("GRADER_UID_LOCK_DIR", "/run/sgd-kit-uids")


class NoFreeUid(RuntimeError):
    """Every uid of the range is leased (thousands of gradings at once)."""


@dataclass
class UidLease:
    """One leased uid; :meth:`release` kills whatever still runs as it, then frees it."""

    uid: int
    _fd: int

    def release(self) -> None:
        if self._fd < 0:
            return
        kill_uid(self.uid)
        os.close(self._fd)
        self._fd = -1


def _lock_dir() -> str:
    os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
    os.chmod(LOCK_DIR, 0o700)
    return LOCK_DIR


def _lock(folder: str, uid: int) -> int | None:
    """The uid's lock file, locked, or None when another grader holds it."""
    fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def sweep_orphans(folder: str) -> None:
    """Kill what still runs as a worker uid that no grader holds: its grader died unclosed."""
    for uid in running_uids():
        if UID_BASE <= uid < UID_BASE + UID_SLOTS:
            fd = _lock(folder, uid)
            if fd is not None:
                kill_uid(uid)
                os.close(fd)


def lease_uid() -> UidLease:
    """A uid no other grader holds; leftovers of graders that died unclosed are killed first."""
    folder = _lock_dir()
    sweep_orphans(folder)
    start = random.randrange(UID_SLOTS)
    for offset in range(UID_SLOTS):
        uid = UID_BASE + (start + offset) % UID_SLOTS
        fd = _lock(folder, uid)
        if fd is None:
            continue
        if processes_of(uid) and not kill_uid(uid):
            os.close(fd)  # something of this uid cannot be killed: leave the uid alone
            continue
        return UidLease(uid, fd)
    raise NoFreeUid(f"all {UID_SLOTS} worker uids from {UID_BASE} are in use")
