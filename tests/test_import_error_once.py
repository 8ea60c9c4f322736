"""The terminal report: a module that does not import is one problem, shown once with its line; -v shows ids."""
from __future__ import annotations

from rich.console import Console

from grader.failure_kinds import NOT_IMPORTED
from grader.report.terminal import render


def test_a_syntax_error_appears_once_with_its_line(grade_submission, kit_root, tmp_path):
    source = (kit_root / "solutions" / "exercise1_autograd.py").read_text()
    lines = source.splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("import numpy"))
    lines[number - 1] += " )("
    path = tmp_path / "exercise1_autograd.py"
    path.write_text("\n".join(lines) + "\n")
    report = grade_submission("exercise1", path, keyword="mean")
    assert len(report.tests) >= 3
    assert [e for e in report.errors if "SyntaxError" in e] == report.errors and len(report.errors) == 1
    assert f"line {number}" in report.errors[0]
    assert all(t.output == NOT_IMPORTED and t.score == 0 for t in report.tests)
    console = Console(record=True, width=100)
    render(report, console)
    text = console.export_text()
    assert text.count("SyntaxError") == 1 and "Smallest failing input" not in text


def test_verbose_reports_show_the_ids_k_matches():
    from grader.results import PASSED, GradeReport, TestResult
    report = GradeReport("exercise1", tests=[TestResult("The op's forward value", 1, test_id="test_forward[mean]",
                                                        status=PASSED, score=1)])
    console = Console(record=True, width=120)
    render(report, console, verbose=True)
    assert "(test_forward[mean])" in console.export_text()
    console = Console(record=True, width=120)
    render(report, console)
    assert "test_forward[mean]" not in console.export_text()
