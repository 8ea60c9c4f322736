"""One way into a grading run: every route gets the datasets, the cleanup, and an inert plugin."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
from pathlib import Path

import nbformat
import pytest
from hypothesis import settings

from grader import api
from grader.data import datasets

KIT = Path(__file__).resolve().parent.parent
REFERENCE = KIT / "solutions" / "exercise3_data.py"


@pytest.fixture
def fresh_tmpdir():
    """A temporary folder of its own (one the sandbox's user can enter, as /tmp is)."""
    folder = Path(tempfile.mkdtemp(prefix="kit-test-tmp-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _env(tmpdir: Path) -> dict:
    """The environment of a fresh shell (no data folder) with its own temporary folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTEST_"))}
    env["TMPDIR"] = str(tmpdir)
    return env


def test_pytest_with_a_submission_grades_like_grade(fresh_tmpdir):
    """The route the README gives instructors: full marks from the shipped data, nothing left behind."""
    done = subprocess.run([sys.executable, "-m", "pytest", "grader/suites/test_exercise3.py", "-q", "-p", "no:xdist",
                           "--submission", str(REFERENCE)], cwd=KIT, env=_env(fresh_tmpdir),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
    assert list(fresh_tmpdir.iterdir()) == []


def test_a_notebook_graded_through_pytest_leaves_no_temporary_folder(tmp_path, fresh_tmpdir):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REFERENCE.read_text())])
    path = tmp_path / "work.ipynb"
    nbformat.write(notebook, path)
    done = subprocess.run([sys.executable, "-m", "pytest", "grader/suites/test_exercise3.py", "-q", "-p", "no:xdist",
                           "-k", "standardize", "--submission", str(path)], cwd=KIT, env=_env(fresh_tmpdir),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "3 passed" in done.stdout
    assert list(fresh_tmpdir.iterdir()) == []


UNRELATED_TESTS = '''
import json, os
import pytest
from hypothesis import given, settings, strategies as st

def test_the_kit_plugin_is_loaded_or_not_as_asked(request):
    assert request.config.pluginmanager.has_plugin("sgd_kit_grader") == (os.environ["EXPECT_PLUGIN"] == "1")

@given(st.integers())
def test_hypothesis_settings(x):
    with open("settings.json", "w") as out:
        json.dump({"profile": settings.get_current_profile_name(), "settings": repr(settings())}, out)

def test_no_grading_fixtures(request):
    with pytest.raises(pytest.FixtureLookupError):
        request.getfixturevalue("student")
'''


def _unrelated_run(folder: Path, plugin: bool) -> dict:
    (folder / "test_unrelated.py").write_text(UNRELATED_TESTS)
    disable = [] if plugin else ["-p", "no:sgd_kit_grader"]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *disable, "test_unrelated.py"],
                          cwd=folder, env={**_env(folder), "EXPECT_PLUGIN": "1" if plugin else "0"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "3 passed" in done.stdout
    return json.loads((folder / "settings.json").read_text())


def test_the_plugin_leaves_someone_elses_pytest_run_alone(tmp_path):
    """The same hypothesis settings with the kit installed as without it (whatever profile
    hypothesis picks itself, e.g. its own "ci" one where CI is set), and no grading fixtures."""
    with_kit, without_kit = _unrelated_run(tmp_path, True), _unrelated_run(tmp_path, False)
    assert with_kit == without_kit
    from grader.hypothesis_profile import PROFILE
    assert with_kit["profile"] != PROFILE


def test_grading_in_a_process_restores_the_hypothesis_profile(tmp_path):
    before = settings.get_current_profile_name()
    report = api.grade("exercise3", REFERENCE, keyword="zero_mean", feedback_dir=tmp_path)
    assert report.tests and report.score == report.max_score
    assert settings.get_current_profile_name() == before != "grading"


def test_a_missing_dataset_is_one_error_at_the_top(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.setattr(datasets, "BUNDLED", tmp_path / "none")
    monkeypatch.setattr(datasets, "CACHE", tmp_path / "cache")

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no route to host")
    monkeypatch.setattr(datasets.urllib.request, "urlopen", offline)
    report = api.grade("exercise3", REFERENCE, keyword="get_data_ch11", feedback_dir=tmp_path)
    assert [e for e in report.errors if "airfoil" in e] == report.errors and len(report.errors) == 1
    assert "could not download" in report.errors[0] and "GRADER_DATA_DIR" in report.errors[0]
    failed = [t for t in report.tests if t.status == "failed"]
    assert failed and len(failed) == len(report.tests)
    for test in failed:
        assert "not available to the grader" in test.output and "could not download" not in test.output, test.output


GRADE_AND_SAY_IF_TORCH_LOADED = '''
import sys
from grader import api
report = api.grade(sys.argv[1], sys.argv[2], keyword=sys.argv[3], feedback_dir=sys.argv[4])
print(report.score, report.max_score, "torch" in sys.modules)
'''


@pytest.mark.parametrize("exercise, module, keyword", [("exercise3", "exercise3_data", "zero_mean or covers"),
                                                        ("exercise5", "exercise5_lars", "trust_ratio")])
def test_the_grader_of_exercises_3_and_5_never_loads_torch(tmp_path, exercise, module, keyword):
    """torch is ~180 MB of a 768 MiB container: only the workers, which run the code, need it."""
    done = subprocess.run([sys.executable, "-c", GRADE_AND_SAY_IF_TORCH_LOADED, exercise,
                           str(KIT / "solutions" / f"{module}.py"), keyword, str(tmp_path)],
                          cwd=KIT, capture_output=True, text=True, timeout=600)
    score, maximum, torch_loaded = done.stdout.split()
    assert float(score) == float(maximum) > 0 and torch_loaded == "False", done.stdout + done.stderr[-2000:]


def test_each_grading_draws_the_examples_of_its_own_profile(tmp_path, monkeypatch):
    """Two gradings in one process (a warm batch slot, the kit's own tests) with different
    $GRADER_HYPOTHESIS_EXAMPLES each draw their own number: the suite's @settings are made anew."""
    from grader import hypothesis_profile
    source = (KIT / "solutions" / "exercise1_autograd.py").read_text(encoding="utf-8")
    marked = '        result = Matrix(-self.data, children=(self,))\n'
    assert source.count(marked) == 1
    submission = tmp_path / "exercise1_autograd.py"
    submission.write_text(source.replace(marked, '        print("negated")\n' + marked), encoding="utf-8")
    drawn = {}
    for examples in (4, 20, 4):
        monkeypatch.setenv(hypothesis_profile.EXAMPLES_VARIABLE, str(examples))
        report = api.grade("exercise1", submission, feedback_dir=tmp_path / f"feedback-{examples}",
                           keyword="test_forward_matches_torch[neg]")
        (test,) = report.tests
        assert test.status == "passed", test.output
        drawn.setdefault(examples, []).append(test.student_output.count("negated"))
    # Each example calls __neg__ a few times (the forward, then perturbed copies): compare the counts.
    assert drawn[4][0] == drawn[4][1] > 0 and drawn[20][0] > 3 * drawn[4][0], drawn
