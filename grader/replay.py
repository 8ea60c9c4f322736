"""Replaying a hidden test's input on a student's own copy, without the reference.

A hidden test compares the submission with the reference, which a student's copy does not
have. When one fails, its feedback gives the input (never the expected value) and a replay
code: the exercise, the test and, for a test hypothesis drew inputs for, hypothesis's own
blob for the failing example (what its ``@reproduce_failure`` takes). ``grade replay CODE``
runs that one test again on that input with the reference's side answered by the student's
own code (so the comparison cannot fail and no expected value exists anywhere) and shows
every call the test made: what the student's code returned for it.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

import numpy as np

# hypothesis's note with print_blob: "... adding @reproduce_failure('6.170.27', b'AEFkQQA=') as ..."
BLOB_NOTE = re.compile(r"@reproduce_failure\('([^']+)', b'([A-Za-z0-9+/=]+)'\)")
SEPARATOR = ":"
MAX_CALLS_SHOWN = 12


class ReplayCodeError(ValueError):
    """A replay code that cannot be read (a usage error, shown as such)."""


@dataclass(frozen=True)
class Replay:
    """What a replay code names: the exercise's test, and hypothesis's example if it drew one."""

    exercise: str
    test_id: str
    version: str = ""
    blob: str = ""

    @property
    def code(self) -> str:
        parts = [self.exercise, self.test_id] + ([self.version, self.blob] if self.blob else [])
        return SEPARATOR.join(parts)


@contextlib.contextmanager
def example(replay: Replay | None, item):
    """Hypothesis made to run the replayed example alone (what ``@reproduce_failure`` does)."""
    test = getattr(item, "obj", None)
    if replay is None or not replay.blob or not hasattr(test, "hypothesis"):
        yield
        return
    test._hypothesis_internal_use_reproduce_failure = (replay.version, replay.blob.encode())
    try:
        yield
    finally:
        test._hypothesis_internal_use_reproduce_failure = None


def from_failure(exercise: str, test_id: str, notes: list[str]) -> Replay:
    """The replay of a failed hidden test, with hypothesis's blob where its notes hold one."""
    for note in notes:
        found = BLOB_NOTE.search(note)
        if found:
            return Replay(exercise, test_id, found.group(1), found.group(2))
    return Replay(exercise, test_id)


def parse(code: str) -> Replay:
    parts = code.strip().split(SEPARATOR)
    if len(parts) not in (2, 4) or not all(parts) or not re.fullmatch(r"exercise\d+", parts[0]):
        raise ReplayCodeError(f"not a replay code: {code!r} (it looks like exercise3:test_name[...]:6.1.2:AbC=)")
    return Replay(*parts)


def _as_numbers(value) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):  # not numbers, or lists of different lengths
        return None


def summary(value, limit: int = 300) -> str:
    """A value as a student reads it, on one line: small arrays in full, large ones by shape."""
    array = None if isinstance(value, (bool, int, str, dict)) or value is None else _as_numbers(value)
    if array is not None and array.size <= 12:
        text = (np.array2string(array, precision=6, separator=", ", max_line_width=10**6).replace("\n", "")
                if array.ndim else f"{float(array):.6g}")
    elif array is not None:
        text = f"array of shape {array.shape}: [{', '.join(f'{x:.6g}' for x in array.ravel()[:4])}, ...]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k!r}: {summary(v, 80)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(summary(v, 80) for v in value[:4]) + (", ...]" if len(value) > 4 else "]")
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


@dataclass
class CallLog:
    """The student's worker, answering for both sides of a replayed test and noting each call."""

    student: object
    calls: list = field(default_factory=list)

    def _note(self, probe, inputs: dict, value) -> None:
        function = getattr(probe, "function", None) or inputs.get("function") or getattr(probe, "__name__", str(probe))
        if "function" in inputs:  # the generic probe: the student's function, called as written
            arguments = [summary(a, 120) for a in inputs.get("args", ())]
            arguments += [f"{k}={summary(v, 120)}" for k, v in (inputs.get("kwargs") or {}).items()]
        else:
            arguments = [f"{k}={summary(v, 120)}" for k, v in inputs.items()]
        entry = (f"{function}({', '.join(arguments)})", summary(value))
        if not self.calls or self.calls[-1] != entry:  # the "reference's" identical call is shown once
            self.calls.append(entry)

    def call(self, probe, *, timeout=None, **inputs):
        value = self.student.call(probe, timeout=timeout, **inputs)
        self._note(probe, inputs, value)
        return value

    def timed_call(self, probe, *, timeout=None, **inputs):
        value, seconds = self.student.timed_call(probe, timeout=timeout, **inputs)
        self._note(probe, inputs, value)
        return value, seconds

    def __getattr__(self, name):
        return getattr(self.student, name)

    def describe(self) -> str:
        lines = []
        for call, value in self.calls[:MAX_CALLS_SHOWN]:
            lines += [f"  {call}", f"    returned {value}"]
        if len(self.calls) > MAX_CALLS_SHOWN:
            lines.append(f"  ... and {len(self.calls) - MAX_CALLS_SHOWN} more calls")
        return "\n".join(lines) or "  (the test made no call into your code)"


def hidden_failure(message: str, exercise: str, test_id: str, notes: list[str]) -> str:
    """A hidden test's failure as shown: its input but never the reference's value, and a replay code."""
    kept = [line for line in message.splitlines() if not line.lstrip().startswith("expected:")]
    code = from_failure(exercise, test_id, notes).code
    return "\n".join(kept) + f"\nSee what your code returns on this input: grade replay '{code}'"


def replayed(log: CallLog | None, error: BaseException | None, message: str) -> str:
    """What ``grade replay`` shows for its test: each call and what the student's code returned."""
    text = "What your code returned on this input:\n" + (log.describe() if log else
                                                          "  (the test made no call into your code)")
    if error is None or type(error).__name__ == "DidNotReproduce":  # ran to the end: nothing else to say
        return text
    if "different version of Hypothesis" in str(error):
        return text + f"\nThis code was made with another version of hypothesis: {error}"
    return text + "\n" + message
