"""``grade release``: write (or, with ``check``, compare) exercises/ from solutions/.

For every ``solutions/exerciseN_topic.py`` the release holds ``exercises/exerciseN_topic.py``
(the stub) and ``exercises/notebooks/exerciseN_topic.ipynb`` (the same stub as a notebook).
Every released text is scanned for solution lines before anything is written, and so is the
code every student's copy of the kit holds beside them (``grader/`` and ``bench/``, which
students install and run), for stretches of solution code (:func:`kit_leaks`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.exercises import KIT_ROOT
from grader.release.leaks import find_copied_code, find_leaks
from grader.release.notebooks import build_notebook, code_and_markdown, names_to_write, notebook_text
from grader.release.stubs import MarkerError, exercise_number, stub_for

WRITTEN, UNCHANGED, DIFFERS = "written", "unchanged", "differs"
PUBLIC_CODE = ("grader", "bench")  # in every student's copy, beside exercises/


class LeakError(MarkerError):
    """Released material would contain solution text."""


@dataclass
class ReleasedFile:
    path: Path
    text: str
    status: str = ""


@dataclass
class ReleaseOutcome:
    """What a release wrote, or what a check found out of date."""

    files: list[ReleasedFile] = field(default_factory=list)

    @property
    def out_of_date(self) -> list[ReleasedFile]:
        return [f for f in self.files if f.status == DIFFERS]


def solution_files(kit_root: Path = KIT_ROOT) -> list[Path]:
    """Every solution module in the kit, in exercise order."""
    return sorted((Path(kit_root) / "solutions").glob("exercise*_*.py"), key=lambda p: (exercise_number(p), p.name))


def released_for(solution: Path, kit_root: Path = KIT_ROOT) -> list[ReleasedFile]:
    """The stub module and the notebook one solution file releases, checked for leaks.

    Raises:
        MarkerError: malformed markers (file and line named), or :class:`LeakError`.
    """
    kit_root = Path(kit_root)
    stub = stub_for(solution)
    solution_text = solution.read_text(encoding="utf-8")
    notebook = build_notebook(stub, f"exercise{exercise_number(solution)}", solution.stem,
                              to_write=names_to_write(solution_text))
    for shown in (stub, code_and_markdown(notebook)):
        leaks = find_leaks(solution_text, shown)
        if leaks:
            where = ", ".join(f"{solution}:{lineno}" for lineno, _ in leaks[:5])
            raise LeakError(f"solution text would be released ({where}): {leaks[0][1]!r}")
    exercises_dir = kit_root / "exercises"
    return [ReleasedFile(exercises_dir / solution.name, stub),
            ReleasedFile(exercises_dir / "notebooks" / f"{solution.stem}.ipynb", notebook_text(notebook))]


def public_files(kit_root: Path = KIT_ROOT) -> list[Path]:
    """Every text file under the kit's public code folders (:data:`PUBLIC_CODE`), sorted."""
    found = []
    for folder in PUBLIC_CODE:
        for path in sorted((Path(kit_root) / folder).rglob("*")):
            if "__pycache__" in path.parts or not path.is_file() or path.is_symlink():
                continue
            try:
                path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):  # a bundled data set, a wheel: no code to read
                continue
            found.append(path)
    return found


def kit_leaks(kit_root: Path = KIT_ROOT) -> list[tuple[Path, Path, list[tuple[int, str]]]]:
    """``(public file, solution, copied lines)`` for each public file that copies solution code.

    The kit's checks recompute what the exercises ask for, so a line in common is no leak;
    a stretch of a solution region is (:func:`grader.release.leaks.find_copied_code`).
    """
    solutions = [(s, s.read_text(encoding="utf-8")) for s in solution_files(kit_root)]
    found = []
    for path in public_files(kit_root):
        text = path.read_text(encoding="utf-8")
        for solution, solution_text in solutions:
            copied = find_copied_code(solution_text, text)
            if copied:
                found.append((path, solution, copied))
    return found


def describe_kit_leak(kit_root: Path, path: Path, solution: Path, copied) -> str:
    """``grader/x.py copies solutions/y.py lines 3, 4: 'line'``."""
    kit_root = Path(kit_root)
    lines = ", ".join(str(lineno) for lineno, _ in copied)
    return (f"{path.relative_to(kit_root)} copies {solution.relative_to(kit_root)} lines {lines}: "
            f"{copied[0][1]!r}")


def release(kit_root: Path = KIT_ROOT, check: bool = False) -> ReleaseOutcome:
    """Release every solution present (all of them are generated before any file is written).

    Args:
        kit_root: the kit holding solutions/ and exercises/.
        check: compare only; files that are missing or differ get the status ``differs``.

    Raises:
        MarkerError: for the first solution with malformed markers, or :class:`LeakError` for
            solution text in a released file or solution code in the kit's public folders
            (nothing is written).
    """
    outcome = ReleaseOutcome()
    for solution in solution_files(kit_root):
        outcome.files += released_for(solution, kit_root)
    copies = kit_leaks(kit_root)
    if copies:
        raise LeakError("solution code in the kit every student gets (rewrite it from the maths): "
                        + "; ".join(describe_kit_leak(kit_root, *copy) for copy in copies[:5]))
    for released in outcome.files:
        current = released.path.read_text(encoding="utf-8") if released.path.exists() else None
        if current == released.text:
            released.status = UNCHANGED
        elif check:
            released.status = DIFFERS
        else:
            released.path.parent.mkdir(parents=True, exist_ok=True)
            released.path.write_text(released.text, encoding="utf-8")
            released.status = WRITTEN
    return outcome
