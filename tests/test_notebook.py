"""Notebooks become modules: code cells in order, magics and shell lines dropped."""
from __future__ import annotations

import nbformat
import pytest

from grader.notebook import NotebookError, notebook_to_source
from grader.notebook_lines import left_out_cells, notebook_lines


def write_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nbformat.write(nb, str(path))
    return path


def test_code_cells_in_order_with_magics_and_shell_lines_dropped(tmp_path):
    path = write_notebook(tmp_path / "nb.ipynb", [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport math\n!pip install something"),
        nbformat.v4.new_code_cell("%%bash\necho hi"),
        nbformat.v4.new_code_cell("def f(x):\n    if x:\n        %time g()\n    return math.sqrt(x)"),
        nbformat.v4.new_code_cell("!grade exercise3", metadata={"tags": ["grader-skip"]}),
        nbformat.v4.new_code_cell("GRADE_ME = True", metadata={"tags": ["grader-skip"]}),
    ])
    source = notebook_to_source(path)
    namespace = {}
    exec(compile(source, "nb", "exec"), namespace)
    assert namespace["f"](4) == 2.0
    assert "echo hi" not in source and "pip install" not in source and "GRADE_ME" not in source


@pytest.mark.parametrize("content", ["{not json", '{"cells": 3}', ""])
def test_a_malformed_notebook_gives_a_clear_error(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    with pytest.raises(NotebookError, match="could not be read"):
        notebook_to_source(path)


def test_only_definitions_imports_and_constants_are_graded(tmp_path):
    path = write_notebook(tmp_path / "nb.ipynb", [
        nbformat.v4.new_code_cell("import math\nSCALE = 2.0\n\ndef f(x):\n    return SCALE * math.sqrt(x)"),
        nbformat.v4.new_code_cell("def unfinished():\n    raise NotImplementedError('Exercise 1.2')"),
        nbformat.v4.new_code_cell("value = unfinished()\nprint(value)\nalso = value + 1\nfor i in range(3):\n"
                                  "    f(i)\nLIMIT = 10"),
    ])
    source = notebook_to_source(path)
    namespace = {}
    exec(compile(source, "nb", "exec"), namespace)  # the exploratory cell no longer raises
    assert namespace["f"](4) == 4.0 and namespace["LIMIT"] == 10
    assert "value" not in namespace and "also" not in namespace
    assert left_out_cells(source) == [3]


def test_a_module_line_is_given_as_its_cell_and_line(tmp_path):
    path = write_notebook(tmp_path / "nb.ipynb", [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("import math"),
        nbformat.v4.new_code_cell("def f(x):\n    y = x\n    return 1 / 0"),
    ])
    source = notebook_to_source(path)
    line = source.splitlines().index("    return 1 / 0") + 1
    message = f"f raised ZeroDivisionError\n  exercise1_autograd.py, line {line}, in f\n    return 1 / 0"
    assert "cell 3, line 3, in f" in notebook_lines(message, source)
    assert notebook_lines(message, "x = 1\n") == message  # a plain module keeps its lines


def test_a_notebook_with_an_exploratory_cell_earns_its_finished_functions_points(grade_submission, kit_root,
                                                                               tmp_path):
    from grader.release.notebooks import build_notebook
    source = (kit_root / "solutions" / "exercise1_autograd.py").read_text()
    notebook = build_notebook(source, "exercise1", "exercise1_autograd")
    notebook.cells.insert(-2, nbformat.v4.new_code_cell(  # trying things out, as a student does
        "x = Matrix([[1.0, -2.0]])\nprint(x.mean(), unwritten_yet(x))\nloss = mse(x, 0.0)\nloss.backward()"))
    notebook.cells.insert(-2, nbformat.v4.new_code_cell(
        "def unwritten_yet(x):\n    raise NotImplementedError('not yet')\n\nunwritten_yet(1)"))
    path = tmp_path / "exercise1_autograd.ipynb"
    nbformat.write(notebook, str(path))
    report = grade_submission("exercise1", path, keyword="mean")
    assert not report.errors, report.errors
    assert report.score == report.max_score > 0, [t.output for t in report.tests if t.status == "failed"]
    assert any("cell" in note and "not graded" in note.lower() for note in report.notes), report.notes


def test_an_error_in_a_cell_names_the_cell(grade_submission, kit_root, tmp_path):
    from grader.release.notebooks import build_notebook
    source = (kit_root / "solutions" / "exercise1_autograd.py").read_text()
    broken = source.replace("        result = Matrix(self.data.mean(), children=(self,))\n",
                            "        result = Matrix(self.data.mean(), children=(self,))\n        1 / 0\n")
    notebook = build_notebook(broken, "exercise1", "exercise1_autograd")
    path = tmp_path / "exercise1_autograd.ipynb"
    nbformat.write(notebook, str(path))
    cell, line = next((number, lines.index("        1 / 0") + 1) for number, cell in
                      enumerate(notebook.cells, start=1) if "1 / 0" in cell.source
                      for lines in [cell.source.splitlines()])
    report = grade_submission("exercise1", path, keyword="forward_matches_torch and mean")
    outputs = "\n".join(t.output for t in report.tests)
    assert f"cell {cell}, line {line}" in outputs, outputs


def test_jupyterlab_is_an_optional_extra(kit_root):
    import tomllib
    project = tomllib.loads((kit_root / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("jupyterlab") for d in project["optional-dependencies"]["notebook"])
    assert not any("jupyter" in d for d in project["dependencies"])  # the plain install stays small
