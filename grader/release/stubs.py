"""Turn a solution module into the student's stub module.

Markers, as nbgrader and otter users know them:

* a block between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` becomes
  ``# TODO: Exercise N.k`` and ``raise NotImplementedError("Exercise N.k")``;
* a line ending in ``# SOLUTION`` keeps its assignment target and loses its value
  (``x = 2  # SOLUTION`` becomes ``x = ...``), or becomes ``...``.

``N`` is the exercise number (from the module name), ``k`` counts the solution regions.
Malformed markers (unclosed or nested regions, an END without a BEGIN, a misspelt marker)
raise :class:`MarkerError` naming the file and the line.
"""
from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(\s*)#\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*#\s*END SOLUTION\s*$")
LINE = re.compile(r"^(\s*)(.*?)\s*#\s*SOLUTION\s*$")
ASSIGNMENT = re.compile(r"^([A-Za-z_][\w\.\[\]\s,]*?)\s*(=|\+=|-=)\s*(?!=)")
# Anything that looks like a region marker but is not exactly one (a typo would leak the solution).
MARKER_LIKE = re.compile(r"^\s*#.*\b(BEGIN|END)[\s_-]*SOLUTIONS?\b", re.IGNORECASE)
TODO = re.compile(r"^\s*# TODO: Exercise \d+\.\d+\s*$")


class MarkerError(ValueError):
    """Malformed solution markers; the message names the file and the line."""


def exercise_number(path: Path) -> int:
    """The ``N`` of ``exerciseN_topic.py``."""
    match = re.match(r"exercise(\d+)", Path(path).stem)
    if not match:
        raise MarkerError(f"{path}: cannot tell the exercise number from the file name")
    return int(match.group(1))


def _single_line_stub(line: str) -> str | None:
    """The stub of a ``# SOLUTION`` line, or None when the line carries no such marker."""
    single = LINE.match(line)
    if not single or "SOLUTION" in single.group(2):
        return None
    target = ASSIGNMENT.match(single.group(2))
    return f"{single.group(1)}{target.group(1)} = ..." if target else f"{single.group(1)}..."


def strip_solutions(text: str, number: int, filename: str = "<solution>") -> str:
    """The stub form of a solution module's source text.

    Args:
        text: the solution module's source.
        number: the exercise number ``N`` used in ``# TODO: Exercise N.k``.
        filename: named in error messages.

    Raises:
        MarkerError: for malformed markers, or a stub that would not compile.
    """
    out, task, begin_line = [], 0, None
    for lineno, line in enumerate(text.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if begin_line is not None:
                raise MarkerError(f"{filename}:{lineno}: BEGIN SOLUTION inside the region opened "
                                  f"at line {begin_line} (regions cannot nest)")
            begin_line = lineno
            task += 1
            indent = begin.group(1)
            out.append(f"{indent}# TODO: Exercise {number}.{task}")
            out.append(f'{indent}raise NotImplementedError("Exercise {number}.{task}")')
            continue
        if END.match(line):
            if begin_line is None:
                raise MarkerError(f"{filename}:{lineno}: END SOLUTION without a BEGIN SOLUTION")
            begin_line = None
            continue
        if MARKER_LIKE.match(line):
            raise MarkerError(f"{filename}:{lineno}: malformed solution marker {line.strip()!r} "
                              "(write exactly '# BEGIN SOLUTION' or '# END SOLUTION' on a line of its own)")
        if begin_line is not None:
            continue
        stub = _single_line_stub(line)
        out.append(line if stub is None else stub)
    if begin_line is not None:
        raise MarkerError(f"{filename}:{begin_line}: BEGIN SOLUTION is never closed by END SOLUTION")
    stub_text = "\n".join(out) + "\n"
    _check_compiles(stub_text, filename)
    return stub_text


def _check_compiles(stub_text: str, filename: str) -> None:
    try:
        compile(stub_text, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise MarkerError(f"{filename}: the stub does not compile ({exc.msg} at stub line {exc.lineno}); "
                          "a solution region must hold whole statements") from None


def solution_lines(text: str) -> list[tuple[int, str]]:
    """``(lineno, line)`` of every line the stub drops or rewrites: the solution's own text."""
    found, inside = [], False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if BEGIN.match(line):
            inside = True
        elif END.match(line):
            inside = False
        elif inside or _single_line_stub(line) is not None:
            found.append((lineno, line))
    return found


def stub_for(solution: Path) -> str:
    """The stub module's text for one solution file."""
    return strip_solutions(solution.read_text(encoding="utf-8"), exercise_number(solution), str(solution))
