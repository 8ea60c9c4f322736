"""Exercises 2 to 5 say which student function each test checks and uses, in a table."""
from __future__ import annotations

import ast
import importlib

import pytest

from grader import exercises
from grader.dependencies import declared
from grader.points import collect_items
from tests.golden.exercise2.buggy import MODULE as EXERCISE2_MODULE, MUTANTS as EXERCISE2_MUTANTS
from tests.golden.exercise3.buggy import MODULE, MUTANTS


@pytest.mark.parametrize("exercise_id", ["exercise2", "exercise3", "exercise4", "exercise5"])
def test_every_test_says_which_functions_of_the_stub_it_checks_and_uses(kit_root, exercise_id):
    table = importlib.import_module(f"grader.checks.{exercise_id}_dependencies").DEPENDENCIES
    exercise = exercises.get(exercise_id)
    items = collect_items(exercise)
    stub = ast.parse((kit_root / "exercises" / f"{exercise.module}.py").read_text(encoding="utf-8"))
    defined = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert set(table) <= {item.originalname for item in items}, "every entry names a test of the suite"
    for item in items:  # each case of a parametrized test too
        checked, uses = declared(item)
        assert checked in defined, (item.name, checked)
        assert set(uses) <= defined, (item.name, uses)


def test_a_wrong_init_states_is_shown_before_the_airfoil_run_it_spoils(grade_submission, tmp_path):
    bug = next(m for m in EXERCISE2_MUTANTS if m.name == "adagrad_state_of_b_shaped_like_w")
    report = grade_submission("exercise2", bug.write(EXERCISE2_MODULE, tmp_path),
                              keyword="init_states_are_zeros or converges_on_airfoil")
    failing = [t for t in report.ordered_tests() if t.status == "failed"]
    assert [t.test_id for t in failing] == ["test_init_states_are_zeros_shaped_like_params[adagrad]",
                                            "test_optimizer_converges_on_airfoil[adagrad]"]
    assert report.feedback(failing[1]).startswith("depends on init_adagrad_states, which fails: fix that first\n")


def test_a_wrong_standardize_is_shown_first_and_get_data_ch11_marked(grade_submission, tmp_path):
    bug = next(m for m in MUTANTS if m.name == "standardizes_with_sample_std")
    report = grade_submission("exercise3", bug.write(MODULE, tmp_path), keyword="standardize or get_data")
    failing = [t for t in report.ordered_tests() if t.status == "failed"]
    dependants = [t for t in failing if t.checks != "standardize"]
    assert dependants and {t.test_id.split("[")[0] for t in dependants} == {"test_get_data_ch11"}
    assert failing[-len(dependants):] == dependants  # listed after the root cause
    for test in dependants:
        assert report.feedback(test).startswith("depends on standardize, which fails: fix that first\n")
