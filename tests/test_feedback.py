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
