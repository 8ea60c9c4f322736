"""Whatever is handed in, the grader finds the module or says clearly why not, and always reports."""
from __future__ import annotations

import shutil
import zipfile

import nbformat
import pytest

from grader.failure_kinds import NOT_IMPORTED

MODULE = "exercise3_data"
SUBSET = "standardize or covers or sgd_step or accumulated or get_data"


@pytest.fixture(scope="module")
def reference_source(kit_root):
    return (kit_root / "solutions" / f"{MODULE}.py").read_text()


def as_notebook(source: str, path):
    nb = nbformat.v4.new_notebook()
    head, _, body = source.partition("\nfrom __future__ import annotations\n")
    nb.cells = [nbformat.v4.new_markdown_cell("Exercise 3"),
                nbformat.v4.new_code_cell("%matplotlib inline\nfrom __future__ import annotations"),
                nbformat.v4.new_code_cell(body),
                nbformat.v4.new_code_cell("!grade exercise3 --submission this.ipynb")]
    nbformat.write(nb, str(path))
    return path


def test_py_notebook_folder_and_zip_score_the_same(grade_submission, tmp_path, reference_source):
    py = tmp_path / "py" / f"{MODULE}.py"
    py.parent.mkdir()
    py.write_text(reference_source)
    notebook = as_notebook(reference_source, tmp_path / "exercise3.ipynb")
    folder = tmp_path / "folder" / "nested"
    folder.mkdir(parents=True)
    shutil.copy(py, folder / py.name)
    archive = tmp_path / "submission.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(notebook, "work/exercise3.ipynb")
    scores = {}
    for label, path in {"py": py, "ipynb": notebook, "folder": folder.parent, "zip": archive}.items():
        report = grade_submission("exercise3", path, keyword=SUBSET)
        assert not report.errors, (label, report.errors)
        scores[label] = (report.score, report.max_score)
    assert len(set(scores.values())) == 1 and scores["py"][0] == scores["py"][1] > 0, scores


BROKEN = {
    "syntax_error": ("def standardize(data):\n    return data +\n", "SyntaxError"),
    "import_error": ("import numpy_but_misspelled\n", "ModuleNotFoundError"),
    "missing_function": ("def data_iter(*a, **k):\n    return iter([])\n", "lacks something"),
    "wrong_return_type": ("def standardize(data):\n    return [[0.0]]\n", "should return a torch.Tensor"),
    "returns_nan": ("import torch\ndef standardize(data):\n    return torch.full(torch.as_tensor(data).shape,"
                    " float('nan'), dtype=torch.float64)\n", "NaN"),
}


IMPORT_FAILURES = ("syntax_error", "import_error")


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_modules_get_a_clear_message_and_a_report(grade_submission, tmp_path, name):
    source, message = BROKEN[name]
    path = tmp_path / f"{MODULE}.py"
    path.write_text(source)
    report = grade_submission("exercise3", path, keyword="standardize")
    assert report.tests and report.score == 0
    # A module that does not import is one problem: said once, at the top of the report.
    shown = report.errors if name in IMPORT_FAILURES else [t.output for t in report.tests]
    assert any(message in text for text in shown), (report.errors, [t.output for t in report.tests])


def write_bad_zip(path):
    path.write_bytes(b"PK\x03\x04 definitely not a zip")


def write_empty_zip(path):
    zipfile.ZipFile(path, "w").close()


def write_traversal_zip(path):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../escape.py", "x = 1")


def write_broken_notebook(path):
    path.write_text("{\"cells\": [")


@pytest.mark.parametrize("maker,suffix,message", [
    (write_bad_zip, ".zip", "not a valid zip"),
    (write_empty_zip, ".zip", "found: nothing"),
    (write_traversal_zip, ".zip", "unsafe path"),
    (write_broken_notebook, ".ipynb", "could not be read"),
])
def test_unreadable_submissions_still_get_a_full_report(grade_submission, tmp_path, maker, suffix, message):
    path = tmp_path / f"submission{suffix}"
    maker(path)
    report = grade_submission("exercise3", path, keyword="standardize")
    assert any(message in e for e in report.errors), report.errors
    assert report.tests and report.score == 0
    assert all(t.output == NOT_IMPORTED for t in report.tests)
