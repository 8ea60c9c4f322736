"""Exercises 3 and 5 say which student function each test checks and uses, in a table."""
from __future__ import annotations

import ast
import importlib

import pytest

from grader import exercises
from tests.golden.exercise3.buggy import MODULE, MUTANTS


@pytest.mark.parametrize("exercise_id", ["exercise3", "exercise5"])
def test_every_entry_names_a_test_of_the_suite_and_functions_of_the_stub(kit_root, exercise_id):
    table = importlib.import_module(f"grader.checks.{exercise_id}_dependencies").DEPENDENCIES
    exercise = exercises.get(exercise_id)
    suite = ast.parse(exercise.suite.read_text(encoding="utf-8"))
    tests = {n.name for n in suite.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}
    stub = ast.parse((kit_root / "exercises" / f"{exercise.module}.py").read_text(encoding="utf-8"))
    defined = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert set(table) <= tests, set(table) - tests
    assert tests - set(table) == set(), "every test says what it checks"
    named = {checked for checked, _ in table.values()} | {n for _, uses in table.values() for n in uses}
    assert named <= defined, named - defined


def test_a_wrong_standardize_is_shown_first_and_get_data_ch11_marked(grade_submission, tmp_path):
    bug = next(m for m in MUTANTS if m.name == "standardizes_with_sample_std")
    report = grade_submission("exercise3", bug.write(MODULE, tmp_path), keyword="standardize or get_data")
    failing = [t for t in report.ordered_tests() if t.status == "failed"]
    dependants = [t for t in failing if t.checks != "standardize"]
    assert dependants and {t.test_id.split("[")[0] for t in dependants} == {"test_get_data_ch11"}
    assert failing[-len(dependants):] == dependants  # listed after the root cause
    for test in dependants:
        assert report.feedback(test).startswith("depends on standardize, which fails: fix that first\n")
