"""The one result model every report format is written from.

A grading run produces a :class:`GradeReport` holding one :class:`TestResult` per
grading test. Serializers (terminal, JSON, Gradescope) only read these objects.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

# Statuses a test can end in.
PASSED = "passed"
FAILED = "failed"
NOT_RUN = "not_run"  # a hidden test whose reference is not present (runs on Gradescope)
SKIPPED = "skipped"  # e.g. a GPU test on a machine without a GPU; worth no points here

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass
class LeaderboardEntry:
    """One Gradescope leaderboard value (``order`` is "asc" or "desc")."""

    name: str
    value: float
    order: str = "desc"


@dataclass
class TestResult:
    """The outcome of one grading test."""

    __test__ = False  # not a pytest test class

    name: str
    max_score: float
    test_id: str = ""  # the suite's test function, e.g. "test_sgd_step[0.1]"
    score: float = 0.0
    status: str = FAILED
    output: str = ""
    visibility: str = "visible"
    needs_reference: bool = False
    duration_s: float = 0.0
    extras: dict = field(default_factory=dict)

    @property
    def counted(self) -> bool:
        """Whether the test's points count towards this run's maximum."""
        return self.status in (PASSED, FAILED)


@dataclass
class GradeReport:
    """Everything one grading run found, for one exercise."""

    exercise: str
    title: str = ""
    tests: list[TestResult] = field(default_factory=list)
    device: str = "cpu"
    execution_time: float = 0.0
    errors: list[str] = field(default_factory=list)  # grading-level problems, shown first
    notes: list[str] = field(default_factory=list)  # e.g. how the sandbox ran
    leaderboard: list[LeaderboardEntry] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)  # plots and other feedback files

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests if t.counted), 6)

    @property
    def not_run(self) -> list[TestResult]:
        return [t for t in self.tests if t.status == NOT_RUN]

    def to_dict(self) -> dict:
        return {
            "exercise": self.exercise,
            "title": self.title,
            "score": self.score,
            "max_score": self.max_score,
            "tests": [
                {
                    "name": t.name,
                    "test_id": t.test_id,
                    "score": t.score,
                    "max_score": t.max_score,
                    "status": t.status,
                    "visibility": t.visibility,
                    "output": t.output,
                }
                for t in self.tests
            ],
            "device": self.device,
            "execution_time": round(self.execution_time, 3),
            "errors": list(self.errors),
            "notes": list(self.notes),
            "leaderboard": [dataclasses.asdict(e) for e in self.leaderboard],
            "artifacts": list(self.artifacts),
        }
