"""The reference's answers, kept for the next grading that asks the same question.

Within one regrade the inputs come from the same seeds (the grading secret, which seeds
hypothesis too), so the reference is asked the same questions for every submission, and its
answers never change. A grading asks its reference worker through :class:`ReferenceAnswers`:
an answer already known is read from a small SQLite file instead, and a reference whose
every answer is known is never even started (unless a timing test needs it; timed calls
are never cached: a time is a measurement, not an answer).

What a cached answer depends on is all in its key: the question (probe and inputs, as
the wire encodes them) in the row, and in the file's name everything else that could
change the reference's reply: the reference's source, the grader's own source, the
versions of Python, numpy and torch, the machine and the thread settings. A change to
any of them starts a fresh file. The file lives in the grader's private cache folder
(:mod:`grader.kit_cache`), out of every worker's reach; ``$GRADER_REFERENCE_CACHE``
names another folder, or ``off`` to ask the reference every time.
"""
from __future__ import annotations

import hashlib
import os
import platform
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

from grader import kit_cache
from grader.sandbox import wire
from grader.sandbox.worker import probe_name

GRADER_SOURCE = Path(__file__).resolve().parent
_WAIT_S = 30.0  # another grading writing the same file (grade batch --jobs N)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _grader_fingerprint() -> bytes:
    """Every file of the grader package that can shape a reply (probes, checks, data manifest)."""
    digest = hashlib.sha256()
    for path in sorted(GRADER_SOURCE.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(GRADER_SOURCE)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def answers_key(exercise_id: str, reference_path: Path, data_dir: str = "") -> str:
    """The name of the answers file for this reference, grader, datasets and machine."""
    digest = hashlib.sha256()
    for part in (exercise_id, Path(reference_path).read_bytes(), _grader_fingerprint(), data_dir, sys.version,
                 _version("numpy"), _version("torch"), platform.machine(), platform.processor(),
                 os.environ.get("OMP_NUM_THREADS", ""), os.environ.get("CUDA_VISIBLE_DEVICES", "")):
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\0")
    return f"{exercise_id}-{digest.hexdigest()[:32]}"


class AnswerStore:
    """One SQLite file of ``question -> answer`` (wire-encoded bytes)."""

    def __init__(self, path: Path):
        self.path = path
        self._db = sqlite3.connect(path, timeout=_WAIT_S, isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (question TEXT PRIMARY KEY, answer BLOB)")

    def get(self, question: str):
        try:
            row = self._db.execute("SELECT answer FROM answers WHERE question = ?", (question,)).fetchone()
        except sqlite3.Error:  # locked too long, or damaged: ask the reference
            return None
        return None if row is None else row[0]

    def put(self, question: str, answer: bytes) -> None:
        try:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?)", (question, answer))
        except sqlite3.Error:  # a full disk costs time next time, never a grade
            pass

    def close(self) -> None:
        self._db.close()


def _question(probe, inputs: dict) -> str:
    return hashlib.sha256(probe_name(probe).encode() + b"\0" + wire.pack(inputs)).hexdigest()


class ReferenceAnswers:
    """The reference worker, its plain calls answered from the store where already known.

    Everything but :meth:`call` is the worker's own (``timed_call`` included). An answer is
    stored only when the reference returned one: an error is asked again next time.
    """

    def __init__(self, worker, store: AnswerStore):
        self._worker = worker
        self._store = store
        self.hits = 0
        self.misses = 0

    def call(self, probe, *, timeout: float | None = None, **inputs):
        question = _question(probe, inputs)
        known = self._store.get(question)
        if known is not None:
            self.hits += 1
            return wire.unpack_body(known)["value"]
        value = self._worker.call(probe, timeout=timeout, **inputs)
        self.misses += 1
        encoded = wire.pack({"value": value})[8:]  # the body, without its length frame
        self._store.put(question, encoded)
        return wire.unpack_body(encoded)["value"]  # a fresh copy: the test may change what it gets

    def close_store(self) -> None:
        self._store.close()

    def __getattr__(self, name):
        return getattr(self._worker, name)


def with_cached_answers(worker, exercise_id: str, reference_path: Path, data_dir: str = ""):
    """``worker`` wrapped in :class:`ReferenceAnswers`, or itself where caching is off or fails.

    ``data_dir``: the datasets' folders the worker reads (none: a test of missing data, whose
    reference fails where another grading's succeeded)."""
    folder = kit_cache.answers_folder()
    if folder is None:
        return worker
    try:
        store = AnswerStore(folder / f"{answers_key(exercise_id, reference_path, data_dir)}.sqlite")
    except (OSError, sqlite3.Error):
        return worker  # an unwritable cache costs time, never a grade
    return ReferenceAnswers(worker, store)
