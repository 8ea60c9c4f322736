"""Resource limits and the unprivileged user a worker runs as."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-worker resource limits (applied with setrlimit in the child)."""

    # Private writable memory (RLIMIT_DATA): it counts what code allocates but not the address
    # space CUDA reserves, which an RLIMIT_AS limit would break.
    memory_bytes: int = 4 << 30
    cpu_seconds: int = 900  # over the worker's life; wall-clock timeouts are per call
    file_bytes: int = 256 << 20  # largest file the submission may write (stdout included)
    processes: int = 512  # counted per user (threads included), set only under a dropped user
    start_timeout_s: float = 60.0  # importing torch and the submission
    call_timeout_s: float = 30.0
    total_s: float = 900.0  # the whole grading run; later tests fail fast once it is spent
    strikes: int = 2  # after this many timeouts ...
    after_strikes_timeout_s: float = 5.0  # ... every call gets at most this long
    shrink_s: float | None = None  # hypothesis's search for a smaller failing input, per test (grader.shrink_budget)

    def rlimits(self, dropped_user: bool) -> dict[str, tuple[int, int]]:
        """The resource limits by name, as ``setrlimit`` takes them."""
        limits = {"RLIMIT_DATA": (self.memory_bytes, self.memory_bytes),
                  "RLIMIT_CPU": (self.cpu_seconds, self.cpu_seconds + 5),
                  "RLIMIT_FSIZE": (self.file_bytes, self.file_bytes),
                  "RLIMIT_CORE": (0, 0)}
        if dropped_user:
            limits["RLIMIT_NPROC"] = (self.processes, self.processes)
        return limits

    def apply(self, dropped_user: bool) -> None:
        """Run in the child between fork and exec."""
        for name, value in self.rlimits(dropped_user).items():
            resource.setrlimit(getattr(resource, name), value)


@dataclass(frozen=True)
class WorkerUser:
    """Who the worker runs as; ``uid is None`` means the grader's own user."""

    uid: int | None = None
    gid: int | None = None
    name: str = ""

    @property
    def dropped(self) -> bool:
        return self.uid is not None


WORKER_THREADS = 2  # torch's threads in a worker unless OMP_NUM_THREADS says otherwise


def worker_environment() -> dict:
    """What every worker runs with, and the template imports torch under (their own folders aside)."""
    return {"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", str(WORKER_THREADS))}


def worker_python() -> str:
    """The interpreter workers run: $GRADER_WORKER_PYTHON, else the grader's own."""
    return os.environ.get("GRADER_WORKER_PYTHON") or sys.executable


_user_checks: dict[tuple, subprocess.Popen] = {}  # started, not yet answered
_user_answers: dict[tuple, str] = {}


def _start_user_check(python: str, uid: int, gid: int) -> subprocess.Popen:
    return subprocess.Popen([python, "-I", "-c", "import numpy, torch"], user=uid, group=gid, extra_groups=[],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})


def prestart_user_check(python: str, uid: int, gid: int) -> None:
    """Begin :func:`_user_can_run`'s check now (it imports torch: about a second) in the background."""
    key = (python, uid, gid)
    if key not in _user_checks and key not in _user_answers:
        try:
            _user_checks[key] = _start_user_check(python, uid, gid)
        except OSError:
            pass  # checked again, and reported, when it is needed


def _user_can_run(python: str, uid: int, gid: int) -> str:
    """'' if ``uid`` can start ``python`` and import numpy and torch, else the reason (asked once)."""
    key = (python, uid, gid)
    if key not in _user_answers:
        try:
            check = _user_checks.pop(key, None) or _start_user_check(python, uid, gid)
            _, stderr = check.communicate(timeout=120)
            answer = "" if check.returncode == 0 else (stderr.strip().splitlines()
                                                       or [f"exit status {check.returncode}"])[-1]
        except (OSError, subprocess.SubprocessError) as exc:
            answer = str(exc)
        _user_answers[key] = answer
    return _user_answers[key]


NO_SECOND_USER = ("no second user was available (the grader is not root): the submission ran as the "
                  "grader's own user, in a session of its own")


def choose_worker_user(python: str, policy: str = "auto") -> tuple[WorkerUser, str]:
    """Whether workers get uids of their own, and a note for the report saying how.

    ``policy`` is "auto" (a uid per worker when root and possible), "require" (fail when
    not possible, as on Gradescope) or "off". The user returned is a template: a dropped
    one means each worker leases its own uid (see :mod:`grader.sandbox.uids`).
    """
    from grader.sandbox.errors import SandboxUnavailable
    from grader.sandbox.uids import PROBE_UID
    if policy == "off":
        return WorkerUser(), "the sandbox's user drop is off: the submission ran as the grader's own user"
    if os.geteuid() != 0:
        if policy == "require":
            raise SandboxUnavailable("Submissions must run as a user of their own but " + NO_SECOND_USER
                                     + ". Run the grader as root, or in a container.")
        return WorkerUser(), NO_SECOND_USER
    reason = _user_can_run(python, PROBE_UID, PROBE_UID)
    if not reason:
        return WorkerUser(PROBE_UID, PROBE_UID, "a uid per worker"), ""
    reason = f"an unprivileged uid cannot run {python} ({reason})"
    if policy == "require":
        raise SandboxUnavailable(
            f"Submissions must run as an unprivileged user but {reason}. Install the kit into an "
            "environment every user can read (see install.sh) or set GRADER_WORKER_PYTHON.")
    return WorkerUser(), f"workers ran as root: {reason}"
