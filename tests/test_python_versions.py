"""Python 3.10 (Gradescope's default image, Ubuntu 22.04) to 3.13: checked statically, and graded for real on 3.10.

A name that is new in 3.11 once broke every failing test on 3.10 (``BaseExceptionGroup`` in
the report hook): vermin does not know builtins like it, so the static check adds its own
list, and the smoke test grades a one-bug submission with the trusted side on 3.10.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden.exercise3.buggy import MODULE, MUTANTS

KIT = Path(__file__).resolve().parent.parent
CHECKED = ("grader", "solutions", "exercises", "bench")
MINIMUM = "3.10"
# Builtins and modules of 3.11+ that vermin 1.6 does not flag; each needs a guarded import.
NEWER_NAMES = {"BaseExceptionGroup", "ExceptionGroup", "tomllib"}
# The trusted side's dependencies, pinned as setup.sh pins them (no torch: the worker has it).
TRUSTED_PACKAGES = ("numpy", "pytest", "hypothesis", "nbformat", "rich", "tqdm", "matplotlib", "exceptiongroup")


def _python_files():
    for folder in CHECKED:
        yield from sorted((KIT / folder).rglob("*.py"))


def test_vermin_finds_nothing_newer_than_3_10():
    done = subprocess.run([str(Path(sys.executable).with_name("vermin")), "--no-tips", "--violations", f"-t={MINIMUM}-",
                           "--eval-annotations", *CHECKED], cwd=KIT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def _unguarded_newer_names(tree: ast.AST) -> list[tuple[int, str]]:
    imported = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module != "tomllib" for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in NEWER_NAMES and node.id not in imported:
            found.append((node.lineno, node.id))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [(node.lineno, name) for name in names if name in NEWER_NAMES]
        if type(node).__name__ == "TryStar":  # except* (3.11 syntax)
            found.append((node.lineno, "except*"))
    return found


def test_no_builtin_newer_than_3_10_is_used_unguarded():
    problems = [f"{path.relative_to(KIT)}:{line}: {name}" for path in _python_files()
                for line, name in _unguarded_newer_names(ast.parse(path.read_text(encoding="utf-8")))]
    assert problems == []


def test_the_static_check_catches_the_3_11_builtin_that_once_broke_grading():
    bad = ast.parse("def first(exc):\n    return isinstance(exc, BaseExceptionGroup)\n")
    good = ast.parse("from exceptiongroup import BaseExceptionGroup\nisinstance(1, BaseExceptionGroup)\n")
    assert _unguarded_newer_names(bad) == [(2, "BaseExceptionGroup")] and _unguarded_newer_names(good) == []


def find_python(version: str) -> str | None:
    """An interpreter of that version: on PATH, the system's, or one pyenv built."""
    candidates = [shutil.which(f"python{version}"), f"/usr/bin/python{version}"]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    candidates += sorted(str(p / "bin" / f"python{version}") for p in pyenv.glob(f"{version}.*"))
    return next((c for c in candidates if c and _runs(c, version)), None)


def _runs(python: str, version: str) -> bool:
    """Whether it starts and is that version (a pyenv shim may exist and refuse to run)."""
    try:
        done = subprocess.run([python, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60)
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def trusted_side_venv(version: str) -> Path:
    """A venv of that Python with the grader's dependencies (pinned), kept between runs."""
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine (looked on PATH, /usr/bin and pyenv)")
    # Outside the checkout: its files are no business of the sandbox's uids.
    venv = Path.home() / ".cache" / "sgd-kit" / f"python{version}-trusted"
    ready = venv / "ready"
    if not ready.exists():
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-c", str(KIT / "grader" / "gradescope" / "constraints.txt"), *TRUSTED_PACKAGES],
                       check=True, timeout=900)
        ready.write_text(python)
    return venv


def test_a_one_bug_submission_loses_the_same_tests_on_3_10(tmp_path):
    """The tests it loses are those the golden bank proves it loses on this kit's Python."""
    venv = trusted_side_venv("3.10")
    bug = next(m for m in MUTANTS if m.name == "forgets_the_short_last_batch")
    submission = bug.write(MODULE, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    # The grader (trusted side) on 3.10; the workers on this kit's Python, which has torch.
    env.update(PYTHONPATH=str(KIT), GRADER_WORKER_PYTHON=sys.executable)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "grader.cli", "exercise3", "--submission",
                           str(submission), "--json", str(tmp_path / "report.json")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    on_3_10 = json.loads((tmp_path / "report.json").read_text())
    version = subprocess.run([str(venv / "bin" / "python"), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("Python 3.10."), version
    assert not on_3_10["errors"], on_3_10["errors"]
    failed = {t["test_id"].split("[")[0] for t in on_3_10["tests"] if t["status"] == "failed"}
    assert failed == bug.fails
    assert 0 < on_3_10["score"] < on_3_10["max_score"]
