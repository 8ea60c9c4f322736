"""Find the student's module in whatever was handed in: .py, .ipynb, a folder or a .zip.

The one resolver of every route (``grade``, ``grade batch``, Gradescope's staging uses the
same readers): regular files only, never a link, bounded sizes (see
:mod:`grader.sandbox.files`). The module graded is always a private copy made here.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.exercises import KIT_ROOT, Exercise
from grader.notebook import NotebookError, notebook_to_source
from grader.sandbox.files import (RefusedFile, extract_zip, links_under, read_regular, refuse_link,
                                  regular_files, write_private)


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


def _find_in_folder(folder: Path, exercise: Exercise) -> Path:
    files = regular_files(folder)
    for pattern in (f"{exercise.module}.py", f"{exercise.module}.ipynb", f"{exercise.id}*.ipynb"):
        candidates = [p for p in files if p.match(pattern)]
        if candidates:
            return min(candidates, key=lambda p: (len(p.parts), p.as_posix()))
    found = [p.relative_to(folder).as_posix() for p in files][:10]
    links = links_under(folder)
    refused = f"; symbolic links are not read: {', '.join(links)}" if links else ""
    raise ValueError(f"no {exercise.module}.py or {exercise.module}.ipynb found "
                     f"(found: {', '.join(found) or 'nothing'}{refused})")


def _private_folder(resolved: "ResolvedSubmission", prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    resolved._tmp.append(folder)
    return folder


def resolve(path, exercise: Exercise) -> ResolvedSubmission:
    """Resolve a submission path; problems with its content become ``error``, not exceptions."""
    path = Path(path) if path is not None else default_submission(exercise)
    if not path.exists() and not path.is_symlink():
        raise MissingSubmission(f"no such file or folder: {path}")
    resolved = ResolvedSubmission(None, str(path))
    try:
        refuse_link(path)
        if path.suffix == ".zip":
            folder = _private_folder(resolved, "grader-zip-")
            extract_zip(path, folder)
            path = _find_in_folder(folder, exercise)
        elif path.is_dir():
            path = _find_in_folder(path, exercise)
        if path.suffix not in (".py", ".ipynb"):
            raise ValueError(f"expected a .py, .ipynb, folder or .zip, got {path.name}")
        data = read_regular(path)
        folder = _private_folder(resolved, "grader-sub-")
        module = folder / f"{exercise.module}.py"
        if path.suffix == ".ipynb":
            notebook = write_private(folder / path.name, data)
            try:
                data = notebook_to_source(notebook).encode("utf-8")
            except NotebookError as exc:  # name the file handed in, not the private copy
                raise NotebookError(str(exc).replace(str(notebook), str(path))) from None
        resolved.module_path = write_private(module, data)
    except (RefusedFile, ValueError, NotebookError, OSError) as exc:
        resolved.error = f"Could not read the submission {resolved.description}: {exc}"
    return resolved
