"""The grader (trusted side) on every supported Python: one exercise-3 submission, one score.

For Python 3.10 to 3.13 (where an interpreter is found: PATH, /usr/bin or pyenv), builds the
venv of the grader's pinned dependencies (kept in .cache/, as the kit's tests do), grades a
one-bug submission with the grader on that Python and the workers on this kit's Python, and
prints the score and the time beside this kit's own grading of it.

Run: ``python bench/python_versions.py``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import KIT

import pytest

from grader import api
from tests.golden.exercise3.buggy import MODULE, MUTANTS
from tests.test_python_versions import trusted_side_venv

VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def grade_with(venv: Path, submission: Path, folder: Path) -> tuple[float, float, float]:
    env = dict(os.environ, PYTHONPATH=str(KIT), GRADER_WORKER_PYTHON=sys.executable)
    started = time.perf_counter()
    subprocess.run([str(venv / "bin" / "python"), "-m", "grader.cli", "exercise3", "--submission", str(submission),
                    "--json", str(folder / "report.json")], cwd=folder, env=env, check=True,
                   capture_output=True, timeout=900)
    report = json.loads((folder / "report.json").read_text())
    return report["score"], report["max_score"], time.perf_counter() - started


def main() -> None:
    bug = next(m for m in MUTANTS if m.name == "forgets_the_short_last_batch")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        submission = bug.write(MODULE, folder)
        started = time.perf_counter()
        here = api.grade("exercise3", submission, feedback_dir=folder / "feedback")
        print(f"this kit (Python {sys.version.split()[0]}): {here.score:g}/{here.max_score:g} "
              f"in {time.perf_counter() - started:.1f} s")
        for version in VERSIONS:
            try:
                venv = trusted_side_venv(version)
            except pytest.skip.Exception as skipped:
                print(f"Python {version}: not measured ({skipped})")
                continue
            score, maximum, seconds = grade_with(venv, submission, folder)
            same = "same score" if score == here.score else "DIFFERENT SCORE"
            print(f"Python {version} grader: {score:g}/{maximum:g} in {seconds:.1f} s ({same})", flush=True)


if __name__ == "__main__":
    main()
