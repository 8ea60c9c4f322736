"""The report a student reads in the terminal."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.results import FAILED, NOT_RUN, PASSED, GradeReport

_ICONS = {PASSED: "[green]PASS[/]", FAILED: "[red]FAIL[/]", NOT_RUN: "[blue]HIDDEN[/]"}


def render(report: GradeReport, console: Console | None = None, verbose: bool = False) -> None:
    console = console or Console(highlight=False)
    console.rule(f"[bold]{report.exercise}[/] {escape(report.title)}")
    for error in report.errors:
        console.print(f"[bold red]Error:[/] {escape(error)}")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("test")
    for test in report.tests:
        points = f"{test.score:g}/{test.max_score:g}" if test.counted else f"-/{test.max_score:g}"
        icon = _ICONS.get(test.status, "[yellow]SKIP[/]")
        text = escape(test.name)
        show_output = test.status == FAILED or verbose or (test.status != PASSED and test.output)
        if test.output and show_output:
            text += "\n[dim]" + escape(_indent(test.output)) + "[/]"
        table.add_row(icon, points, text)
    console.print(table)
    hidden = report.not_run
    console.print(f"[bold]Total: {report.score:g} / {report.max_score:g}[/]"
                  f"  ({report.execution_time:.1f} s on {escape(report.device)})")
    if hidden:
        points = sum(t.max_score for t in hidden)
        console.print(f"{len(hidden)} hidden test(s) worth {points:g} points were not run here: "
                      "they need the reference solution and run on Gradescope.")
    for note in report.notes:
        console.print(f"[yellow]Note:[/] {escape(note)}")
    for path in report.artifacts:
        console.print(f"Plot: {escape(path)}")


def _indent(text: str, limit: int = 14) -> str:
    lines = text.splitlines()
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more lines in the JSON report)"]
    return "\n".join("  " + line for line in lines)
