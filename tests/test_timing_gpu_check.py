"""bench/gpu_check.sh and its helper, the parts that run without grading anything.

The whole script runs end to end with ``--dry-run`` (docs/gpu.md); these tests keep its
options, its choice of mutants and its reading of the timing notes from drifting.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from grader.checks import timing


@pytest.fixture(scope="module")
def gpu_check(kit_root):
    sys.path.insert(0, str(kit_root / "bench"))
    try:
        import gpu_check
    finally:
        sys.path.remove(str(kit_root / "bench"))
    return gpu_check


def run_script(kit_root, *args):
    return subprocess.run(["bash", str(kit_root / "bench" / "gpu_check.sh"), *args], capture_output=True,
                          text=True, timeout=60)


def test_script_parses_and_explains_its_options(kit_root):
    assert subprocess.run(["bash", "-n", str(kit_root / "bench" / "gpu_check.sh")]).returncode == 0
    shown = run_script(kit_root, "--help")
    assert shown.returncode == 0 and "--prepare-wheels" in shown.stdout and "--dry-run" in shown.stdout
    wrong = run_script(kit_root, "--no-such-option")
    assert wrong.returncode == 2 and "unknown option" in wrong.stderr


def test_the_wheel_folder_is_git_ignored(kit_root):
    ignored = subprocess.run(["git", "check-ignore", "-q", "bench/wheels/nbformat.whl"], cwd=kit_root)
    assert ignored.returncode == 0


def test_mutants_chosen_are_those_a_gpu_judges(gpu_check):
    names = {m.name for m in gpu_check.gpu_mutants()}
    assert "times_gpu_without_synchronising" in names  # only a GPU can catch it
    assert {"blocked_five_times_slower", "rowwise_forgets_to_transpose"} <= names  # CPU timing failures
    assert "plot_on_a_linear_axis" not in names


def test_ratios_are_read_from_the_timing_notes(gpu_check):
    comparison = timing.SpeedComparison(timing.Samples((2.0, 2.2, 2.1)), timing.Samples((1.0, 1.0, 1.0)))
    note = f"n=4096: {comparison.describe('cuda (test)')}"
    assert [float(r) for r in gpu_check.RATIO.findall(note)] == [2.1]


def test_cuda_timing_selection_names_every_cuda_timing_test(gpu_check):
    for word in ("speed_close", "speed_ordering", "half_of_full", "agrees_with_grader", "waits_for_the_gpu"):
        assert word in gpu_check.CUDA_TIMING
    assert gpu_check.CUDA_TIMING.startswith("cuda and (")
