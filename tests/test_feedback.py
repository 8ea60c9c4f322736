"""How failures read: the check's words and hypothesis's smallest input, nothing of the grader's."""
from __future__ import annotations

from grader.session import smallest_example


def test_drawn_arguments_without_fixtures():
    note = "Failing test case: test_x(\n    student=<Worker object>,\n    n=1,\n    batch_size=2,\n)"
    assert smallest_example([note]) == "n=1, batch_size=2"


def test_interactive_draws_are_listed():
    notes = ["Failing test case: test_x(\n    student=<Worker>,\n    data=data(...),\n)",
             "Draw 1 (x): 5", "Draw 2: []"]
    assert smallest_example(notes) == "5, []"


def test_older_wording_and_no_note():
    assert smallest_example(["Falsifying example: test_x(\n    x=0,\n)"]) == "x=0"
    assert smallest_example(["something else"]) == ""


def test_the_tests_parameters_are_not_repeated_as_input():
    note = "Failing test case: test_x(\n    student=<Worker>,\n    op='sub',\n    upstream_seed=0,\n)"
    assert smallest_example([note], known=("op",)) == "upstream_seed=0"


def _wrapped(error: dict) -> BaseException:
    """A submission error re-raised by a check in its own words, as the suites do."""
    from grader.sandbox.errors import GradingFailure, SubmissionError
    try:
        try:
            raise SubmissionError("mean", error)
        except SubmissionError:
            raise GradingFailure("a.mean() raised something")
    except GradingFailure as exc:
        return exc


def test_an_import_failure_is_recognised_however_a_check_rewrapped_it():
    from grader.failure_kinds import import_failure, input_matters
    imported = _wrapped({"type": "SyntaxError", "stage": "import", "message": "invalid syntax (line 3: x = )"})
    assert import_failure(imported) is not None and "line 3" in str(import_failure(imported))
    called = _wrapped({"type": "ValueError", "stage": "call", "message": "bad"})
    assert import_failure(called) is None and input_matters(called)


def test_no_smallest_input_for_a_function_not_written_yet():
    from grader.failure_kinds import input_matters
    assert not input_matters(_wrapped({"type": "NotImplementedError", "stage": "call", "message": "Exercise 1.9"}))
