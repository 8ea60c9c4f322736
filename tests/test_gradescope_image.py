"""Gradescope's image built for real: the zip's own setup.sh on a fresh /autograder tree.

setup.sh makes a fresh venv from a system Python, installs the pinned dependencies, checks
the datasets and proves the sandbox; then run_autograder, with that venv, grades the
reference (full marks), the stub (0) and a one-bug submission (its partial score, the same
as grading it here), and each results.json meets Gradescope's specification.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader import api
from grader.gradescope.build import build_autograder
from grader.gradescope.spec import validate_results
from tests.golden.exercise3.buggy import MODULE, MUTANTS
from tests.test_gradescope import _extract

KIT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh runs as root, as Gradescope runs it")


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """An /autograder tree after setup.sh: ``run(submission)`` grades a file and returns results.json."""
    root = Path(tempfile.mkdtemp(prefix="autograder-image-"))
    os.chmod(root, 0o755)
    built = build_autograder("exercise3", tmp_path_factory.mktemp("dist") / "autograder.zip")
    _extract(built.path, root / "source")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GRADER_", "PYTEST_", "PYTHON"))}
    env.update(GRADER_AUTOGRADER_ROOT=str(root), GRADER_VENV=str(root / "venv"))
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                           timeout=1500)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")

    def run(submission: Path) -> dict:
        folder = root / "submission"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        shutil.copy(submission, folder / f"{MODULE}.py")
        (root / "submission_metadata.json").write_text(json.dumps({"users": [{"name": "A Student"}]}))
        done = subprocess.run(["bash", str(root / "run_autograder")],
                              env=dict(env, GRADER_PYTHON=str(root / "venv" / "bin" / "python")),
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        doc = json.loads((root / "results" / "results.json").read_text())
        assert validate_results(doc) == [], doc
        return doc

    run.setup_output = setup.stdout
    yield run
    shutil.rmtree(root, ignore_errors=True)


def _maximum(doc: dict) -> float:
    return sum(t["max_score"] for t in doc["tests"])


def test_setup_builds_a_fresh_venv_from_a_system_python(image):
    assert "setup.sh: Python 3." in image.setup_output and "from /usr/bin/python3" in image.setup_output
    assert "dataset airfoil:" in image.setup_output


def test_the_reference_scores_full_marks_in_the_built_image(image):
    doc = image(KIT / "solutions" / f"{MODULE}.py")
    assert doc["score"] == _maximum(doc) > 0, [t for t in doc["tests"] if t["status"] == "failed"]


def test_the_stub_scores_zero_in_the_built_image(image):
    doc = image(KIT / "exercises" / f"{MODULE}.py")
    assert doc["score"] == 0 and _maximum(doc) > 0


def test_a_one_bug_submission_gets_its_partial_score_in_the_built_image(image, tmp_path):
    bug = next(m for m in MUTANTS if m.name == "forgets_the_short_last_batch")
    path = bug.write(MODULE, tmp_path)
    doc = image(path)
    here = api.grade("exercise3", path, feedback_dir=tmp_path / "feedback")
    assert 0 < doc["score"] == here.score < _maximum(doc) == here.max_score
    assert len([t for t in doc["tests"] if t["status"] == "failed"]) == len([t for t in here.tests if t.status == "failed"])
