"""Opening a grading run: the one way in for ``grade``, ``grade batch``, Gradescope and pytest.

Every route gets the same steps in the same order: the exercise looked up, the submission
resolved (a notebook or zip unpacked into a temporary folder), the datasets found (or
downloaded) once on the trusted side, and a :class:`~grader.session.GradingSession` made.
Closing the run stops the workers and removes the temporary folders, whoever opened it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader import exercises
from grader.data import datasets
from grader.notebook_lines import notebook_lines
from grader.policy import Policy, exercise_findings, refusal_message
from grader.sandbox.limits import Limits
from grader.session import GradingSession
from grader.submission import ResolvedSubmission, resolve


@dataclass
class GradingRun:
    """A session and what must be cleaned up after it."""

    session: GradingSession
    resolved: ResolvedSubmission

    def close(self) -> None:
        try:
            self.session.close()
        finally:
            self.resolved.cleanup()


def find_datasets(exercise: exercises.Exercise, errors: list[str]) -> str | None:
    """The folders holding the exercise's datasets, joined for ``$GRADER_DATA_DIR``.

    Looked up (and downloaded if need be) here, before any student code runs, so that a
    missing file is one error at the top of the report rather than a failure per test.
    """
    folders: list[str] = []
    for name in exercise.datasets:
        try:
            folder = str(datasets.ensure(name).parent)
        except datasets.DatasetError as exc:
            errors.append(f"Dataset {name!r} is missing, so its tests cannot pass: {exc}")
            continue
        if folder not in folders:
            folders.append(folder)
    return os.pathsep.join(folders) or None


def open_run(exercise_id: str, submission=None, *, solutions_dir=None, feedback_dir=None,
             sandbox: str = "auto", limits: Limits = Limits(), progress=None,
             policy: Policy | bool | None = None) -> GradingRun:
    """Open a grading run of one exercise; problems with the submission go into its report.

    ``policy``: the submission policy (:mod:`grader.policy`) read from the environment when
    None; False grades without it (the kit's own tests of the sandbox do, to prove the
    defences behind it). A refused submission never runs: its refusal is its load error.

    Raises:
        KeyError: unknown exercise. MissingSubmission: the submission path does not exist.
    """
    exercise = exercises.get(exercise_id)
    resolved = resolve(submission, exercise)
    if resolved.module_path is not None and not resolved.error:
        resolved.error = _policy_refusal(resolved.module_path, exercise, policy)
    try:
        errors: list[str] = []
        data_dir = find_datasets(exercise, errors)
        session = GradingSession(exercise, resolved.module_path, resolved.error,
                                 solutions_dir=Path(solutions_dir) if solutions_dir else None,
                                 feedback_dir=feedback_dir, sandbox=sandbox, limits=limits,
                                 data_dir=data_dir, progress=progress)
    except BaseException:
        resolved.cleanup()
        raise
    session.report.errors.extend(errors)
    if resolved.error:
        session.report.errors.append(resolved.error)
    elif resolved.module_path is not None:
        session.source_findings = _source_findings(resolved.module_path, exercise)
    return GradingRun(session, resolved)


def _source_findings(module_path: Path, exercise: exercises.Exercise) -> dict:
    """The exercise's own rules broken by the submission (read here, from its source), by function.

    Grading evidence, not a refusal: they apply with the policy's scan off too (a course can
    still allow a rule by name); each costs only the tests of its function.
    """
    source = module_path.read_text(encoding="utf-8", errors="replace")
    found: dict[str, list] = {}
    for finding in exercise_findings(source, exercise.id, Policy(allow=Policy.from_env().allow)):
        found.setdefault(finding.function, []).append(finding)
    return found


def _policy_refusal(module_path: Path, exercise: exercises.Exercise, policy) -> str:
    """The policy's refusal of the submission, its lines given as notebook cells where it was one."""
    if policy is None or policy is True:
        policy = Policy.from_env()
    elif policy is False:
        policy = Policy(enabled=False)
    message = refusal_message(module_path, exercise.id, policy)
    if message:
        source = module_path.read_text(encoding="utf-8", errors="replace")
        message = notebook_lines(message, source)
    return message
