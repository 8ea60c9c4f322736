"""`grade release`: exercises/ is generated from solutions/, leaks nothing, and says where markers break."""
from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from grader.cli import main as grade_main
from grader.notebook import notebook_to_source
from grader.release.leaks import find_leaks
from grader.release.notebooks import SKIP_TAG, build_notebook, names_to_write, notebook_text
from grader.release.publish import DIFFERS, UNCHANGED, release, released_for, solution_files
from grader.release.stubs import MarkerError, strip_solutions

KIT = Path(__file__).resolve().parent.parent
SOLUTIONS = solution_files(KIT)
SECRET_SOLUTION = '''"""Exercise 9 -- a tiny exercise for the release tests."""
import math


def area(radius: float) -> float:
    """The area of a circle."""
    # BEGIN SOLUTION
    # secret comment: use the square of the radius
    """a secret docstring-like string"""
    squared = radius ** 2
    return math.pi * squared
    # END SOLUTION


def circumference(radius: float) -> float:
    """The circumference."""
    factor = 2  # SOLUTION
    return factor * math.pi * radius


class Circle:
    """A circle to write."""

    def __init__(self, radius):
        self.radius = radius

    def diameter(self):
        # BEGIN SOLUTION
        return 2 * self.radius
        # END SOLUTION


class Ring(Circle):
    """Needs Circle when its cell runs."""


class Donut(Ring):
    """Needs Ring when its cell runs."""
'''


def test_solutions_are_present():
    assert any(p.name == "exercise3_data.py" for p in SOLUTIONS)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_committed_exercises_equal_the_release(solution):
    for released in released_for(solution, KIT):
        assert released.path.exists(), f"{released.path.relative_to(KIT)} is missing: run `grade release`"
        assert released.path.read_text(encoding="utf-8") == released.text, \
            f"{released.path.relative_to(KIT)} differs from {solution.name}: run `grade release`"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_no_solution_text_leaks_into_released_files(solution):
    text = solution.read_text(encoding="utf-8")
    for released in released_for(solution, KIT):
        shown = released.text
        if released.path.suffix == ".ipynb":
            shown = "\n".join(cell.source for cell in nbformat.reads(released.text, as_version=4).cells)
        assert find_leaks(text, shown) == [], released.path.name
        assert "BEGIN SOLUTION" not in shown and "END SOLUTION" not in shown


def test_stub_drops_comments_and_docstrings_inside_regions():
    stub = strip_solutions(SECRET_SOLUTION, 9, "exercise9_demo.py")
    assert "secret" not in stub and "squared" not in stub
    assert '"""The area of a circle."""' in stub  # docstrings outside regions stay
    assert '# TODO: Exercise 9.1\n    raise NotImplementedError("Exercise 9.1")' in stub
    assert "    factor = ...\n" in stub
    assert '# TODO: Exercise 9.2\n        raise NotImplementedError("Exercise 9.2")' in stub
    assert find_leaks(SECRET_SOLUTION, stub) == []


def test_leak_finder_sees_region_comments_and_docstrings():
    leaked = SECRET_SOLUTION.replace("    # BEGIN SOLUTION\n", "", 1).replace("    # END SOLUTION\n", "", 1)
    found = [line for _, line in find_leaks(SECRET_SOLUTION, leaked)]
    assert "# secret comment: use the square of the radius" in found
    assert '"""a secret docstring-like string"""' in found
    assert "factor = 2 # SOLUTION" in found


@pytest.mark.parametrize("text, line, words", [
    ("x = 1\n# BEGIN SOLUTION\ny = 2\n", 2, "never closed"),
    ("# BEGIN SOLUTION\nx = 1\n    # BEGIN SOLUTION\n# END SOLUTION\n", 3, "cannot nest"),
    ("x = 1\n\n# END SOLUTION\n", 3, "without a BEGIN"),
    ("def f():\n    # BEGIN SOLUTIONS\n    return 1\n", 2, "malformed solution marker"),
    ("def f():\n    #END  solution here\n", 2, "malformed solution marker"),
])
def test_malformed_markers_name_file_and_line(text, line, words):
    with pytest.raises(MarkerError) as error:
        strip_solutions(text, 9, "solutions/exercise9_demo.py")
    assert f"solutions/exercise9_demo.py:{line}:" in str(error.value)
    assert words in str(error.value)


def test_region_splitting_a_statement_is_reported():
    text = "def f(x):\n    return (x +\n    # BEGIN SOLUTION\n    1)\n    # END SOLUTION\n"
    with pytest.raises(MarkerError, match=r"exercise9_demo.py: the stub does not compile"):
        strip_solutions(text, 9, "exercise9_demo.py")


def _tiny_kit(tmp_path: Path, solution_text: str) -> Path:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "exercise9_demo.py").write_text(solution_text, encoding="utf-8")
    return tmp_path


