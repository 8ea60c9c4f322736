"""The report a student reads in the terminal."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.results import FAILED, NOT_RUN, PASSED, GradeReport, TestResult
from grader.sandbox.student_output import visible

_ICONS = {PASSED: "[green]PASS[/]", FAILED: "[red]FAIL[/]", NOT_RUN: "[blue]HIDDEN[/]"}
COMPACT_LINES = 4  # lines of a failure shown by the compact report (``grade all``)


def blocked_by_import(test: TestResult) -> bool:
    return test.extras.get("blocked_by") == "import"


def render(report: GradeReport, console: Console | None = None, verbose: bool = False,
           compact: bool = False) -> None:
    """The report; ``compact`` lists only the failures, each in a few lines (``grade all``)."""
    console = console or Console(highlight=False)
    console.rule(f"[bold]{report.exercise}[/] {escape(report.title)}")
    for error in report.errors:
        console.print(f"[bold red]Error:[/] {escape(error)}")
    if report.import_output:
        # Not wrapped: a wrapped line would start at the margin, where the grader's own lines start.
        console.print("[bold]Your module printed while being imported:[/]\n" + quoted(report.import_output),
                      no_wrap=True, overflow="ellipsis")
    blocked = [t for t in report.tests if blocked_by_import(t)]
    shown = [t for t in report.ordered_tests() if not blocked_by_import(t)]
    if compact:
        shown = [t for t in shown if t.status == FAILED]
    if shown:
        console.print(_table(report, shown, verbose, COMPACT_LINES if compact else 14))
    if blocked:
        console.print(f"[red]{len(blocked)} test(s) worth {sum(t.max_score for t in blocked):g} points could not "
                      "run: your module does not import. Fix the error above first.[/]")
    if compact:
        passed = sum(t.status == PASSED for t in report.tests)
        console.print(f"{passed} of {sum(t.counted for t in report.tests)} tests passed.")
    _footer(report, console)


def _table(report: GradeReport, tests: list[TestResult], verbose: bool, limit: int) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("test")
    for test in tests:
        points = f"{test.score:g}/{test.max_score:g}" if test.counted else f"-/{test.max_score:g}"
        icon = _ICONS.get(test.status, "[yellow]SKIP[/]")
        text = escape(test.name) + (f" [dim]({escape(test.test_id)})[/]" if verbose and test.test_id else "")
        output = report.feedback(test)
        show_output = test.status == FAILED or verbose or (test.status != PASSED and output)
        if output and show_output:
            text += "\n[dim]" + escape(indent(output, limit)) + "[/]"
        if test.student_output:
            text += "\n[italic]your output:[/]\n" + quoted(test.student_output, limit)
        table.add_row(icon, points, text)
    return table


def _footer(report: GradeReport, console: Console) -> None:
    console.print(f"[bold]Total: {report.score:g} / {report.max_score:g}[/]"
                  f"  ({report.execution_time:.1f} s on {escape(report.device)})")
    hidden = [t for t in report.not_run if not t.extras.get("gpu")]
    if hidden:
        console.print(f"{len(hidden)} hidden test(s) worth {sum(t.max_score for t in hidden):g} points were not "
                      "run here: they need the reference solution and run on Gradescope.")
    gpu = [t for t in report.tests if t.extras.get("gpu") and not t.counted]
    if gpu:
        console.print(f"{len(gpu)} CUDA test(s) worth {sum(t.max_score for t in gpu):g} points need a GPU and "
                      "count only where one is present.")
    for note in report.notes:
        console.print(f"[yellow]Note:[/] {escape(note)}")
    for path in report.artifacts:
        console.print(f"Plot: {escape(path)}")


def quoted(text: str, limit: int = 14) -> str:
    """What the submission printed, as markup: every line behind a bar, so none reads as the grader's."""
    lines = visible(text).splitlines() or [""]
    more = len(lines) - limit
    shown = "\n".join("  | " + line for line in lines[:limit])
    return escape(shown) + (f"\n  [dim]({more} more lines in the JSON report)[/]" if more > 0 else "")


def indent(text: str, limit: int = 14) -> str:
    """``text`` indented, cut to ``limit`` lines (the JSON report keeps all of it)."""
    lines = text.splitlines()
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more lines in the JSON report)"]
    return "\n".join("  " + line for line in lines)
