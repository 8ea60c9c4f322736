"""Turn a Jupyter notebook into a Python module: its code cells, in order.

IPython magics and ``!shell`` lines become ``pass`` (keeping the line count and the
indentation), cells of another language (``%%bash``, ``%%html`` ...) are dropped, and so
are cells tagged ``grader-skip`` (e.g. the cell that grades the notebook itself).
"""
from __future__ import annotations

import re

import nbformat

_FOREIGN_CELL_MAGICS = {"bash", "sh", "script", "html", "javascript", "js", "latex", "markdown",
                        "writefile", "svg", "perl", "ruby", "system"}
_MAGIC_LINE = re.compile(r"^(\s*)(%|!)")


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


def notebook_to_source(path) -> str:
    """The notebook's code cells as one module's source text."""
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises many types for broken files
        raise NotebookError(f"the notebook {path} could not be read ({type(exc).__name__}: {exc})") from None
    parts = []
    for index, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        if "grader-skip" in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        code = _clean_cell(source)
        if code is not None:
            parts.append(f"# --- notebook cell {index} ---\n{code}\n")
    return _hoist_future_imports("\n".join(parts))


def _hoist_future_imports(source: str) -> str:
    """``from __future__`` must open a module; in a notebook it may sit in any cell."""
    lines = source.splitlines()
    future = [line for line in lines if line.startswith("from __future__ import")]
    rest = [f"pass  # moved to the top: {line}" if line in future else line for line in lines]
    return "\n".join(future + rest) + "\n"
