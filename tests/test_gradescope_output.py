"""results.json reads well on Gradescope: Markdown with code blocks, short outputs, tags, numbers."""
from __future__ import annotations

from grader.gradescope.spec import validate_results
from grader.report.gradescope import gradescope_results
from grader.report.gradescope_text import MAX_TEST_OUTPUT_CHARS
from grader.results import FAILED, PASSED, GradeReport, TestResult

FAILURE = "data_iter: wrong batch sizes in one epoch\n  expected: [7, 1]\n  received: [7]\n  input: n=8, batch_size=7"


def _report() -> GradeReport:
    report = GradeReport(exercise="exercise3", title="Data", errors=["dataset 'airfoil' missing: put it in a_b/c, *not* in [x]"])
    report.tests = [
        TestResult(name="data_iter yields each example exactly once per epoch", max_score=3, status=FAILED,
                   output=FAILURE),
        TestResult(name="sgd updates parameters in place", max_score=2, score=2, status=PASSED, output=""),
        TestResult(name="gradient_variance falls as 1/B", max_score=3, status=FAILED, output="x\n" + "y" * 5000),
    ]
    return report


def test_each_test_is_markdown_with_its_details_in_a_code_block():
    doc = gradescope_results([_report()])
    assert validate_results(doc) == []
    first = doc["tests"][0]
    assert first["output_format"] == doc["output_format"] == "md"
    assert first["output"].startswith("data_iter: wrong batch sizes in one epoch\n\n```\n")
    assert "  expected: [7, 1]\n  received: [7]\n" in first["output"] and first["output"].endswith("\n```")


def test_numbers_say_exercise_and_test_and_tags_name_the_function():
    doc = gradescope_results([_report()])
    assert [t["number"] for t in doc["tests"]] == ["3.1", "3.2", "3.3"]
    assert [t["tags"] for t in doc["tests"]] == [["exercise3", "data_iter"], ["exercise3", "sgd"],
                                                 ["exercise3", "gradient_variance"]]


def test_long_output_is_cut_with_a_note_and_errors_are_escaped():
    doc = gradescope_results([_report()])
    long = doc["tests"][2]["output"]
    assert len(long) < MAX_TEST_OUTPUT_CHARS + 200 and "more characters: grade it locally" in long
    assert "put it in a_b/c, \\*not\\* in \\[x\\]" in doc["output"]  # a word's underscore needs no escape
