"""Shared fixtures for the kit's own tests: grade real submissions through the library."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parent.parent
SHARED_DATA = KIT.parent / "shared" / "datasets"

# The real datasets live beside the project; tests read them from there, never download.
if not os.environ.get("GRADER_DATA_DIR") and SHARED_DATA.is_dir():
    os.environ["GRADER_DATA_DIR"] = str(SHARED_DATA)


def pytest_configure(config):
    # A few kit tests import a grading suite for its constants: its markers must be known here too.
    from grader.suites.conftest import MARKERS
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


def run_folder(tmp_path_factory) -> Path:
    """A folder shared by every xdist worker of this run (the base folder's parent under xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def _reference_answers_shared_by_the_run(tmp_path_factory):
    """Every grading of this run (xdist workers and subprocesses too) shares the reference's
    answers, as the gradings of one regrade do; none reads or fills the user's own cache."""
    if os.environ.get("GRADER_REFERENCE_CACHE"):
        yield
        return
    os.environ["GRADER_REFERENCE_CACHE"] = str(run_folder(tmp_path_factory) / "reference-answers")
    yield
    os.environ.pop("GRADER_REFERENCE_CACHE", None)


@pytest.fixture(scope="session")
def kit_root() -> Path:
    return KIT


@pytest.fixture
def grade_submission(tmp_path):
    """grade_submission(exercise, path, **kwargs) -> GradeReport, feedback kept in tmp_path."""
    from grader import api

    def run(exercise: str, path, **kwargs):
        kwargs.setdefault("feedback_dir", tmp_path / "feedback")
        return api.grade(exercise, path, **kwargs)
    return run


def failed_tests(report, expected=frozenset()) -> set[str]:
    """The tests that lost points, as suite function names (parameters dropped).

    A function that ``expected`` names with its case (``test_x[cpu]``) is listed by case, so
    a golden bug can be expected to fail only some cases of a parametrized test.
    """
    by_case = {name.split("[")[0] for name in expected if "[" in name}
    failed = {t.test_id for t in report.tests if t.status == "failed"}
    return {i if i.split("[")[0] in by_case else i.split("[")[0] for i in failed}


def assert_full_marks(report) -> None:
    """The reference: no grading error, no test left unrun, every point earned."""
    assert not report.errors, report.errors
    assert report.not_run == []
    assert report.score == report.max_score > 0, [(t.test_id, t.output) for t in report.tests
                                                  if t.status == "failed"]


def assert_scores_zero(report) -> None:
    """The stub: every test failed, saying the work is not done yet."""
    assert report.score == 0
    assert all(t.status == "failed" for t in report.tests)
    assert any("is not implemented yet" in t.output for t in report.tests)


# The kit's own gradings draw their hypothesis examples and timing shapes from one fixed secret,
# so a run of the kit's tests is reproducible (a course's secret draws other inputs).
os.environ.setdefault("GRADER_SECRET", "the kit's own tests")
