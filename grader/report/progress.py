"""A live progress bar while a suite runs: tests done, points so far, the last test's name."""
from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from grader.results import PASSED


class ProgressBar:
    """Called with each TestResult as it is decided; ``set_total`` once the suite is collected."""

    def __init__(self, label: str, console: Console | None = None):
        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[points]}"), TimeElapsedColumn(),
                                  console=console or Console(), transient=True)
        self._task = self._progress.add_task(label, total=None, points="")
        self._score = 0.0
        self._started = False

    def set_total(self, total: int) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
        self._progress.update(self._task, total=total)

    def __call__(self, result) -> None:
        self._score += result.score if result.status == PASSED else 0.0
        self._progress.update(self._task, advance=1, points=f"{self._score:g} pts")

    def close(self) -> None:
        if self._started:
            self._progress.stop()
            self._started = False
