"""The lines of a traceback that point into the submission: what a student can act on.

Used in the worker (by the worker's main loop for any error a probe raises, and by probes that
return an error as data), so it depends on nothing but the standard library.
"""
from __future__ import annotations

import traceback
from pathlib import Path


def student_traceback(exc: BaseException, submission: str, frames_shown: int = 6) -> str:
    """The last ``frames_shown`` frames of ``exc`` in the file ``submission``, one entry each."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == submission]
    name = Path(submission).name if submission else "submission"
    return "\n".join(f'  {name}, line {f.lineno}, in {f.name}\n    {(f.line or "").strip()}'
                     for f in frames[-frames_shown:])
