"""The class folder: one sub-folder or file per student, and a content hash for each.

Nothing here follows a link: a student entry that is a symlink stays in the roster (its
grading then says the link was refused) and is hashed by the link's text, not its target.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.files import RefusedFile, read_regular, regular_files

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")


@dataclass(frozen=True)
class StudentSubmission:
    """What one student handed in."""

    student: str
    path: Path

    @property
    def safe_name(self) -> str:
        """The student's name as a file name (feedback files are named after it)."""
        return re.sub(r"[^A-Za-z0-9._-]", "_", self.student) or "_"


def find_submissions(folder: Path) -> list[StudentSubmission]:
    """Every student in ``folder``: a sub-folder (named after the student) or a single file."""
    found = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith((".", "__")):
            continue
        if entry.is_symlink():
            found.append(StudentSubmission(entry.stem if entry.suffix in SUBMISSION_SUFFIXES else entry.name,
                                           entry))
        elif entry.is_dir():
            found.append(StudentSubmission(entry.name, entry))
        elif entry.suffix in SUBMISSION_SUFFIXES:
            found.append(StudentSubmission(entry.stem, entry))
    return found


def content_hash(path: Path, grader_key: str = "") -> str:
    """SHA-256 of the submission's files (names and bytes) and of what grades them."""
    digest = hashlib.sha256(grader_key.encode())
    if path.is_symlink():
        digest.update(b"link\0" + os.fsencode(os.readlink(path)))
        return digest.hexdigest()
    root = path if path.is_dir() else path.parent
    try:
        files = regular_files(path) if path.is_dir() else [path]
        for file in (f for f in files if "__pycache__" not in f.parts):
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(read_regular(file))
            digest.update(b"\0")
    except (RefusedFile, OSError) as exc:  # the grading reports the problem; the hash just changes
        digest.update(f"unreadable\0{exc}".encode())
    return digest.hexdigest()


def grader_key(exercise_suite: Path, probes: Path, reference: Path, keyword: str | None) -> str:
    """Changes whenever a regrade could give other points: suite, probes, reference, -k."""
    digest = hashlib.sha256((keyword or "").encode())
    for path in (exercise_suite, probes, reference):
        digest.update(path.read_bytes() if path.exists() else b"<absent>")
    return digest.hexdigest()
