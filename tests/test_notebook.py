"""Notebooks become modules: code cells in order, magics and shell lines dropped."""
from __future__ import annotations

import nbformat
import pytest

from grader.notebook import NotebookError, notebook_to_source


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
