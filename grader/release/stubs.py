"""Turn a solution module into the student's stub module.

Markers, as nbgrader and otter users know them:

* a block between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` becomes
  ``# TODO: Exercise N.k`` and ``raise NotImplementedError("Exercise N.k")``;
* a line ending in ``# SOLUTION`` keeps its assignment target and loses its value
  (``x = 2  # SOLUTION`` becomes ``x = ...``), or becomes ``...``.

``N`` is the exercise number (from the module name), ``k`` counts the solution regions.
"""
from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(\s*)#\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*#\s*END SOLUTION\s*$")
LINE = re.compile(r"^(\s*)(.*?)\s*#\s*SOLUTION\s*$")
ASSIGNMENT = re.compile(r"^([A-Za-z_][\w\.\[\]\s,]*?)\s*(=|\+=|-=)\s*(?!=)")


class MarkerError(ValueError):
    """Malformed solution markers; the message names the file and the line."""


def exercise_number(path: Path) -> int:
    match = re.match(r"exercise(\d+)", Path(path).stem)
    if not match:
        raise MarkerError(f"{path}: cannot tell the exercise number from the file name")
    return int(match.group(1))


def strip_solutions(text: str, number: int, filename: str = "<solution>") -> str:
    """The stub form of a solution module's source text."""
    out, task, begin_line, indent = [], 0, None, ""
    for lineno, line in enumerate(text.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if begin_line is not None:
                raise MarkerError(f"{filename}:{lineno}: BEGIN SOLUTION inside the region opened "
                                  f"at line {begin_line} (regions cannot nest)")
            begin_line, indent = lineno, begin.group(1)
            task += 1
            out.append(f"{indent}# TODO: Exercise {number}.{task}")
            out.append(f'{indent}raise NotImplementedError("Exercise {number}.{task}")')
            continue
        if END.match(line):
            if begin_line is None:
                raise MarkerError(f"{filename}:{lineno}: END SOLUTION without a BEGIN SOLUTION")
            begin_line = None
            continue
        if begin_line is not None:
            continue
        single = LINE.match(line)
        if single and "SOLUTION" not in single.group(2):
            target = ASSIGNMENT.match(single.group(2))
            out.append(f"{single.group(1)}{target.group(1)} = ..." if target else f"{single.group(1)}...")
            continue
        out.append(line)
    if begin_line is not None:
        raise MarkerError(f"{filename}:{begin_line}: BEGIN SOLUTION is never closed by END SOLUTION")
    return "\n".join(out) + "\n"


def stub_for(solution: Path) -> str:
    return strip_solutions(solution.read_text(encoding="utf-8"), exercise_number(solution), str(solution))
