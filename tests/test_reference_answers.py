"""The reference's answers cached for a regrade: asked once, the same grades, out of reach."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest

from grader import kit_cache
from grader.reference_answers import AnswerStore, ReferenceAnswers, answers_key, with_cached_answers
from grader.sandbox.errors import SubmissionError
from grader.sandbox.hiding import guarded_paths
from tests.golden.exercise3.buggy import MODULE, MUTANTS

KIT = Path(__file__).resolve().parent.parent
REFERENCE = KIT / "solutions" / f"{MODULE}.py"
STUB = KIT / "exercises" / f"{MODULE}.py"
# Light hidden tests: no reference call among them comes near its time limit, even on a busy
# machine (a call that timed out in the first grading would rightly be asked again).
FIXED_INPUT_TESTS = "standardize_matches or unshuffled"


class FakeReference:
    """A reference worker that counts what it is asked."""

    def __init__(self):
        self.asked = []
        self.label = "reference"

    def call(self, probe, *, timeout=None, **inputs):
        self.asked.append((probe, inputs))
        if inputs.get("fail"):
            raise SubmissionError("f", {"type": "ValueError", "message": "no"})
        return {"sum": float(np.sum(inputs["x"])), "rows": [1, 2, 3]}

    def timed_call(self, probe, **inputs):
        self.asked.append(("timed", inputs))
        return "value", 0.5


@pytest.fixture
def answers(tmp_path):
    fake = FakeReference()
    store = AnswerStore(tmp_path / "answers.sqlite")
    yield fake, ReferenceAnswers(fake, store)
    store.close()


def test_the_same_question_is_asked_once_and_another_question_again(answers):
    fake, cached = answers
    first = cached.call("probes:sum", x=np.arange(4.0))
    second = cached.call("probes:sum", x=np.arange(4.0))
    assert first == second == {"sum": 6.0, "rows": [1, 2, 3]}
    assert len(fake.asked) == 1 and (cached.hits, cached.misses) == (1, 1)
    cached.call("probes:sum", x=np.arange(5.0))
    cached.call("probes:other", x=np.arange(4.0))
    assert len(fake.asked) == 3


def test_each_answer_is_a_fresh_copy(answers):
    _, cached = answers
    cached.call("probes:sum", x=np.ones(2))["rows"].append(99)  # a test that changes what it got
    assert cached.call("probes:sum", x=np.ones(2))["rows"] == [1, 2, 3]


def test_errors_and_timed_calls_are_never_cached(answers):
    fake, cached = answers
    for _ in range(2):
        with pytest.raises(SubmissionError):
            cached.call("probes:sum", x=np.ones(2), fail=True)
        assert cached.timed_call("probes:sum", x=np.ones(2)) == ("value", 0.5)
    assert len(fake.asked) == 4 and cached.label == "reference"


def test_a_changed_reference_gets_a_file_of_its_own(tmp_path):
    changed = tmp_path / REFERENCE.name
    shutil.copy(REFERENCE, changed)
    assert answers_key("exercise3", changed) == answers_key("exercise3", REFERENCE)
    changed.write_text(REFERENCE.read_text() + "\n# changed\n")
    assert answers_key("exercise3", changed) != answers_key("exercise3", REFERENCE)
    assert answers_key("exercise2", REFERENCE) != answers_key("exercise3", REFERENCE)


def test_caching_off_gives_the_worker_itself(monkeypatch):
    monkeypatch.setenv("GRADER_REFERENCE_CACHE", "off")
    worker = FakeReference()
    assert with_cached_answers(worker, "exercise3", REFERENCE) is worker


def test_workers_are_kept_out_of_the_cache_folder(monkeypatch, tmp_path):
    """Made from the reference, like the solutions: the audit hook's list names it, and it is private."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = kit_cache.private_folder("reference-answers")
    assert str(kit_cache.cache_dir()) in guarded_paths(KIT / "solutions")
    monkeypatch.setenv("GRADER_REFERENCE_CACHE", str(tmp_path / "class-answers"))
    assert str(tmp_path / "class-answers") in guarded_paths(KIT / "solutions")
    assert folder.parent == kit_cache.cache_dir() and kit_cache.cache_dir().stat().st_mode & 0o077 == 0


def _grade_in_its_own_process(path: Path, folder: Path, cache: Path) -> dict:
    """One grading as ``grade`` and ``grade batch`` run it: a fresh process."""
    out = folder / "report.json"
    done = subprocess.run([sys.executable, "-m", "grader.batch.grade_one", "exercise3", str(path), "--json-out",
                           str(out), "--feedback-dir", str(folder), "-k", FIXED_INPUT_TESTS, "--sandbox", "auto"],
                          env={**os.environ, "GRADER_REFERENCE_CACHE": str(cache)}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(out.read_text())


def _writes(cache: Path) -> int:
    """SQLite's file change counter (header bytes 24-27): it counts every write to the file."""
    (answers,) = cache.glob("*.sqlite")
    return int.from_bytes(answers.read_bytes()[24:28], "big")


def _verdicts(report: dict):
    return [(t["test_id"], t["status"], t["score"], t["output"]) for t in report["tests"]]


@pytest.mark.parametrize("submission", ["reference", "one_bug"])
def test_a_second_grading_asks_the_reference_nothing_and_grades_the_same(tmp_path, submission):
    cache = tmp_path / "answers"
    path = REFERENCE if submission == "reference" else MUTANTS[0].write(MODULE, tmp_path)
    cold = _grade_in_its_own_process(path, tmp_path / "cold", cache)
    assert any(t["status"] == "passed" for t in cold["tests"]) and cold["errors"] == []
    writes = _writes(cache)
    assert writes > 0
    warm = _grade_in_its_own_process(path, tmp_path / "warm", cache)
    assert _writes(cache) == writes  # every answer known: the reference was asked nothing
    assert _verdicts(warm) == _verdicts(cold) and warm["score"] == cold["score"]


def test_unfinished_code_fails_without_asking_the_reference(tmp_path):
    """Each comparison asks the student first: the stub fails every hidden comparison, and the
    reference (no answer known yet) is asked nothing, not even started for them."""
    cache = tmp_path / "answers"
    out = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "grader.batch.grade_one", "exercise3", str(STUB), "--json-out",
                           str(out), "--feedback-dir", str(tmp_path), "-k", "match", "--sandbox", "auto"],
                          env={**os.environ, "GRADER_REFERENCE_CACHE": str(cache)}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    tests = json.loads(out.read_text())["tests"]
    assert len(tests) == 4 and all(t["status"] == "failed" and "not implemented yet" in t["output"] for t in tests)
    assert [_answers_kept(answers) for answers in cache.glob("*.sqlite")] in ([], [0])


def _answers_kept(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
