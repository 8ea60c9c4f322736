"""``grade release``: write (or, with ``check``, compare) exercises/ from solutions/.

For every ``solutions/exerciseN_topic.py`` the release holds ``exercises/exerciseN_topic.py``
(the stub) and ``exercises/notebooks/exerciseN_topic.ipynb`` (the same stub as a notebook).
Every released text is scanned for solution lines before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.exercises import KIT_ROOT
from grader.release.leaks import find_leaks
from grader.release.notebooks import build_notebook, code_and_markdown, names_to_write, notebook_text
from grader.release.stubs import MarkerError, exercise_number, stub_for

WRITTEN, UNCHANGED, DIFFERS = "written", "unchanged", "differs"


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


def release(kit_root: Path = KIT_ROOT, check: bool = False) -> ReleaseOutcome:
    """Release every solution present (all of them are generated before any file is written).

    Args:
        kit_root: the kit holding solutions/ and exercises/.
        check: compare only; files that are missing or differ get the status ``differs``.

    Raises:
        MarkerError: for the first solution with malformed markers (nothing is written).
    """
    outcome = ReleaseOutcome()
    for solution in solution_files(kit_root):
        outcome.files += released_for(solution, kit_root)
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
