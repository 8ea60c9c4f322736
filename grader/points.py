"""How many points a suite is worth, read from its markers by collecting it.

One breakdown feeds ``grade list``, ``grade EXERCISE --list``, the report and the README:
``total`` is every test; ``gpu`` the tests that need a CUDA device (marker ``gpu``), worth
nothing on a machine without one; ``hidden`` the tests that compare with the reference
solution, run where ``solutions/`` is (Gradescope), reported as "runs on Gradescope" in a
student's copy; ``public`` the rest, which run anywhere.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from grader.exercises import Exercise


class _PointsCollector:
    def __init__(self):
        self.items = []

    def pytest_collection_finish(self, session):
        self.items = list(session.items)


class SuiteNotCollected(RuntimeError):
    """The grading suite could not be collected (a grader problem, not the student's)."""


def collect_items(exercise: Exercise) -> list:
    """The suite's tests, collected without running them.

    Raises:
        SuiteNotCollected: when collection fails (an import error in the suite, say).
    """
    collector = _PointsCollector()
    code = pytest.main([str(exercise.suite), "--collect-only", "-p", "no:terminal", "-p", "no:cacheprovider",
                        "-c", os.devnull, "--rootdir", str(exercise.suite.parent), "-o", "addopts="],
                       plugins=[collector])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise SuiteNotCollected(f"the grading suite {exercise.suite.name} could not be collected (pytest exit "
                                f"{int(code)}; `pytest --collect-only {exercise.suite}` shows why)")
    return collector.items


def item_points(item) -> float:
    marker = item.get_closest_marker("points")
    return float(marker.args[0]) if marker else 1.0


@dataclass(frozen=True)
class SuiteTest:
    """One grading test as listed: its id (what ``-k`` matches), title and points."""

    __test__ = False  # not a pytest test class

    test_id: str
    title: str
    points: float
    hidden: bool
    gpu: bool


def suite_tests(exercise: Exercise) -> list[SuiteTest]:
    from grader.pytest_reports import test_title
    return [SuiteTest(item.name, test_title(item), item_points(item),
                      item.get_closest_marker("hidden") is not None, item.get_closest_marker("gpu") is not None)
            for item in collect_items(exercise)]


@dataclass(frozen=True)
class Points:
    total: float
    gpu: float
    hidden: float  # of the tests that run without a GPU
    public: float  # of the tests that run without a GPU

    @property
    def without_gpu(self) -> float:
        return self.public + self.hidden

    def describe(self) -> str:
        """'83 points: 54 without a GPU (44 public + 10 hidden) and 29 on CUDA'."""
        text = f"{self.total:g} points"
        parts = [f"{self.public:g} public"] + ([f"{self.hidden:g} hidden"] if self.hidden else [])
        if self.gpu:
            return f"{text}: {self.without_gpu:g} without a GPU ({' + '.join(parts)}) and {self.gpu:g} on CUDA"
        return f"{text} ({' + '.join(parts)})" if self.hidden else text


def points_of(tests: list[SuiteTest]) -> Points:
    gpu = sum(t.points for t in tests if t.gpu)
    hidden = sum(t.points for t in tests if t.hidden and not t.gpu)
    public = sum(t.points for t in tests if not t.hidden and not t.gpu)
    return Points(round(gpu + hidden + public, 6), round(gpu, 6), round(hidden, 6), round(public, 6))


def suite_points(exercise: Exercise) -> float:
    return points_of(suite_tests(exercise)).total
