"""Build an exercise's Jupyter notebook from its module source (nbformat).

Cells, in order:

1. markdown: the module docstring (the exercise text) and how the notebook is graded
   (its definitions only: see :mod:`grader.notebook`);
2. markdown: how to work in the notebook;
3. code, "setup": imports and the helpers students are given;
4. one code cell per function or class to write (one holding a ``# TODO: Exercise N.k``
   or a solution marker), helpers that need one of them at definition time kept after it;
5. a code cell tagged ``grader-skip`` that grades the saved notebook with ``!grade``;
   the grader drops that cell (and every ``!`` line) when it grades the notebook.

Cell ids are derived from the module name so a release is reproducible byte for byte.
"""
from __future__ import annotations

import ast
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.release.stubs import BEGIN, TODO, solution_lines

SKIP_TAG = "grader-skip"
GRADED = """> **How this notebook is graded.** The grader takes what the notebook *defines*: its imports,
> functions, classes and constants. Other top-level code (trying a function out, printing, plots,
> a training run) stays in Jupyter and is not run by the grader, so a cell that calls an
> unfinished function costs nothing. Tag a cell `grader-skip` (View > Cell Toolbar > Tags in
> Jupyter; the property inspector in JupyterLab) to leave it out entirely. Errors name the cell
> and the line within it."""
HOW_TO = """## How to work in this notebook

Fill in every cell marked `# TODO: Exercise N.k` (replace the `raise NotImplementedError` line).
Run the notebook from the top, so the setup cell's imports and helpers exist, then save it and
run the last cell: it grades this notebook with the kit's local grader, exactly as `grade` does
in a terminal. Hidden tests that compare with the reference solution run on Gradescope."""


def _defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    names = set()
    for target in getattr(node, "targets", []) + [getattr(node, "target", None)]:
        if target is not None:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def names_to_write(source: str) -> set[str]:
    """Names defined by top-level statements holding a solution marker or a TODO line."""
    marked = {lineno for lineno, _ in solution_lines(source)}
    marked |= {lineno for lineno, line in enumerate(source.splitlines(), start=1)
               if TODO.match(line) or BEGIN.match(line)}
    names: set[str] = set()
    for node in ast.parse(source).body:
        if any(node.lineno <= lineno <= node.end_lineno for lineno in marked):
            names |= _defined_names(node)
    return names


def _definition_time_nodes(node: ast.stmt) -> list[ast.AST]:
    """The parts of a statement Python evaluates when the cell runs (not when it is called)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [*node.decorator_list, *node.args.defaults, *[d for d in node.args.kw_defaults if d]]
    if isinstance(node, ast.ClassDef):
        parts = [*node.decorator_list, *node.bases, *node.keywords]
        for statement in node.body:
            parts += _definition_time_nodes(statement)
        return parts
    return [node]


def _used_at_definition(node: ast.stmt) -> set[str]:
    return {n.id for part in _definition_time_nodes(node) for n in ast.walk(part) if isinstance(n, ast.Name)}


def _segments(source: str) -> tuple[str, list[tuple[ast.stmt, str]]]:
    """The module docstring and each top-level statement with the comments above it."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = list(tree.body)
    docstring = ast.get_docstring(tree, clean=True) or ""
    start = 0
    if docstring and body:
        start = body[0].end_lineno
        body = body[1:]
    segments = []
    for node in body:
        # From the end of the previous statement: comments and decorators above come along.
        segments.append((node, "\n".join(lines[start:node.end_lineno]).strip("\n")))
        start = node.end_lineno
    return docstring, segments


def _join_statements(segments: list[tuple[ast.stmt, str]]) -> str:
    """PEP 8 spacing: two blank lines around definitions, none between imports."""
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    text, previous = "", None
    for node, segment in segments:
        if previous is not None:
            text += "\n\n\n" if isinstance(node, definitions) or isinstance(previous, definitions) else "\n"
        text += segment.strip("\n") if previous is not None else segment
        previous = node
    return text


def _cell_id(module: str, index: int) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{module}-{index}")[:64]


def _docstring_markdown(docstring: str) -> str:
    """The first cell: the exercise text, then how the notebook is graded."""
    lines = docstring.splitlines() or [""]
    return "\n".join([f"# {lines[0].rstrip('.')}", *lines[1:]]).strip() + "\n\n" + GRADED


def grading_cell_source(exercise_id: str, module: str) -> str:
    return ("# Save the notebook first (File > Save): the grader reads the file on disk.\n"
            f"!grade {exercise_id} --submission {module}.ipynb")


def build_notebook(source: str, exercise_id: str, module: str,
                   to_write: set[str] | None = None) -> nbformat.NotebookNode:
    """The notebook for one exercise module's source text (a stub, or a solution in tests).

    Args:
        source: the module's text.
        exercise_id: e.g. ``"exercise3"``, for the grading cell.
        module: e.g. ``"exercise3_data"``; the notebook is ``<module>.ipynb``.
        to_write: names of the functions and classes to write (default: those holding a
            ``# TODO: Exercise`` line or a solution marker in ``source``).
    """
    docstring, segments = _segments(source)
    todo_names = names_to_write(source) if to_write is None else set(to_write)
    in_body = set(todo_names)  # names defined in the cells after the setup cell
    setup, body = [], []
    for node, text in segments:
        if _defined_names(node) & todo_names:
            body.append(text)
        elif _used_at_definition(node) & in_body:
            body.append(text)  # e.g. a subclass of a class to write: it must come after it
            in_body |= _defined_names(node)
        else:
            setup.append((node, text))
    cells = [new_markdown_cell(_docstring_markdown(docstring)), new_markdown_cell(HOW_TO)]
    if setup:
        cells.append(new_code_cell("# Setup: imports and helpers you are given (run this first).\n"
                                   + _join_statements(setup)))
    cells += [new_code_cell(text) for text in body]
    cells.append(new_markdown_cell("## Grade your notebook"))
    grading = new_code_cell(grading_cell_source(exercise_id, module))
    grading.metadata["tags"] = [SKIP_TAG]
    cells.append(grading)
    for index, cell in enumerate(cells):
        cell["id"] = _cell_id(module, index)
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return notebook


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """The file content for a notebook (stable: sorted keys, one trailing newline)."""
    return nbformat.writes(notebook).rstrip("\n") + "\n"


def code_and_markdown(notebook: nbformat.NotebookNode) -> str:
    """Every cell's source, joined: what a reader of the notebook can see."""
    return "\n".join(cell.source for cell in notebook.cells)
