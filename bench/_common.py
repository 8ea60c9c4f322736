"""Shared bits of the bench scripts: find the kit and the data, load a reference module."""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
SHARED_DATA = KIT.parent / "shared" / "datasets"
if not os.environ.get("GRADER_DATA_DIR") and SHARED_DATA.is_dir():
    os.environ["GRADER_DATA_DIR"] = str(SHARED_DATA)
sys.path.insert(0, str(KIT))


def load_reference(module: str):
    """Import solutions/<module>.py (benchmarks measure the reference, in-process)."""
    spec = importlib.util.spec_from_file_location(module, KIT / "solutions" / f"{module}.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def grading_time(exercise: str, submission: Path | None = None) -> tuple[float, float, float]:
    """Seconds to grade the reference, and its score / max."""
    from grader import api
    started = time.perf_counter()
    report = api.grade(exercise, submission or KIT / "solutions", feedback_dir=KIT / "feedback" / "bench")
    return time.perf_counter() - started, report.score, report.max_score
