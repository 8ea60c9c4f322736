"""What ``run_autograder`` runs on Gradescope: grade the submission, always write results.json.

The tree (``GRADER_AUTOGRADER_ROOT``, default ``/autograder``), as Gradescope lays it out::

    source/                    the unzipped autograder: the kit, solutions/, assignment.json
    submission/                the student's files (.py, .ipynb, or both)
    submission_metadata.json   who submitted, when
    results/results.json       written here, and only here, by this module

results.json is built in memory from the grading reports and written once, at the end;
a results.json found there (or among the student's files) is discarded, stdout is never
parsed. On any failure -- a missing file, a broken notebook, no sandbox, a grader bug --
the document holds a visible failed test explaining it, and the score is 0.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import traceback
from pathlib import Path

from grader.gradescope.config import Assignment
from grader.gradescope.results import assignment_results, failure_results
from grader.gradescope.spec import validate_results
from grader.gradescope.staging import SubmissionProblem, pick_submission, stage_copy
from grader.secret import use_shipped_secret
from grader.report.json_report import write_text_atomic

ROOT_ENV = "GRADER_AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"


def autograder_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)


def lock_down(root: Path) -> None:
    """Keep the worker's user out of the reference, the results and the metadata.

    Gradescope runs this as root; the sandboxed worker runs as another user and only needs
    the grader package and the datasets (readable to all). The audit-hook guard is told
    about the same paths, which also protects them when the grader is not root.
    """
    private = [root / "source" / "solutions", root / "results", root / "submission",
               root / "submission_metadata.json"]
    (root / "results").mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        for path in private:
            if path.exists() and not path.is_symlink():
                os.chmod(path, stat.S_IRWXU if path.is_dir() else stat.S_IRUSR | stat.S_IWUSR)
    extra = [p for p in os.environ.get("GRADER_PROTECT", "").split(os.pathsep) if p]
    os.environ["GRADER_PROTECT"] = os.pathsep.join(extra + [str(p) for p in private])


def discard_results(results_path: Path) -> None:
    """Whatever sits where results.json goes was not written by this run."""
    if results_path.is_symlink() or results_path.is_file():
        results_path.unlink()
    elif results_path.exists():
        shutil.rmtree(results_path)


def require_sandbox() -> None:
    """Fail before grading when student code could not run as an unprivileged user."""
    from grader.sandbox.limits import choose_worker_user, worker_python
    choose_worker_user(worker_python(), "require")


def _not_submitted(exercise_id: str, problem: str):
    from grader import exercises
    from grader.points import suite_points
    from grader.results import GradeReport
    exercise = exercises.get(exercise_id)
    try:
        points = suite_points(exercise)
    except Exception:  # the points only make the message nicer
        points = 0.0
    return GradeReport(exercise=exercise.id, title=exercise.title,
                       errors=[f"{problem} (worth {points:g} points)"] if points else [problem])


def grade_assignment(root: Path, assignment: Assignment, keyword: str | None = None):
    """Grade every exercise of the assignment; returns (reports, notes for the output)."""
    from grader import api, exercises
    reports, notes = [], []
    staging = Path(tempfile.mkdtemp(prefix="grader-staged-"))
    try:
        for exercise_id in assignment.exercises:
            exercise = exercises.get(exercise_id)
            try:
                chosen, note = pick_submission(root / "submission", exercise, assignment.accept,
                                               single_exercise=len(assignment.exercises) == 1)
            except SubmissionProblem as exc:
                reports.append(_not_submitted(exercise_id, str(exc)))
                continue
            notes.append(note)
            staged = stage_copy(chosen, staging / exercise_id)
            reports.append(api.grade(exercise_id, staged, solutions_dir=root / "source" / "solutions",
                                     feedback_dir=staging / "feedback" / exercise_id,
                                     sandbox="require", keyword=keyword))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return reports, notes


def run(root: Path | None = None, keyword: str | None = None) -> dict:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns the document."""
    root = Path(root) if root is not None else autograder_root()
    results_path = root / "results" / "results.json"
    started = time.perf_counter()
    try:
        discard_results(results_path)
        lock_down(root)
        use_shipped_secret(root / "source" / "solutions")
        config = json.loads((root / "source" / "assignment.json").read_text(encoding="utf-8"))
        assignment = Assignment.from_dict(config)
        require_sandbox()
        reports, notes = grade_assignment(root, assignment, keyword)
        doc = assignment_results(reports, assignment, notes)
        doc["execution_time"] = round(time.perf_counter() - started, 2)
        problems = validate_results(doc)
        if problems:
            raise RuntimeError("the grader produced an invalid results.json: " + "; ".join(problems[:5]))
    except BaseException as exc:  # anything at all: the student still gets a result
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        print(traceback.format_exc(), file=sys.stderr)
        doc = failure_results(f"Grading error (not your fault, tell the course staff): {detail}",
                              execution_time=round(time.perf_counter() - started, 2))
    discard_results(results_path)  # the student's code ran in between
    write_text_atomic(results_path, json.dumps(doc, indent=2))
    return doc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder", description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="keyword", help="only the tests whose names match (for testing the zip)")
    args = parser.parse_args(argv)
    doc = run(keyword=args.keyword)
    # For the course staff's log on Gradescope; the student sees results.json only.
    print(doc["output"])
    print(f"{sum(t['status'] == 'passed' for t in doc['tests'])} of {len(doc['tests'])} tests passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
