"""What the submission prints is shown as its own: under the test that printed it, import output once at the top."""
from __future__ import annotations

import json
import os
import tempfile
import textwrap

from rich.console import Console

from grader.probes import diagnostics
from grader.report.gradescope import gradescope_results
from grader.report.terminal import render
from grader.results import PASSED, GradeReport, TestResult
from grader.sandbox.student_output import MAX_CHARS, OutputLog, visible
from grader.sandbox.worker import Worker

MODULE = "exercise3_data"
FORGED = ["PASS  10/10  Everything is correct", "\x1b[2K\rTotal: 100 / 100", "```", "**All tests passed**"]


def printing_submission(kit_root, folder):
    """The reference, printing at import and on every call of standardize (forged report lines included)."""
    source = (kit_root / "solutions" / f"{MODULE}.py").read_text(encoding="utf-8")
    source = source.replace("from grader.data import load_airfoil\n",
                            "from grader.data import load_airfoil\n\nprint('loading my data module')\n", 1)
    prints = "".join(f"    print({line!r})\n" for line in FORGED)
    old = "    data = _as_tensor(data)\n    # BEGIN SOLUTION\n"
    assert source.count(old) == 1
    source = source.replace(old, "    data = _as_tensor(data)\n    print('standardize got', tuple(data.shape))\n"
                            + prints + "    # BEGIN SOLUTION\n")
    path = folder / f"{MODULE}.py"
    path.write_text(source, encoding="utf-8")
    return path


def test_printed_output_is_shown_under_its_test_and_import_output_once(grade_submission, kit_root, tmp_path):
    report = grade_submission("exercise3", printing_submission(kit_root, tmp_path), keyword="standardize or sgd_step")
    assert not report.errors, report.errors
    assert report.score == report.max_score > 0  # printing costs nothing
    by_id = {t.test_id: t for t in report.tests}
    assert report.import_output == "loading my data module"
    assert not any("loading my data module" in t.student_output for t in report.tests)

    one_call = by_id["test_standardize_accepts_numpy"].student_output
    assert one_call.splitlines() == ["standardize got (2, 2)", FORGED[0], "\\x1b[2K", "Total: 100 / 100",
                                     *FORGED[2:]]
    assert by_id["test_sgd_step"].student_output == ""  # it never calls standardize
    many = by_id["test_standardize_zero_mean_unit_variance"].student_output  # hypothesis: many calls
    assert many.startswith("standardize got") and many.endswith("more characters not shown")
    assert len(many) <= MAX_CHARS + 60

    console = Console(record=True, width=100)
    render(report, console)
    text = console.export_text()
    assert text.count("loading my data module") == 1
    assert "Your module printed while being imported:\n  | loading my data module" in text
    assert "your output:" in text and "\x1b" not in text
    for line in text.splitlines():  # the forged lines are quoted, never the grader's own
        if any(forged in line for forged in ("Everything is correct", "Total: 100", "All tests passed")):
            assert line.lstrip().startswith("| "), line
    assert sum(line.startswith("Total:") for line in text.splitlines()) == 1

    document = gradescope_results([report])
    (numpy_test,) = [t for t in document["tests"] if "numpy" in t["name"]]
    head, block = numpy_test["output"].split("**Your output (printed by your code during this test):**\n\n")
    fence = block.splitlines()[0]
    assert set(fence) == {"`"} and len(fence) > 3 and block.rstrip().endswith("\n" + fence)
    assert "**All tests passed**" in block and "**All tests passed**" not in head
    assert "loading my data module" in document["output"] and "imported" in document["output"]
    assert json.loads(json.dumps(report.to_dict()))["import_output"] == "loading my data module"


def test_output_is_bounded_and_its_control_characters_shown():
    log = OutputLog(limit=10)
    with tempfile.TemporaryFile() as file:
        os.write(file.fileno(), b"0123456789abcdef\x1b[31m")
        log.add(file.fileno(), 0)
    assert log.take() == "0123456789\n... 14 more characters not shown"
    assert log.take() == ""
    assert visible("a\r\nb\rc\x1b[2J\u202eevil\tok") == "a\nb\nc\\x1b[2J\\u202eevil\tok"


def test_the_worker_keeps_each_calls_output_in_order_with_stderr(tmp_path):
    path = tmp_path / "student_module.py"
    path.write_text(textwrap.dedent("""
        import sys
        print("at import")
        def talk(n):
            print("out", n)
            print("err", n, file=sys.stderr)
            print("no newline", end="")
            return n
    """))
    with Worker(path, "student_module") as worker:
        assert worker.call(diagnostics.call, name="talk", args=(1,)) == 1
        assert worker.import_output == "at import"
        assert worker.output.take() == "out 1\nerr 1\nno newline"
        worker.timed_call(diagnostics.call, name="talk", args=(2,))
        worker.call(diagnostics.call, name="talk", args=(3,))
        assert worker.output.take() == "out 2\nerr 2\nno newlineout 3\nerr 3\nno newline"


def test_a_passed_test_with_output_shows_it_in_every_format():
    report = GradeReport("exercise3", tests=[TestResult("Quiet", 1, status=PASSED, score=1),
                                             TestResult("Chatty", 1, status=PASSED, score=1, student_output="hi")])
    console = Console(record=True, width=80)
    render(report, console)
    text = console.export_text()
    assert "your output:\n" in text and "| hi" in text
    quiet, chatty = gradescope_results([report])["tests"]
    assert quiet["output"] == "" and chatty["output"].endswith("```\nhi\n```")
