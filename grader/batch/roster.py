"""The class folder: one sub-folder or file per student, and a content hash for each."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

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
        if entry.is_dir():
            found.append(StudentSubmission(entry.name, entry))
        elif entry.suffix in SUBMISSION_SUFFIXES:
            found.append(StudentSubmission(entry.stem, entry))
    return found


def _files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def content_hash(path: Path, grader_key: str = "") -> str:
    """SHA-256 of the submission's files (names and bytes) and of what grades them."""
    digest = hashlib.sha256(grader_key.encode())
    root = path if path.is_dir() else path.parent
    for file in _files_of(path):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def grader_key(exercise_suite: Path, probes: Path, reference: Path, keyword: str | None) -> str:
    """Changes whenever a regrade could give other points: suite, probes, reference, -k."""
    digest = hashlib.sha256((keyword or "").encode())
    for path in (exercise_suite, probes, reference):
        digest.update(path.read_bytes() if path.exists() else b"<absent>")
    return digest.hexdigest()
