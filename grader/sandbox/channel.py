"""Length-framed messages over a pipe descriptor, with an optional receive timeout."""
from __future__ import annotations

import os
import select
import struct
import time

from grader.sandbox import wire


class ChannelTimeout(TimeoutError):
    """No complete message arrived in time."""


class Writer:
    """Sends framed messages on a file descriptor, within a time limit when given one.

    The trusted side always gives one: a worker can reopen its request pipe through
    ``/proc/self/fd`` and fill it, and a blocking write would then wait forever.
    """

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, message: dict, timeout: float | None = None) -> None:
        data = wire.pack(message)
        view = memoryview(data)
        if timeout is None:
            while view:
                view = view[os.write(self.fd, view):]
            return
        deadline = time.monotonic() + timeout
        os.set_blocking(self.fd, False)
        try:
            while view:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [self.fd], [], left)[1]:
                    raise ChannelTimeout("the other side stopped reading (its pipe is full)")
                try:
                    view = view[os.write(self.fd, view):]
                except BlockingIOError:
                    continue
        finally:
            os.set_blocking(self.fd, True)


class Reader:
    """Receives framed messages; ``None`` means the other side closed the pipe or, when an
    ``ended_fd`` is given (readable once the sender's process has ended), that it ended."""

    def __init__(self, fd: int, ended_fd: int = -1):
        self.fd = fd
        self.ended_fd = ended_fd

    def _readable(self, deadline: float | None) -> bool:
        """Wait for data; False when the sender has ended with nothing more to read."""
        watched = [self.fd] + ([self.ended_fd] if self.ended_fd >= 0 else [])
        if deadline is None and len(watched) == 1:
            return True  # a blocking read waits
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise ChannelTimeout()
        ready = select.select(watched, [], [], left)[0]
        if not ready:
            raise ChannelTimeout()
        # Ended: whatever it wrote first is in the pipe by now (a reply, then an exit, both read).
        return self.fd in ready or bool(select.select([self.fd], [], [], 0)[0])

    def _read_exactly(self, count: int, deadline: float | None) -> bytes | None:
        chunks, remaining = [], count
        while remaining:
            if not self._readable(deadline):
                return None
            chunk = os.read(self.fd, min(remaining, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def receive(self, timeout: float | None = None) -> dict | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        header = self._read_exactly(8, deadline)
        if header is None:
            return None
        (length,) = struct.unpack(">Q", header)
        if length > wire.MAX_MESSAGE_BYTES:
            raise wire.WireError(f"message of {length} bytes is too large")
        body = self._read_exactly(length, deadline)
        if body is None:
            return None
        return wire.unpack_body(body)
