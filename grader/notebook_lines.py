"""Line numbers of a module made from a notebook, read back as the notebook's cells and lines.

The module :mod:`grader.notebook` writes opens with :data:`HEADER` and starts each cell
with a :data:`CELL_MARKER` line, so a message saying ``exercise3_data.py, line 42`` can be
given as ``cell 7, line 3``: where the student can find it in Jupyter.
"""
from __future__ import annotations

import re

HEADER = "# Made from a Jupyter notebook by the grader: its definitions, cell by cell."
CELL_MARKER = "# --- notebook cell "
LEFT_OUT = "# left out of grading: not a definition"
_MARKER = re.compile(r"^# --- notebook cell (\d+) ---$")
_LINE = re.compile(r"(?:\b[\w.-]+\.py, )?\bline (\d+)\b")


def cell_of_line(source: str) -> dict[int, tuple[int, int]]:
    """Module line -> (cell number, line within the cell), for a module made from a notebook."""
    mapping, cell, start = {}, None, 0
    for number, line in enumerate(source.splitlines(), start=1):
        match = _MARKER.match(line)
        if match:
            cell, start = int(match.group(1)), number
        elif cell is not None:
            mapping[number] = (cell, number - start)
    return mapping


def notebook_lines(text: str, source: str) -> str:
    """``text`` with the module's line numbers given as cells and lines (unchanged for a plain module)."""
    if HEADER not in source:
        return text
    mapping = cell_of_line(source)

    def replace(match: re.Match) -> str:
        where = mapping.get(int(match.group(1)))
        return f"cell {where[0]}, line {where[1]}" if where else match.group(0)
    return _LINE.sub(replace, text)


def left_out_cells(source: str) -> list[int]:
    """The cells some of whose top-level statements were left out of grading."""
    cells = sorted({int(m) for m in re.findall(re.escape(LEFT_OUT) + r" \(cell (\d+),", source)})
    return cells
