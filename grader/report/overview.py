"""Tables that are not a grading report: progress across exercises, and a suite's tests."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.points import SuiteTest, points_of
from grader.progress import Row


def render_progress(rows: list[Row], console: Console) -> None:
    """One row per exercise: points here, tests passing, what to do next."""
    table = Table(title="Progress", header_style="bold", box=None, pad_edge=False, title_justify="left")
    for name, justify in (("exercise", "left"), ("points", "right"), ("tests", "right"), ("next", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "next")
    for row in rows:
        graded = bool(row.graded_at)
        table.add_row(row.exercise, f"{row.score:g}/{row.max_score:g}" if graded else "-",
                      f"{row.passed}/{row.counted}" if graded else "-", escape(row.next_step))
    console.print(table)
    graded = [r for r in rows if r.graded_at]
    if graded:
        console.print(f"[bold]Overall: {sum(r.score for r in graded):g} / {sum(r.max_score for r in graded):g} "
                      f"points here[/], {sum(r.passed for r in graded)} of {sum(r.counted for r in graded)} tests "
                      f"passing ({len(graded)} of {len(rows)} exercises graded; hidden tests run on Gradescope).")


def render_tests(exercise_id: str, tests: list[SuiteTest], console: Console) -> None:
    """``grade EXERCISE --list``: each test's id (what ``-k`` matches, as do title words) and title."""
    table = Table(header_style="bold", box=None, pad_edge=False)
    for name in ("id", "points", "title"):
        table.add_column(name, justify="right" if name == "points" else "left", no_wrap=name == "id")
    for test in tests:
        tags = [tag for tag, on in (("hidden", test.hidden), ("CUDA", test.gpu)) if on]
        table.add_row(escape(test.test_id), f"{test.points:g}",
                      escape(test.title) + (f" [dim]({', '.join(tags)})[/]" if tags else ""))
    console.print(table)
    console.print(f"{exercise_id}: {len(tests)} tests, {points_of(tests).describe()}. "
                  f"Select with -k: words of an id or a title (-k \"exactly once\"), or a pytest "
                  f"expression (-k \"mean and not mae\").")
