"""What pytest's traceback text costs a grading whose tests fail: the stubs, graded in one process.

A grading builds its messages from the exception (grader.pytest_reports), so pytest's own
traceback text is never shown; the grader asks for it in the native style. Pytest's default
style parses the source of every frame of every failing test (and hypothesis asks for the text
again for each failing example). This grades each stub with both styles, in turn, warm (the
first grading of a process, which starts the worker template, is left out), and prints the
medians side by side.

    python bench/failure_text_bench.py                       # exercises 1 and 2, three each
    python bench/failure_text_bench.py --exercise exercise3 --repeats 5
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
SHARED_DATA = KIT.parent / "shared" / "datasets"
if SHARED_DATA.is_dir():
    os.environ.setdefault("GRADER_DATA_DIR", str(SHARED_DATA))

from grader import api, exercises  # noqa: E402


def stub_of(exercise_id: str) -> Path:
    return next((KIT / "exercises").glob(f"{exercise_id}_*.py"))


def graded_seconds(exercise_id: str, style: str | None, folder: Path) -> float:
    """One grading of the stub; ``style`` replaces the grader's traceback style (None keeps it)."""
    configure = api._Activator.pytest_configure

    def with_style(self, config):
        configure(self, config)
        config.option.tbstyle = style
    patch = mock.patch.object(api._Activator, "pytest_configure", with_style) if style else contextlib.nullcontext()
    with patch:
        started = time.perf_counter()
        report = api.grade(exercise_id, stub_of(exercise_id), feedback_dir=folder / "feedback")
        seconds = time.perf_counter() - started
    assert report.score == 0 and report.tests, "a stub earns nothing"
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exercise", action="append", choices=[e.id for e in exercises.available()])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="failure-text-"))
    for exercise_id in args.exercise or ["exercise1", "exercise2"]:
        graded_seconds(exercise_id, None, folder)  # warm: the worker template and imports
        times = {"native (the grader's)": [], "long (pytest's default)": []}
        for _ in range(args.repeats):
            times["native (the grader's)"].append(graded_seconds(exercise_id, None, folder))
            times["long (pytest's default)"].append(graded_seconds(exercise_id, "long", folder))
        native, long = (statistics.median(t) for t in times.values())
        print(f"{exercise_id} stub: native {native:.2f} s, long {long:.2f} s (median of {args.repeats}): "
              f"{long / native:.1f}x", flush=True)


if __name__ == "__main__":
    main()
