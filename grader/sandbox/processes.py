"""Every process of one worker: found, frozen, thawed and killed by what the kernel says.

Under root each worker has a uid of its own, so "the worker" is every process of that
uid, however it was started (``setsid()``, a ctypes ``fork()``, a double fork): the
kernel's uid is the one label a submission cannot shed. Without root there is no such
label; the worker is then its own session's process group, which a child that calls
``setsid()`` leaves (docs/security.md says so).
"""
from __future__ import annotations

import os
import signal
import time

KILL_ROUNDS = 200  # a fork bomb is bounded by RLIMIT_NPROC; each round kills what it finds
FREEZE_ROUNDS = 20


def _status_fields(pid: str) -> tuple[int, str] | None:
    """(real uid, state letter) of a process, or None when it is gone."""
    uid, state = None, ""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"State:"):
                    state = line.split()[1].decode()
                elif line.startswith(b"Uid:"):
                    uid = int(line.split()[1])
                    break
    except (OSError, ValueError, IndexError):
        return None
    return (uid, state) if uid is not None else None


def processes_of(uid: int, *, states: bool = False):
    """Pids (or pid -> state) of the live processes whose real uid is ``uid`` (zombies left out)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _status_fields(entry.name)
        if fields and fields[0] == uid and fields[1] not in ("Z", "X"):
            found[int(entry.name)] = fields[1]
    return found if states else sorted(found)


def running_uids() -> set[int]:
    """The real uids of every live process (zombies left out)."""
    found = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _status_fields(entry.name)
            if fields and fields[1] not in ("Z", "X"):
                found.add(fields[0])
    return found


def _signal_each(pids, sig) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_uid(uid: int) -> bool:
    """SIGKILL every process of ``uid`` until a scan finds none; False if some survive."""
    for _ in range(KILL_ROUNDS):
        pids = processes_of(uid)
        if not pids:
            return True
        _signal_each(pids, signal.SIGKILL)
        time.sleep(0.002)
    return not processes_of(uid)


def freeze_uid(uid: int) -> None:
    """SIGSTOP every process of ``uid``, again until a scan finds every one stopped."""
    for _ in range(FREEZE_ROUNDS):
        found = processes_of(uid, states=True)
        running = [pid for pid, state in found.items() if state not in ("T", "t")]
        if not running:
            return
        _signal_each(running, signal.SIGSTOP)


def thaw_uid(uid: int) -> None:
    _signal_each(processes_of(uid), signal.SIGCONT)


class ProcessSet:
    """The processes of one worker, by uid (root) or by process group (no second user)."""

    def __init__(self, *, uid: int | None = None, group: int | None = None):
        self.uid, self.group = uid, group

    def _signal_group(self, sig) -> None:
        if self.group is not None:
            try:
                os.killpg(self.group, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def freeze(self) -> None:
        if self.uid is not None:
            freeze_uid(self.uid)
        else:
            self._signal_group(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.uid is not None:
            thaw_uid(self.uid)
        else:
            self._signal_group(signal.SIGCONT)

    def kill(self) -> bool:
        self._signal_group(signal.SIGKILL)
        return kill_uid(self.uid) if self.uid is not None else True
