"""``grade gradescope-build``: the autograder zip Gradescope unpacks into /autograder/source.

At the zip's root: ``setup.sh`` and ``run_autograder`` (Gradescope's entry points), the
kit (``grader/``, ``pyproject.toml``), ``assignment.json`` (which exercises it grades),
the reference solutions of those exercises only, and the datasets the kit ships
(``grader/data/bundled``; with ``bundle_data=False`` they are left out and setup.sh
downloads them).
The zip is reproducible: sorted entries, fixed timestamps.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from grader import exercises
from grader.data import datasets
from grader.exercises import KIT_ROOT
from grader.gradescope.config import ALL, CONFIG_PATH, get_assignment
from grader.secret import SECRET_NAME, derived_secret

TEMPLATES = Path(__file__).resolve().parent
DEFAULT_VENV = "/opt/sgd-kit/venv"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
KIT_FILES = ("pyproject.toml", "README.md", "LICENSE", "datasets/README.md")


class BuildError(RuntimeError):
    """The zip cannot be built (a missing solution, an unknown assignment)."""


@dataclass
class BuiltZip:
    path: Path
    assignment: str
    entries: list[str]
    datasets_bundled: list[str]


def torch_version() -> str:
    """The torch release this kit is developed with, without the local tag (2.13.0+cpu -> 2.13.0)."""
    try:
        return metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError:
        return "2.13.0"


def _render(name: str) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    for key, value in {"@VENV@": DEFAULT_VENV,
                       "@TORCH_VERSION@": torch_version()}.items():
        text = text.replace(key, value)
    return text


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    zf.writestr(info, data)


def _package_files(kit_root: Path, bundle_data: bool) -> list[Path]:
    package = kit_root / "grader"
    bundled = package / "data" / "bundled"
    return sorted(p for p in package.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".tmp")
                  and (bundle_data or bundled not in p.parents))


def _needed_datasets(exercise_ids) -> set[str]:
    """The files of the datasets the assignment's exercises use."""
    entries = datasets.manifest()
    return {entries[name]["file"] for exercise_id in exercise_ids for name in exercises.get(exercise_id).datasets}


def build_autograder(assignment: str = ALL, out: Path | None = None, *, kit_root: Path = KIT_ROOT,
                     config_path: Path = CONFIG_PATH, bundle_data: bool = True) -> BuiltZip:
    """Write the autograder zip for one assignment.

    Args:
        assignment: an assignment name from the config (default ``all``: every exercise).
        out: the zip to write (default ``dist/autograder.zip`` in the kit).
        kit_root: the kit holding grader/ and solutions/.
        config_path: the assignment configuration.
        bundle_data: put the datasets found on this machine into the zip.

    Raises:
        BuildError: a reference solution is missing; ConfigError for an unknown assignment.
    """
    chosen = get_assignment(assignment, config_path)
    kit_root = Path(kit_root)
    out = Path(out) if out else kit_root / "dist" / "autograder.zip"
    solutions = []
    for exercise_id in chosen.exercises:
        path = kit_root / "solutions" / f"{exercises.get(exercise_id).module}.py"
        if not path.exists():
            raise BuildError(f"{exercise_id}: the reference {path} is missing; hidden tests need it")
        solutions.append(path)
    needed = _needed_datasets(chosen.exercises)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, "setup.sh", _render("setup.sh").encode(), executable=True)
        _add(zf, "run_autograder", _render("run_autograder").encode(), executable=True)
        _add(zf, "assignment.json", (json.dumps(chosen.to_dict(), indent=2) + "\n").encode())
        for path in _package_files(kit_root, bundle_data):
            if path.parent.name == "bundled" and path.suffix != ".md" and path.name not in needed:
                continue  # another assignment's dataset
            _add(zf, path.relative_to(kit_root).as_posix(), path.read_bytes(),
                 executable=path.name in ("setup.sh", "run_autograder"))
        for name in KIT_FILES:
            if (kit_root / name).exists():
                _add(zf, name, (kit_root / name).read_bytes())
        for path in solutions:
            _add(zf, f"solutions/{path.name}", path.read_bytes())
        # The zip's secret: every submission of this assignment (and every regrade of one) draws
        # the same hidden inputs, which no submission can know (grader/secret.py). Derived from
        # this course checkout's own secret, so a rebuild gives the same zip.
        _add(zf, f"solutions/{SECRET_NAME}", derived_secret(f"gradescope/{chosen.name}").encode("ascii"))
        entries = zf.namelist()
    tmp.replace(out)
    bundled = sorted(name for name in needed if f"grader/data/bundled/{name}" in entries)
    return BuiltZip(out, chosen.name, entries, bundled)
