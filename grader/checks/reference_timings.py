"""The reference's timings, kept by a long-lived grader for the submissions that follow.

A grader that grades one submission after another (a ``grade batch`` slot, the kit's own
test run) times the reference on the same inputs for every submission: within one regrade
the inputs come from the same secret, and the reference does not change. So its blocks are
remembered here, in the trusted process, and a timing comparison's first round uses them
instead of timing the reference again (which, with every answer of the reference cached,
is what would otherwise start its worker).

Remembered blocks only ever decide a *pass*: they are a real measurement of the reference on
this machine, and a student's blocks within the bound of them are within the bound. A round
that does not pass is measured again side by side, fresh, as many times as a comparison
without remembered blocks would be (grader/checks/timing.py), so a failure never rests on an
old measurement. Each entry serves ``REUSES`` comparisons and is then measured afresh; of two
measurements the one with the faster best block is kept, so blocks taken under load do not
become a lenient yardstick for the submissions after it.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

REUSES = 8
_KNOWN: dict[str, list] = {}  # key -> [Samples, comparisons left]


def _fingerprint(worker) -> str:
    """The reference's source, so that another reference (another course's) never matches."""
    path = getattr(worker, "submission", None)
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else ""
    except OSError:
        return ""


class RememberedTimer:
    """The reference's timer (a zero-argument callable returning seconds), and its known blocks."""

    def __init__(self, key: str, run):
        self.key = key
        self.run = run

    def __call__(self) -> float:
        return self.run()

    def known(self):
        """The remembered :class:`~grader.checks.timing.Samples`, one use taken, or None."""
        entry = _KNOWN.get(self.key)
        if entry is None or entry[1] <= 0:
            return None
        entry[1] -= 1
        return entry[0]

    def remember(self, samples) -> None:
        """Keep the faster of these blocks and those known: load only ever adds time, so the
        faster measurement is the closer to the reference's cost (and the stricter yardstick)."""
        entry = _KNOWN.get(self.key)
        if entry is None or samples.best <= entry[0].best:
            entry = [samples, 0]
        entry[1] = REUSES
        _KNOWN[self.key] = entry


def remembered(reference, label: str, run):
    """``run`` (timing ``reference``) with the blocks it measured kept under ``label``.

    ``label`` names the measurement (the test and every input of the timed call); the
    reference's source is added to it here. Without a reference file, ``run`` as it is.
    """
    fingerprint = _fingerprint(reference)
    if not fingerprint:
        return run
    return RememberedTimer(f"{fingerprint}\0{label}", run)


def forget_all() -> None:
    """Drop every remembered block (tests; a grader that wants fresh measurements)."""
    _KNOWN.clear()
