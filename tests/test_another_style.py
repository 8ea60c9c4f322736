"""A correct solution in another style gets full marks, on every exercise.

Each exercise, 1 to 5, has a whole module written from its stub's docstrings alone
(tests/golden/exerciseN/another_style.py), graded here under the name the grader expects.
Exercise 1 also keeps its composed-ops golden mutant (tests/golden/exercise1/composed.py,
graded in tests/test_exercise1_golden.py); now it has a whole module too. Each module shares
no stretch of code with the reference, and each passes the submission policy as it is.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import exercises
from grader.policy import exercise_findings, scan_source
from grader.release.leaks import find_copied_code
from tests.conftest import assert_full_marks

GOLDEN = Path(__file__).resolve().parent / "golden"
KIT = GOLDEN.parents[1]
EXERCISES = [f"exercise{n}" for n in range(1, 6)]


def another_style(exercise_id: str) -> Path:
    return GOLDEN / exercise_id / "another_style.py"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_another_style_is_not_the_reference(exercise_id):
    module = exercises.get(exercise_id).module
    source = another_style(exercise_id).read_text(encoding="utf-8")
    reference = (KIT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    assert find_copied_code(reference, source) == []
    assert scan_source(source, exercise_id) == []
    assert exercise_findings(source, exercise_id) == []


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_another_style_scores_full_marks(grade_submission, tmp_path, exercise_id):
    path = tmp_path / f"{exercises.get(exercise_id).module}.py"
    shutil.copyfile(another_style(exercise_id), path)
    assert_full_marks(grade_submission(exercise_id, path))
