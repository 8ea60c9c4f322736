"""Choose the student's file for an exercise among what was uploaded, and copy it safely.

The grader runs as root on Gradescope, so a submitted symlink (``exercise3_data.py ->
/autograder/source/solutions/...``) must never be followed: only regular files inside the
submission folder are considered, and the chosen one is copied before grading. The readers
are the kit's one submission resolver's (:mod:`grader.sandbox.files`).
"""
from __future__ import annotations

from pathlib import Path

from grader.exercises import Exercise
from grader.sandbox.files import MAX_FILE_BYTES, RefusedFile, read_regular, regular_files


class SubmissionProblem(ValueError):
    """Nothing gradable was handed in for an exercise; the message tells the student why."""


def pick_submission(folder: Path, exercise: Exercise, accept: tuple[str, ...],
                    single_exercise: bool = True) -> tuple[Path, str]:
    """The file to grade for ``exercise`` and a line saying which one was chosen.

    Preference: ``<module>`` with the first accepted suffix, then the next suffix; then (when
    the assignment grades one exercise) the only file with an accepted suffix.

    Raises:
        SubmissionProblem: when nothing suitable was submitted.
    """
    folder = Path(folder)
    try:
        files = regular_files(folder) if folder.is_dir() else []
    except RefusedFile as exc:
        raise SubmissionProblem(f"No submission found for {exercise.id}: {exc}") from None
    shallow_first = sorted(files, key=lambda p: (len(p.relative_to(folder).parts), p.as_posix()))
    chosen = None
    for suffix in accept:
        named = [p for p in shallow_first if p.name == f"{exercise.module}{suffix}"]
        if named:
            chosen = named[0]
            break
    if chosen is None and single_exercise:
        candidates = [p for p in shallow_first if p.suffix in accept]
        if len(candidates) == 1:
            chosen = candidates[0]
    wanted = " or ".join(f"{exercise.module}{s}" for s in accept)
    if chosen is None:
        listing = ", ".join(p.relative_to(folder).as_posix() for p in shallow_first[:10]) or "nothing"
        raise SubmissionProblem(f"No submission found for {exercise.id}: upload {wanted} "
                                f"(found: {listing})")
    if chosen.stat().st_size > MAX_FILE_BYTES:
        raise SubmissionProblem(f"{chosen.name} is larger than {MAX_FILE_BYTES >> 20} MB")
    others = [p.name for p in shallow_first if p != chosen and p.stem == exercise.module and p.suffix in accept]
    note = f"{exercise.id}: graded {chosen.relative_to(folder).as_posix()}"
    if others:
        note += f" (also submitted, not graded: {', '.join(others)})"
    return chosen, note


def stage_copy(path: Path, folder: Path) -> Path:
    """Copy the chosen file into a private folder, keeping its name's suffix (never a link followed)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / Path(path).name
    try:
        data = read_regular(path)
    except RefusedFile as exc:
        raise SubmissionProblem(str(exc)) from None
    target.write_bytes(data)
    return target
