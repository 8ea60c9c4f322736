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


def failed_tests(report) -> set[str]:
    """Suite function names (parameters dropped) of the tests that lost points."""
    return {t.test_id.split("[")[0] for t in report.tests if t.status == "failed"}
