"""The grading secret: inputs (timing shapes too) drawn from a seed no submission can know.

The secret is ``$GRADER_SECRET`` where a course sets it (Gradescope, a class regrade: the
same for every submission of one regrade, so the same submission always gets the same
score), else a random one made at first use and kept in the grader's own cache folder
(``$XDG_CACHE_HOME/sgd-kit/grading-secret``, only its owner can read it; as root the
workers run as other uids and cannot). Only the trusted side reads it; the worker is given
the numbers drawn from it, never the secret.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from grader import kit_cache

ENV = "GRADER_SECRET"
SECRET_NAME = "grading-secret"  # beside the solutions in a Gradescope zip, and in the cache folder


def _secret_file() -> Path:
    return kit_cache.cache_dir() / SECRET_NAME


def use_shipped_secret(solutions_dir: Path) -> None:
    """Take the secret a built autograder ships beside its solutions, unless the course set one."""
    shipped = Path(solutions_dir) / SECRET_NAME
    if not os.environ.get(ENV) and shipped.is_file():
        os.environ[ENV] = shipped.read_text(encoding="ascii").strip()


def grading_secret() -> bytes:
    """The secret of this install (or of this regrade, where ``$GRADER_SECRET`` is set)."""
    if os.environ.get(ENV):
        return os.environ[ENV].encode("utf-8")
    path = _secret_file()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    kit_cache.private_folder()
    fresh = os.urandom(32).hex().encode("ascii")
    try:  # two graders starting at once: the first one's secret wins
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(fresh)
    return fresh


def derived_secret(label: str) -> str:
    """A secret of its own for ``label`` (a built autograder's), from which this one cannot be found."""
    return hashlib.sha256(grading_secret() + b"\0derived\0" + label.encode("utf-8")).hexdigest()


def draw(label: str, low: int, high: int) -> int:
    """An integer in ``[low, high]`` fixed by the secret and ``label`` (the same on every regrade)."""
    digest = hashlib.sha256(grading_secret() + b"\0" + label.encode("utf-8")).digest()
    return low + int.from_bytes(digest[:8], "big") % (high - low + 1)
