"""The Gradescope autograder: the zip, the config, and run_autograder end to end in an /autograder replica."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from grader import api
from grader.cli import main as grade_main
from grader.exercises import available
from grader.gradescope.build import build_autograder, torch_version
from grader.gradescope.config import ALL, ConfigError, get_assignment, load_assignments
from grader.gradescope.results import assignment_results, failure_results
from grader.gradescope.spec import validate_results
from grader.results import GradeReport, TestResult

KIT = Path(__file__).resolve().parent.parent
HOSTILE = KIT / "tests" / "golden" / "exercise3" / "hostile"
ONE_TEST = "zero_mean"  # one public test: these runs are about the autograder, not the suite
FORGED = {"score": 100, "tests": [{"name": "forged", "score": 100, "max_score": 100, "status": "passed"}]}


@pytest.fixture(scope="module")
def exercise3_zip(tmp_path_factory):
    return build_autograder("exercise3", tmp_path_factory.mktemp("dist") / "autograder.zip")


def _extract(archive: Path, target: Path) -> None:
    """Unzip keeping the executable bits, as Gradescope does with /autograder/source."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, target))
            mode = info.external_attr >> 16
            if mode:
                os.chmod(path, mode & 0o777)


def _unprivileged_user_can_run_this_python() -> str:
    """'' when run_autograder's sandbox can work here, else why not."""
    from grader.sandbox.limits import choose_worker_user
    if os.geteuid() != 0:
        return "run_autograder drops privileges, which needs root (as on Gradescope)"
    user, note = choose_worker_user(sys.executable, "auto")
    return "" if user.dropped else note


