"""The one result model every report format is written from.

A grading run produces a :class:`GradeReport` holding one :class:`TestResult` per
grading test. Serializers (terminal, JSON, Gradescope) only read these objects.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from grader.dependencies import not_written_in

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
    checks: str = ""  # the student function the test checks, e.g. "mean" (see grader/dependencies.py)
    depends_on: tuple[str, ...] = ()  # student functions it uses besides that one
    student_output: str = ""  # what the submission printed during the test (bounded; shown as theirs)

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
    import_output: str = ""  # what the submission printed while being imported (bounded)

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests if t.counted), 6)

    @property
    def not_run(self) -> list[TestResult]:
        return [t for t in self.tests if t.status == NOT_RUN]

    # -- root cause first ---------------------------------------------------------------
    def failing_functions(self) -> set[str]:
        """Student functions some test that checks them failed."""
        return {t.checks for t in self.tests if t.checks and t.status == FAILED}

    def failing_dependencies(self, test: TestResult) -> list[str]:
        """What a failed test depends on that fails its own tests (so it may be the cause)."""
        if test.status != FAILED:
            return []
        failing = [name for name in test.depends_on if name in self.failing_functions()]
        unwritten = not_written_in(test.output)
        if unwritten is not None:  # the function that is not written yet is the cause, if it is one of them
            return [unwritten] if unwritten in failing else []
        return failing

    def feedback(self, test: TestResult) -> str:
        """A test's output, opening with the failing functions it depends on."""
        causes = self.failing_dependencies(test)
        if not causes:
            return test.output
        names = ", ".join(causes)
        return f"depends on {names}, which {'fail' if len(causes) > 1 else 'fails'}: fix that first\n{test.output}"

    def ordered_tests(self) -> list[TestResult]:
        """The tests in suite order, except that a failure depending on a failing function comes after."""
        dependent = [t for t in self.tests if self.failing_dependencies(t)]
        return [t for t in self.tests if t not in dependent] + dependent

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
                    "output": self.feedback(t),
                    "depends_on_failing": self.failing_dependencies(t),
                    "student_output": t.student_output,
                }
                for t in self.ordered_tests()
            ],
            "device": self.device,
            "execution_time": round(self.execution_time, 3),
            "errors": list(self.errors),
            "import_output": self.import_output,
            "notes": list(self.notes),
            "leaderboard": [dataclasses.asdict(e) for e in self.leaderboard],
            "artifacts": list(self.artifacts),
        }
