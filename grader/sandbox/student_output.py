"""What a submission printed, per test and at import, read by the trusted side.

The worker's stdout and stderr go to an output file the grader holds its own descriptor on
(:mod:`grader.sandbox.workdir`); the worker flushes both streams before it answers a call,
so the bytes the file grew by during a call are what the call printed (C-level writes and
warnings included). Nothing changes inside a timed call: no stream is swapped, no buffer
copied. The text is the student's, shown as theirs and never as evidence: it is bounded on
reading (the worker is untrusted), and control characters are made visible, so it cannot
move the cursor over the grader's own lines.
"""
from __future__ import annotations

import os
import re

MAX_CHARS = 4000  # per test, and for the import
_BYTES_PER_CHAR = 4  # at most, in UTF-8: what is read for MAX_CHARS characters
# C0 and C1 controls (but newline and tab), and the invisible characters that reorder or hide text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    """``text`` with carriage returns as line breaks and other control characters spelled out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100
                        else f"\\u{ord(match.group()):04x}", text)


class OutputLog:
    """The first :data:`MAX_CHARS` characters printed, and a count of the rest."""

    def __init__(self, limit: int = MAX_CHARS):
        self.limit = limit
        self._parts: list[str] = []
        self._chars = 0
        self._more = 0

    def add(self, fd: int, start: int, end: int | None = None) -> None:
        """What the file behind ``fd`` holds from ``start`` to ``end`` (its size when None)."""
        try:
            end = os.fstat(fd).st_size if end is None else end
            size = end - start
            room = self.limit - self._chars
            if size <= 0:
                return
            data = os.pread(fd, min(size, room * _BYTES_PER_CHAR), start) if room > 0 else b""
        except OSError:
            return
        text = visible(data.decode("utf-8", errors="replace"))
        shown = text[:max(room, 0)]
        self._parts.append(shown)
        self._chars += len(shown)
        self._more += len(text) - len(shown) + (size - len(data))  # unread bytes counted as characters

    def take(self) -> str:
        """The text so far (with a note of what was left out), and a fresh start."""
        text = "".join(self._parts).rstrip("\n")
        if self._more:
            text += f"\n... {self._more} more characters not shown"
        self._parts, self._chars, self._more = [], 0, 0
        return text


def file_size(fd: int) -> int:
    try:
        return os.fstat(fd).st_size if fd >= 0 else 0
    except OSError:
        return 0
