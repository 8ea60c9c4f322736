"""Find the student's module in whatever was handed in: .py, .ipynb, a folder or a .zip."""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.exercises import KIT_ROOT, Exercise
from grader.notebook import NotebookError, notebook_to_source

MAX_ZIP_BYTES = 200 << 20
MAX_ZIP_FILES = 2000


class MissingSubmission(FileNotFoundError):
    """The path given does not exist (a usage error)."""


@dataclass
class ResolvedSubmission:
    """A module file ready for a worker, or the reason there is none."""

    module_path: Path | None
    description: str
    error: str = ""
    _tmp: list = field(default_factory=list, repr=False)

    def cleanup(self) -> None:
        for folder in self._tmp:
            shutil.rmtree(folder, ignore_errors=True)


def default_submission(exercise: Exercise) -> Path:
    """The student's working copy: exercises/<module>.py here, else in the kit."""
    local = Path.cwd() / "exercises" / f"{exercise.module}.py"
    return local if local.exists() else KIT_ROOT / "exercises" / f"{exercise.module}.py"


def _safe_extract(archive: Path, target: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise ValueError("the zip is too large")
        for member in members:
            name = Path(member.filename)
            if name.is_absolute() or ".." in name.parts:
                raise ValueError(f"the zip holds an unsafe path: {member.filename}")
        zf.extractall(target)


def _find_in_folder(folder: Path, exercise: Exercise) -> Path:
    candidates = []
    for pattern in (f"{exercise.module}.py", f"{exercise.module}.ipynb", f"{exercise.id}*.ipynb"):
        candidates = sorted(p for p in folder.rglob(pattern)
                            if "__MACOSX" not in p.parts and ".ipynb_checkpoints" not in p.parts)
        if candidates:
            return min(candidates, key=lambda p: len(p.parts))
    found = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())[:10]
    raise ValueError(f"no {exercise.module}.py or {exercise.module}.ipynb found "
                     f"(found: {', '.join(found) or 'nothing'})")


def resolve(path, exercise: Exercise) -> ResolvedSubmission:
    """Resolve a submission path; problems with its content become ``error``, not exceptions."""
    path = Path(path) if path is not None else default_submission(exercise)
    if not path.exists():
        raise MissingSubmission(f"no such file or folder: {path}")
    resolved = ResolvedSubmission(None, str(path))
    try:
        if path.suffix == ".zip":
            folder = Path(tempfile.mkdtemp(prefix="grader-zip-"))
            resolved._tmp.append(folder)
            try:
                _safe_extract(path, folder)
            except zipfile.BadZipFile:
                raise ValueError("the file is not a valid zip archive") from None
            path = _find_in_folder(folder, exercise)
        elif path.is_dir():
            path = _find_in_folder(path, exercise)
        if path.suffix == ".ipynb":
            folder = Path(tempfile.mkdtemp(prefix="grader-nb-"))
            resolved._tmp.append(folder)
            module = folder / f"{exercise.module}.py"
            module.write_text(notebook_to_source(path), encoding="utf-8")
            path = module
        elif path.suffix != ".py":
            raise ValueError(f"expected a .py, .ipynb, folder or .zip, got {path.name}")
        resolved.module_path = path
    except (ValueError, NotebookError, OSError) as exc:
        resolved.error = f"Could not read the submission {resolved.description}: {exc}"
    return resolved
