"""No reference code in the kit every student gets: grader/ and bench/ copy no solution code.

The kit's checks recompute what each exercise asks for (a schedule's value, d2l's training
loop), so they may share an idiom with a solution (``loss.backward()``); they must not share
a stretch of it (grader.release.leaks.find_copied_code). ``grade release`` refuses to run
while they do.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.release.leaks import find_copied_code, find_leaks
from grader.release.publish import LeakError, PUBLIC_CODE, public_files, release, solution_files

KIT = Path(__file__).resolve().parent.parent
SOLUTIONS = solution_files(KIT)
PUBLIC = public_files(KIT)
SOLUTION = '''"""Exercise 9 -- a tiny exercise for the leak tests."""
import torch


def step(params, lr):
    """One SGD step."""
    # BEGIN SOLUTION
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()
    # END SOLUTION


def decay(t, rate):
    """exp(-rate t)."""
    # BEGIN SOLUTION
    return torch.exp(torch.tensor(-rate * t)).item()
    # END SOLUTION
'''


def test_the_scan_reads_the_kit():
    names = {p.relative_to(KIT).as_posix() for p in PUBLIC}
    assert len(SOLUTIONS) == 5
    assert {"grader/probes/airfoil.py", "grader/checks/exercise2_math.py", "grader/checks/exercise5_math.py",
            "grader/probes/exercise5.py", "bench/gpu_check.py", "grader/suites/test_exercise4.py"} <= names
    assert {Path(n).parts[0] for n in names} == set(PUBLIC_CODE)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".zip")]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_no_solution_code_in_grader_or_bench(solution):
    text = solution.read_text(encoding="utf-8")
    copies = []
    for path in PUBLIC:
        copied = find_copied_code(text, path.read_text(encoding="utf-8"))
        if copied:
            lines = "\n".join(f"    {solution.name}:{lineno}: {line}" for lineno, line in copied)
            copies.append(f"{path.relative_to(KIT)} copies {len(copied)} line(s) of {solution.name}:\n{lines}")
    assert not copies, "rewrite these from the maths, not from the solution:\n" + "\n".join(copies)


# -- the rule: a stretch of a region is a copy, an idiom in common is not -----------------------
def test_two_lines_in_a_row_of_a_region_are_a_copy():
    kit = "def kit_step(params, lr):\n    for p in params:\n        p -= lr * p.grad\n\n        p.grad.zero_()\n"
    assert find_copied_code(SOLUTION, kit) == [(9, "for p in params:"), (10, "p -= lr * p.grad"),
                                               (11, "p.grad.zero_()")]


def test_a_whole_one_line_region_is_a_copy():
    kit = "def kit_decay(t, rate):\n    return torch.exp(torch.tensor(-rate * t)).item()\n"
    assert find_copied_code(SOLUTION, kit) == [(18, "return torch.exp(torch.tensor(-rate * t)).item()")]


def test_idioms_in_common_are_not_a_copy():
    kit = ("def kit_step(params, lr):\n    with torch.no_grad():\n        for q in params:\n"
           "            q.sub_(q.grad * lr)\n            p.grad.zero_()\n")
    assert find_copied_code(SOLUTION, kit) == []
    assert [line for _, line in find_leaks(SOLUTION, kit)] == ["with torch.no_grad():", "p.grad.zero_()"]
    apart = "for p in params:\n    print(p)\np -= lr * p.grad\n"  # two lines of a region, not in a row
    assert find_copied_code(SOLUTION, apart) == []


# -- grade release scans the kit's public code too -----------------------------------------------
def _tiny_kit(tmp_path: Path, kit_code: str) -> Path:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "exercise9_demo.py").write_text(SOLUTION, encoding="utf-8")
    (tmp_path / "grader" / "checks").mkdir(parents=True)
    (tmp_path / "grader" / "checks" / "demo_math.py").write_text(kit_code, encoding="utf-8")
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "demo_bench.py").write_text("print('bench')\n", encoding="utf-8")
    return tmp_path


def test_release_refuses_solution_code_in_the_kit(tmp_path):
    kit = _tiny_kit(tmp_path, "def kit_step(params, lr):\n    for p in params:\n        p -= lr * p.grad\n")
    for check in (True, False):
        with pytest.raises(LeakError) as error:
            release(kit, check=check)
        assert "grader/checks/demo_math.py copies solutions/exercise9_demo.py lines 9, 10" in str(error.value)
    assert not (kit / "exercises").exists()  # nothing written


def test_release_scans_bench_too(tmp_path):
    kit = _tiny_kit(tmp_path, "x = 1\n")
    (kit / "bench" / "demo_bench.py").write_text("print(torch.exp(torch.tensor(-rate * t)).item())\n"
                                                 "return torch.exp(torch.tensor(-rate * t)).item()\n")
    with pytest.raises(LeakError, match=r"bench/demo_bench.py copies solutions/exercise9_demo.py lines 18"):
        release(kit, check=True)


def test_release_passes_a_kit_written_from_the_maths(tmp_path):
    kit = _tiny_kit(tmp_path, "import math\n\n\ndef kit_decay(t, rate):\n    return math.exp(-rate * t)\n")
    (kit / "grader" / "data.bin").write_bytes(b"\x89\xff\x00 binary")  # not text: not code
    assert {f.path.name for f in release(kit).files} == {"exercise9_demo.py", "exercise9_demo.ipynb"}
