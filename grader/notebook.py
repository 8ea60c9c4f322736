"""Turn a Jupyter notebook into a Python module: the definitions of its code cells, in order.

What is graded is what the notebook *defines*: imports, functions, classes and the
constants they use. Other top-level statements (trying a function out, printing, plotting,
a training run) are left out of the module, so an exploratory cell that calls an unfinished
function costs nothing; so is an assignment or ``if``/``try`` block that calls a function or
class the notebook defines, or uses a name such a statement made. Each left-out statement
becomes a comment naming its cell, so line numbers stay those of the cells.

IPython magics and ``!shell`` lines become ``pass`` (keeping the line count and the
indentation), cells of another language (``%%bash``, ``%%html`` ...) are dropped, and so
are cells tagged ``grader-skip`` (e.g. the cell that grades the notebook itself).
"""
from __future__ import annotations

import ast
import re

import nbformat

from grader.notebook_lines import CELL_MARKER, HEADER, LEFT_OUT

SKIP_TAG = "grader-skip"
_FOREIGN_CELL_MAGICS = {"bash", "sh", "script", "html", "javascript", "js", "latex", "markdown",
                        "writefile", "svg", "perl", "ruby", "system"}
_MAGIC_LINE = re.compile(r"^(\s*)(%|!)")
_CALLABLES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DEFINITIONS = (ast.Import, ast.ImportFrom, *_CALLABLES)
_SETUP = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.If, ast.Try, ast.Pass, ast.Global)


class NotebookError(ValueError):
    """The notebook cannot be read."""


def _clean_cell(source: str) -> str | None:
    lines = source.splitlines()
    if lines and lines[0].startswith("%%"):
        magic = lines[0][2:].split()[0] if lines[0][2:].split() else ""
        if magic in _FOREIGN_CELL_MAGICS:
            return None
    cleaned = []
    for line in lines:
        match = _MAGIC_LINE.match(line)
        cleaned.append(f"{match.group(1)}pass  # notebook magic dropped" if match else line)
    return "\n".join(cleaned)


def _code_cells(notebook) -> list[tuple[int, str]]:
    """(cell number counting every cell from 1, cleaned source) of the cells that are graded."""
    cells = []
    for index, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code" or SKIP_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        code = _clean_cell("".join(source) if isinstance(source, list) else source)
        if code is not None:
            cells.append((index, code))
    return cells


def _defined_callables(cells) -> set[str]:
    """Functions and classes the notebook defines at top level (the student's code)."""
    names = set()
    for _, code in cells:
        try:
            names |= {n.name for n in ast.parse(code).body if isinstance(n, _CALLABLES)}
        except SyntaxError:
            pass
    return names


def _assigned(node: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _is_graded(node: ast.stmt, callables: set[str], left_out: set[str]) -> bool:
    if isinstance(node, _DEFINITIONS):
        return True
    if not isinstance(node, _SETUP):
        return False  # expressions, loops, with blocks...: trying things out
    called = {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return not (called & callables) and not (read & left_out)


def _graded_part(cell: int, code: str, callables: set[str], left_out: set[str]) -> str:
    """The cell with its top-level statements that are not graded turned into comments."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code  # kept as written: the import reports the error, at its cell and line
    lines = code.splitlines()
    drop: set[int] = set()
    keep: set[int] = set()
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        span = set(range(first, node.end_lineno + 1))
        if _is_graded(node, callables, left_out):
            keep |= span
        else:
            drop |= span
            left_out |= _assigned(node)
    for number in sorted(drop - keep):  # a line shared with a graded statement stays
        lines[number - 1] = f"{LEFT_OUT} (cell {cell}, line {number})"
    return "\n".join(lines)


def notebook_to_source(path) -> str:
    """The notebook's graded code cells as one module's source text."""
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises many types for broken files
        raise NotebookError(f"the notebook {path} could not be read ({type(exc).__name__}: {exc})") from None
    cells = _code_cells(notebook)
    callables, left_out = _defined_callables(cells), set()
    parts = [f"{CELL_MARKER}{cell} ---\n{_graded_part(cell, code, callables, left_out)}\n" for cell, code in cells]
    return _hoist_future_imports(HEADER + "\n" + "\n".join(parts))


def _hoist_future_imports(source: str) -> str:
    """``from __future__`` must open a module; in a notebook it may sit in any cell."""
    lines = source.splitlines()
    future = [line for line in lines if line.startswith("from __future__ import")]
    rest = [f"pass  # moved to the top: {line}" if line in future else line for line in lines]
    return "\n".join(future + rest) + "\n"