@pytest.fixture
def autograder(exercise3_zip):
    """A fresh /autograder replica; ``run(files, *args)`` runs run_autograder and returns results.json."""
    reason = _unprivileged_user_can_run_this_python()
    if reason:
        pytest.skip(f"run_autograder requires a sandbox user, and here {reason}")
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    os.chmod(root, 0o755)  # like /autograder: the worker's user may enter, to reach the grader package
    _extract(exercise3_zip.path, root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"name": "A Student"}]}))

    def run(*args: str) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith("GRADER_")}
        env.update(GRADER_AUTOGRADER_ROOT=str(root), GRADER_PYTHON=sys.executable)
        done = subprocess.run(["bash", str(root / "run_autograder"), *args], env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        doc = json.loads((root / "results" / "results.json").read_text())
        assert validate_results(doc) == [], doc
        return doc

    run.root = root
    yield run
    shutil.rmtree(root, ignore_errors=True)


def _submit(autograder, name: str, data: bytes | str) -> Path:
    path = autograder.root / "submission" / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# -- the zip ------------------------------------------------------------------------
def test_zip_layout(exercise3_zip):
    entries = set(exercise3_zip.entries)
    assert {"setup.sh", "run_autograder", "assignment.json", "pyproject.toml",
            "grader/gradescope/autograder.py", "grader/suites/test_exercise3.py"} <= entries
    assert sorted(e for e in entries if e.startswith("solutions/")) == ["solutions/exercise3_data.py",
                                                                        "solutions/grading-secret"]
    assert not [e for e in entries if e.startswith(("tests/", "exercises/", ".venv/")) or "__pycache__" in e]
    with zipfile.ZipFile(exercise3_zip.path) as zf:
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        setup = zf.read("setup.sh").decode()
        config = json.loads(zf.read("assignment.json"))
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert "torch==${TORCH_VERSION}" in setup and f'TORCH_VERSION:-{torch_version()}' in setup
    assert "--index-url" in setup and "download.pytorch.org/whl/cpu" in setup
    assert 'go-rwx "$SOURCE/solutions" "$ROOT/results"' in setup and "constraints.txt" in setup
    assert config["exercises"] == ["exercise3"] and config["name"] == "exercise3"


@pytest.mark.parametrize("script", ["setup.sh", "run_autograder"])
def test_scripts_are_valid_bash(exercise3_zip, tmp_path, script):
    with zipfile.ZipFile(exercise3_zip.path) as zf:
        (tmp_path / script).write_bytes(zf.read(script))
    assert subprocess.run(["bash", "-n", str(tmp_path / script)]).returncode == 0


def test_zip_is_reproducible(exercise3_zip, tmp_path):
    again = build_autograder("exercise3", tmp_path / "again.zip")
    assert again.path.read_bytes() == exercise3_zip.path.read_bytes()


def test_the_zip_carries_only_its_exercises_datasets(exercise3_zip):
    data = [n for n in exercise3_zip.entries if n.startswith("grader/data/bundled/")]
    assert data == ["grader/data/bundled/README.md", "grader/data/bundled/airfoil_self_noise.dat"]
    assert exercise3_zip.datasets_bundled == ["airfoil_self_noise.dat"]


def test_build_command(tmp_path, capsys):
    assert grade_main(["gradescope-build", "--assignment", "exercise3", "--out", str(tmp_path / "a.zip"),
                       "--no-data"]) == 0
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert [n for n in zf.namelist() if n.startswith("grader/data/bundled/")] == []  # setup.sh downloads
    assert grade_main(["gradescope-build", "--assignment", "nope", "--out", str(tmp_path / "b.zip")]) == 1
    assert "unknown assignment 'nope'" in capsys.readouterr().err


# -- the assignment config --------------------------------------------------------------
def test_default_is_one_assignment_per_exercise_and_all():
    assignments = load_assignments()
    ids = [e.id for e in available()]
    assert set(assignments) >= set(ids) | {ALL}
    assert all(assignments[i].exercises == (i,) for i in ids)
    assert assignments[ALL].exercises == tuple(ids)


def test_config_entries_override_and_are_checked(tmp_path):
    config = tmp_path / "assignments.json"
    config.write_text(json.dumps({"defaults": {"hidden_visibility": "after_due_date"}, "assignments": {
        "week3": {"exercises": ["exercise3"], "total_points": 20, "accept": [".ipynb"]}}}))
    week3 = get_assignment("week3", config)
    assert (week3.exercises, week3.total_points, week3.accept, week3.hidden_visibility) == \
        (("exercise3",), 20.0, (".ipynb",), "after_due_date")
    for bad, words in [({"exercises": ["exercise9"]}, "unknown exercise"),
                       ({"exercises": ["exercise3"], "hidden_visibility": "secret"}, "hidden_visibility"),
                       ({"exercises": ["exercise3"], "total_points": -1}, "total_points"),
                       ({"exercises": ["exercise3"], "accept": [".zip"]}, "accept"),
                       ({"exercises": ["exercise3"], "points": 3}, "unknown setting")]:
        config.write_text(json.dumps({"assignments": {"bad": bad}}))
        with pytest.raises(ConfigError, match=words):
            get_assignment("bad", config)


# -- results.json ----------------------------------------------------------------------
def _report() -> GradeReport:
    return GradeReport(exercise="exercise3", tests=[
        TestResult("public", 2.0, score=2.0, status="passed"),
        TestResult("compares with the reference", 2.0, status="failed", output="wrong", visibility="hidden")])


def test_results_are_scaled_and_hidden_tests_mapped():
    assignment = get_assignment("exercise3")
    doc = assignment_results([_report()], type(assignment)(**{**assignment.to_dict(), "total_points": 10.0}))
    assert validate_results(doc) == []
    assert doc["score"] == 5.0 and [t["max_score"] for t in doc["tests"]] == [5.0, 5.0]
    assert doc["tests"][1]["visibility"] == assignment.hidden_visibility


def test_failure_results_are_a_visible_failed_test():
    doc = failure_results("the notebook is broken")
    assert validate_results(doc) == []
    assert doc["score"] == 0 and doc["tests"][0]["status"] == "failed"
    assert doc["tests"][0]["visibility"] == "visible" and "the notebook is broken" in doc["tests"][0]["output"]


@pytest.mark.parametrize("change, words", [
    (lambda d: d.pop("tests"), "tests must be a non-empty list"),
    (lambda d: d["tests"][0].update(status="ok"), "status"),
    (lambda d: d["tests"][0].update(visibility="public"), "visibility"),
    (lambda d: d["tests"][0].update(score=9), "outside"),
    (lambda d: d.update(score=7), "differs from the sum"),
    (lambda d: d.update(leaderboard=[{"name": "GFLOPS", "value": 1.0}]), "leaderboard"),
    (lambda d: d.update(execution_time="1 s"), "execution_time"),
])
def test_validator_catches_departures_from_the_spec(change, words):
    doc = assignment_results([_report()], get_assignment("exercise3"))
    change(doc)
    assert any(words in problem for problem in validate_results(doc))


# -- run_autograder end to end ---------------------------------------------------------
def test_reference_scores_full_marks(autograder):
    _submit(autograder, "exercise3_data.py", (KIT / "solutions" / "exercise3_data.py").read_bytes())
    _submit(autograder, "results.json", json.dumps(FORGED))  # a student's own results.json: ignored
    (autograder.root / "results" / "results.json").write_text(json.dumps(FORGED))
    doc = autograder("-k", "standardize")  # the whole suite: tests/test_gradescope_image.py
    assert doc["score"] == sum(t["max_score"] for t in doc["tests"]) > 0, doc["output"]
    assert all(t["status"] == "passed" for t in doc["tests"])
    assert {t["visibility"] for t in doc["tests"]} == {"visible", "after_published"}
    assert "exercise3: graded exercise3_data.py" in doc["output"]
    assert not os.stat(autograder.root / "source" / "solutions").st_mode & 0o077  # root only


def test_stub_scores_zero_and_the_notebook_beside_it_is_named(autograder):
    _submit(autograder, "exercise3_data.py", (KIT / "exercises" / "exercise3_data.py").read_bytes())
    _submit(autograder, "exercise3_data.ipynb", (KIT / "exercises" / "notebooks" / "exercise3_data.ipynb").read_bytes())
    doc = autograder("-k", ONE_TEST)
    assert doc["score"] == 0 and doc["tests"] and all(t["status"] == "failed" for t in doc["tests"])
    assert "also submitted, not graded: exercise3_data.ipynb" in doc["output"]


def test_broken_notebook_scores_zero_with_a_visible_reason(autograder):
    _submit(autograder, "exercise3_data.ipynb", '{"cells": [ this is not json')
    doc = autograder("-k", ONE_TEST)
    assert doc["score"] == 0
    first = doc["tests"][0]
    assert first["visibility"] == "visible" and first["status"] == "failed"
    assert "could not be read" in first["output"] and "exercise3_data.ipynb" in first["output"]


def test_forging_submission_scores_zero(autograder):
    results = autograder.root / "results" / "results.json"
    forger = (HOSTILE / "prints_fake_results_json.py").read_text() + (
        f"\ntry:\n    open({str(results)!r}, 'w').write({json.dumps(json.dumps(FORGED))})\n"
        "except OSError:\n    pass\n")
    _submit(autograder, "exercise3_data.py", forger)
    _submit(autograder, "results.json", json.dumps(FORGED))
    results.write_text(json.dumps(FORGED))
    doc = autograder("-k", ONE_TEST)
    assert doc["score"] == 0 and doc["tests"] and "forged" not in {t["name"] for t in doc["tests"]}


def test_symlink_to_the_reference_is_not_graded(autograder):
    (autograder.root / "submission" / "exercise3_data.py").symlink_to(
        autograder.root / "source" / "solutions" / "exercise3_data.py")
    doc = autograder("-k", ONE_TEST)
    assert doc["score"] == 0
    assert "No submission found for exercise3" in doc["tests"][0]["output"]


def test_any_failure_still_writes_results(autograder):
    (autograder.root / "source" / "assignment.json").unlink()
    _submit(autograder, "exercise3_data.py", (KIT / "solutions" / "exercise3_data.py").read_bytes())
    doc = autograder()
    assert doc["score"] == 0 and doc["tests"][0]["visibility"] == "visible"
    assert "assignment.json" in doc["tests"][0]["output"]


def test_the_zip_ships_its_own_secret_and_grading_draws_from_it(autograder, exercise3_zip, tmp_path, monkeypatch):
    """Every submission of one zip gets the same hidden inputs; not this machine's, not guessable."""
    from grader import secret
    from tests.golden.exercise3.timing_cheats import RECOGNISES_THE_TIMING_INPUTS
    shipped = (autograder.root / "source" / "solutions" / "grading-secret").read_text()
    assert len(shipped) == 64 and shipped.encode() != secret.grading_secret()
    cheat = RECOGNISES_THE_TIMING_INPUTS.write("exercise3_data", tmp_path)
    _submit(autograder, "exercise3_data.py", cheat.read_bytes())
    shapes = [_shape_shown(test) for test in autograder("-k", "big_batches")["tests"]]
    monkeypatch.setenv("GRADER_SECRET", shipped)
    here = api.grade("exercise3", cheat, keyword="big_batches", feedback_dir=tmp_path / "feedback")
    assert shapes == [_shape_shown({"output": t.output}) for t in here.tests] and shapes[0]
    monkeypatch.setenv("GRADER_SECRET", "another zip")
    other = api.grade("exercise3", cheat, keyword="big_batches", feedback_dir=tmp_path / "other")
    assert [_shape_shown({"output": t.output}) for t in other.tests] != shapes


def _shape_shown(test: dict) -> str:
    found = re.search(r"n=\d+, d=\d+", test["output"])
    return found.group(0) if found else ""