def test_release_writes_then_check_passes_then_detects_drift(tmp_path):
    kit = _tiny_kit(tmp_path, SECRET_SOLUTION)
    assert {f.status for f in release(kit, check=True).files} == {DIFFERS}
    written = release(kit)
    assert sorted(f.path.relative_to(kit).as_posix() for f in written.files) == [
        "exercises/exercise9_demo.py", "exercises/notebooks/exercise9_demo.ipynb"]
    assert {f.status for f in release(kit, check=True).files} == {UNCHANGED}
    stub = kit / "exercises" / "exercise9_demo.py"
    stub.write_text(stub.read_text() + "# edited by hand\n")
    assert [f.path for f in release(kit, check=True).out_of_date] == [stub]


def test_release_command_reports_malformed_markers(tmp_path, monkeypatch, capsys):
    kit = _tiny_kit(tmp_path, "def f():\n    # BEGIN SOLUTION\n    return 1\n")
    monkeypatch.setattr("grader.release.cli.KIT_ROOT", kit)
    assert grade_main(["release", "--check"]) == 1
    assert "exercise9_demo.py:2: BEGIN SOLUTION is never closed" in " ".join(capsys.readouterr().err.split())
    assert not (kit / "exercises").exists()


def test_release_check_command_passes_on_the_kit(capsys):
    assert grade_main(["release", "--check"]) == 0, capsys.readouterr()


def test_notebook_layout():
    stub = strip_solutions(SECRET_SOLUTION, 9, "exercise9_demo.py")
    notebook = build_notebook(stub, "exercise9", "exercise9_demo", to_write=names_to_write(SECRET_SOLUTION))
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[:2] == ["markdown", "markdown"] and kinds[-2:] == ["markdown", "code"]
    assert notebook.cells[0].source.startswith("# Exercise 9 -- a tiny exercise")
    assert "How this notebook is graded" in notebook.cells[0].source  # its definitions only
    assert "grader-skip" in notebook.cells[0].source
    setup, *todo = [c.source for c in notebook.cells[2:-2]]
    assert "import math" in setup and "def area" not in setup
    assert [cell.split("\n")[0] for cell in todo] == [
        "def area(radius: float) -> float:", "def circumference(radius: float) -> float:",
        "class Circle:", "class Ring(Circle):", "class Donut(Ring):"]  # each needs the one before
    last = notebook.cells[-1]
    assert SKIP_TAG in last.metadata["tags"]
    assert "!grade exercise9 --submission exercise9_demo.ipynb" in last.source
    assert json.loads(notebook_text(notebook))["nbformat"] == 4


def test_released_notebook_is_the_stub_module(tmp_path):
    """Graded as a notebook, the released notebook is the stub module (the grading cell dropped)."""
    released = KIT / "exercises" / "notebooks" / "exercise3_data.ipynb"
    source = notebook_to_source(released)
    namespace: dict = {}
    exec(compile(source, "exercise3_data.ipynb", "exec"), namespace)  # noqa: S102 -- our own stub
    with pytest.raises(NotImplementedError, match="Exercise 3.1"):
        namespace["standardize"]([[1.0], [2.0]])
    assert "!grade" not in source and "pass  # notebook magic dropped" not in source


def test_notebook_of_the_solution_grades_like_the_solution(grade_submission, tmp_path):
    solution = KIT / "solutions" / "exercise3_data.py"
    notebook = build_notebook(solution.read_text(encoding="utf-8"), "exercise3", "exercise3_data")
    solved = tmp_path / "exercise3_data.ipynb"
    solved.write_text(notebook_text(notebook), encoding="utf-8")
    report = grade_submission("exercise3", solved, keyword="zero_mean")
    assert report.tests and report.score == report.max_score, [(t.name, t.output) for t in report.tests]
    stub = grade_submission("exercise3", KIT / "exercises" / "notebooks" / "exercise3_data.ipynb",
                            keyword="zero_mean")
    assert stub.score == 0 and len(stub.tests) == len(report.tests)


def test_release_leaves_other_files_alone(tmp_path):
    kit = _tiny_kit(tmp_path, SECRET_SOLUTION)
    shutil.copy(KIT / "solutions" / "exercise3_data.py", kit / "solutions")
    (kit / "exercises").mkdir()
    keep = kit / "exercises" / "README.md"
    keep.write_text("notes")
    release(kit)
    assert keep.read_text() == "notes"
    assert (kit / "exercises" / "exercise3_data.py").read_text() == (KIT / "exercises" / "exercise3_data.py").read_text()


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solved_notebook_is_the_solution_module(solution, tmp_path):
    """Filled in, every exercise's notebook grades as a module defining what the solution defines."""
    text = solution.read_text(encoding="utf-8")
    path = tmp_path / f"{solution.stem}.ipynb"
    path.write_text(notebook_text(build_notebook(text, solution.stem.split("_")[0], solution.stem)))
    source = notebook_to_source(path)
    compile(source, path.name, "exec")
    assert _top_level_definitions(source) == _top_level_definitions(text)


def _top_level_definitions(code: str) -> set[str]:
    return {node.name for node in ast.parse(code).body if hasattr(node, "name")}
