"""Where a submission hung, and the functions that are not called again after they hung.

On a probe timeout the trusted side asks the worker for its stack: the worker's own code
registered :mod:`faulthandler` on :data:`STACK_SIGNAL` before the submission was imported,
so the dump is written from a C signal handler even while the submission spins in Python or
waits in a C call. Only the frames in the submission's own file are kept; the innermost of
them is the function that hung. Nothing of this is evidence: the timeout itself is the
trusted side's clock, and a forged stack can only mislead its own author.

A function that hung once (a call given its whole time limit, not one stopped because its
test's budget ran out) is not called again in that grading: later requests carry its
line, the worker replaces every binding of the module whose code holds that line (a
function, a method, the function enclosing a closure) with a stub that fails at once, and
the test fails saying so instead of costing another timeout.
"""
from __future__ import annotations

import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.errors import ProbeTimeout

STACK_SIGNAL = signal.SIGUSR1
STACK_WAIT_S = 3.0  # the longest wait for the worker's dump (it comes in milliseconds; a loaded machine may be slow)
_SETTLED_S = 0.03  # no new bytes for this long: the dump is complete
MAX_STACK_BYTES = 64 << 10
SHOWN_FRAMES = 6
_FRAME = re.compile(r'^\s*File "(.*)", line (\d+) in (.+?)\s*$')
NOT_CALLED_AGAIN = "NotCalledAgain"  # the worker's error type when a stub was reached


class NotCalledAgain(ProbeTimeout):
    """The test needs a function that hung in an earlier test; it was not called again."""


@dataclass(frozen=True)
class Frame:
    line: int
    function: str


@dataclass(frozen=True)
class Hang:
    """Where one hung call was stopped: the submission's frames, innermost last."""

    frames: tuple[Frame, ...]

    @property
    def function(self) -> str:
        return self.frames[-1].function

    @property
    def line(self) -> int:
        return self.frames[-1].line


def request_stack(pid: int, fd: int) -> str:
    """Signal the worker to dump its stack into ``fd``; return the dump ('' if none came)."""
    start = os.fstat(fd).st_size
    try:
        os.kill(pid, STACK_SIGNAL)
    except OSError:
        return ""
    deadline = time.monotonic() + STACK_WAIT_S
    size, changed = start, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.005)
        now = os.fstat(fd).st_size
        if now != size:
            size, changed = now, time.monotonic()
        elif size > start and time.monotonic() - changed >= _SETTLED_S:
            break
    return os.pread(fd, MAX_STACK_BYTES, start).decode(errors="replace")


def parse_stack(dump: str, module_path: str, runner_path: str = "") -> Hang | None:
    """The submission's frames in a faulthandler dump (most recent call first), innermost last.

    Of several threads, the one whose stack holds ``runner_path`` (the worker's request loop,
    which calls the probe) is the call that hung; a thread of the submission's own is not.
    """
    found = []
    for section in re.split(r"\n(?=\S)", dump):  # one section per thread
        frames, runs_probes = [], False
        for line in section.splitlines():
            match = _FRAME.match(line)
            if match and match.group(1) == module_path:
                frames.append(Frame(int(match.group(2)), match.group(3)))
            runs_probes = runs_probes or bool(match and runner_path and match.group(1) == runner_path)
        if frames:
            found.append((not runs_probes, Hang(tuple(reversed(frames)))))
    return min(found, key=lambda pair: pair[0])[1] if found else None


def stopped_at(hang: Hang | None, module_name: str, source_lines: list[str]) -> str:
    """The lines a student reads under a timeout: where their code was when it was stopped."""
    if hang is None:
        return ""
    lines = ["Your code was stopped here (most recent call last):"]
    for frame in hang.frames[-SHOWN_FRAMES:]:
        text = source_lines[frame.line - 1].strip() if 0 < frame.line <= len(source_lines) else ""
        lines.append(f"  {module_name}, line {frame.line}, in {frame.function}" + (f"\n    {text}" if text else ""))
    return "\n" + "\n".join(lines)


def not_called_again(function: str, hang: Hang) -> NotCalledAgain:
    """The failure of a later test that needs what hung (``function``: the one the probe calls)."""
    prefix = "" if function == hang.function else f"{function}: "
    return NotCalledAgain(f"{prefix}{hang.function} hung in an earlier test (line {hang.line}): not called again")


def source_lines(path: Path | None) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path else []
    except OSError:
        return []


# -- in the worker: the stubs --------------------------------------------------------------
class _Stopped(BaseException):
    """Raised by a stub; a BaseException, so a student's ``except Exception`` lets it through."""


def _holds(code, line: int) -> bool:
    """Whether ``line`` is in ``code`` or in a function, class or closure defined inside it."""
    if any(number == line for _, _, number in code.co_lines()):
        return True
    return any(_holds(const, line) for const in code.co_consts if hasattr(const, "co_lines"))


def _function_of(value):
    """The plain function behind a module or class attribute, or None."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    elif isinstance(value, property):
        value = value.fget
    value = getattr(value, "__wrapped__", value)  # functools.wraps-style decorators
    return value if hasattr(value, "__code__") else None


def _rewrapped(original, stub):
    if isinstance(original, staticmethod):
        return staticmethod(stub)
    if isinstance(original, classmethod):
        return classmethod(stub)
    if isinstance(original, property):
        return property(stub)
    return stub


class Stubs:
    """The module's bindings whose code holds a hung line, replaced by stubs that fail at once."""

    def __init__(self, module):
        self.module = module
        self.lines: set[int] = set()
        self.reached: int | None = None  # the hung line of the stub reached during this call

    def install(self, lines) -> None:
        new = {int(line) for line in lines if isinstance(line, int)} - self.lines
        if self.module is None or not new:
            return
        self.lines |= new
        path = getattr(self.module, "__file__", None)
        owners = [self.module] + [value for value in list(vars(self.module).values())
                                  if isinstance(value, type) and value.__module__ == self.module.__name__]
        for owner in owners:
            for name, value in list(vars(owner).items()):
                function = _function_of(value)
                if function is None or function.__code__.co_filename != path:
                    continue
                line = next((line for line in sorted(new) if _holds(function.__code__, line)), None)
                if line is not None:
                    setattr(owner, name, _rewrapped(value, self._stub(line, name)))

    def _stub(self, line: int, name: str):
        def not_called_again(*args, **kwargs):
            self.reached = line
            raise _Stopped(f"{name} hung in an earlier test (line {line}): not called again")
        return not_called_again
