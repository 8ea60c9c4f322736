"""The exercises the kit knows: ids, titles, module names and their grading suites."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SUITES_DIR = Path(__file__).resolve().parent / "suites"
KIT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Exercise:
    """One exercise: the module students write and the pytest file that grades it."""

    id: str
    title: str
    module: str  # the student's module name, e.g. "exercise3_data"
    datasets: tuple[str, ...] = ()

    @property
    def suite(self) -> Path:
        return SUITES_DIR / f"test_{self.id}.py"

    @property
    def number(self) -> int:
        return int(self.id.removeprefix("exercise"))


_ALL = [
    Exercise("exercise1", "Autograd ops on a Matrix class", "exercise1_autograd"),
    Exercise("exercise2", "Optimizers, learning-rate schedules and noisy SGD", "exercise2_optimizers",
             ("airfoil",)),
    Exercise("exercise3", "Data iterators and minibatch SGD", "exercise3_data", ("airfoil",)),
    Exercise("exercise4", "Matrix-multiplication strategies and GFLOPS", "exercise4_matmul"),
    Exercise("exercise5", "LARS and large-batch training", "exercise5_lars", ("mnist10k",)),
]


class UnknownExercise(KeyError):
    pass


def available() -> list[Exercise]:
    """Exercises whose grading suite is present, in order."""
    return [e for e in _ALL if e.suite.exists()]


def get(exercise_id: str) -> Exercise:
    for exercise in available():
        if exercise.id == exercise_id:
            return exercise
    known = ", ".join(e.id for e in available()) or "none"
    raise UnknownExercise(f"unknown exercise {exercise_id!r} (known: {known})")
