"""Exercise 4 against a submission that patches the probes in its own worker.

``tests/golden/exercise4/hostile/patches_the_probes.py`` multiplies by ``torch.mm`` in every
strategy and, while imported, replaces the call recorder and the ``calls_<strategy>`` probes
of its worker so that they report the calls of the asked strategy. The grader may not believe
the worker about *how* it computed something (shared/DESIGN.md, "The trust boundary"): with
the policy off, the attack must earn no more than the same module without the attack.
"""
from __future__ import annotations

from pathlib import Path

EXERCISE = "exercise4"
MODULE = "exercise4_matmul"
HOSTILE = Path(__file__).parent / "golden" / "exercise4" / "hostile" / "patches_the_probes.py"
ATTACK_START, ATTACK_END = "# ==== ATTACK:", "# ==== END OF ATTACK"
# The strategies whose forbidden product a reading of the source names (grader/policy_rules.py);
# matmul_blocked's missing loop is named by its def line (grader/policy_required.py).
READ_FROM_THE_SOURCE = ("elementwise", "rowwise", "columnwise")


def honest_twin(source: str) -> str:
    """The same module with the attack cut out."""
    start, end = source.index(ATTACK_START), source.index(ATTACK_END)
    end = source.index("\n", end) + 1
    return source[:start] + source[end:]


def write(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{MODULE}.py"
    path.write_text(source, encoding="utf-8")
    return path


def scores(report) -> dict:
    return {t.test_id: t.score for t in report.tests}


def test_patching_the_probes_earns_no_more_than_the_honest_twin(grade_submission, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_POLICY", "off")
    source = HOSTILE.read_text(encoding="utf-8")
    twin = honest_twin(source)
    assert "import grader" not in twin and ATTACK_START not in twin
    hostile_path = write(tmp_path / "hostile", source)
    hostile = grade_submission(EXERCISE, hostile_path)
    honest = grade_submission(EXERCISE, write(tmp_path / "twin", twin))

    # (c) it ran and was graded: no grading error, no import error.
    assert not hostile.errors, hostile.errors
    assert not honest.errors, honest.errors
    assert hostile.tests and hostile.max_score == honest.max_score > 0
    for report in (hostile, honest):
        assert not [t.test_id for t in report.tests if "Grading error" in t.output], \
            {t.test_id: t.output for t in report.tests if "Grading error" in t.output}

    # (a) the source, read on the trusted side, names the torch.mm line of every strategy it can read.
    lines = hostile_path.read_text(encoding="utf-8").splitlines()
    by_id = {t.test_id: t for t in hostile.tests}
    for strategy in READ_FROM_THE_SOURCE:
        test = by_id[f"test_strategy_is_the_asked_one[{strategy}]"]
        assert test.status == "failed" and test.score == 0, (test.status, test.output)
        start = next(n for n, text in enumerate(lines, 1) if text.startswith(f"def matmul_{strategy}("))
        line = next(n for n, text in enumerate(lines[start:], start + 1) if "torch.mm(B, C)" in text)
        assert f"does not multiply the asked way (line {line}: `{lines[line - 1].strip()}`)" in test.output, \
            test.output

    blocked = by_id["test_strategy_is_the_asked_one[blocked]"]  # one torch.mm: no product per block
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("def matmul_blocked("))
    assert blocked.status == "failed" and f"(line {line}: `def matmul_blocked(" in blocked.output, blocked.output
    assert "a product inside a loop over the blocks; none was found" in blocked.output, blocked.output

    # (b) no more than the same module without the attack deserves, test by test.
    theirs, twins = scores(hostile), scores(honest)
    gained = {test_id: (twins.get(test_id, 0.0), score) for test_id, score in theirs.items()
              if score > twins.get(test_id, 0.0)}
    assert hostile.score <= honest.score, (
        f"the attack earned {hostile.score} of {hostile.max_score}, its honest twin {honest.score}; "
        f"tests it gained (twin, hostile): {gained}, their output: "
        f"{ {t.test_id: t.output for t in honest.tests if t.test_id in gained} }")


def test_the_policy_refuses_it_before_it_runs(grade_submission, tmp_path):
    """Graded as a course grades: importing the kit's internals is refused, naming the rule."""
    report = grade_submission(EXERCISE, write(tmp_path, HOSTILE.read_text(encoding="utf-8")), keyword="asked_one")
    assert report.score == 0 and report.tests
    assert report.errors[0].startswith("Refused by the submission policy"), report.errors
    assert "rule 'kit-internals'" in report.errors[0], report.errors


# time_strategy timing one call only (no warm-up, no repeats), and the same with its worker's
# time_sleep probe patched to report six calls of the strategy (the policy off).
ONE_CALL = ("    for _ in range(repeats):\n        if use_events:", "    for _ in range(1):\n        if use_events:")
WARM_UP = "    strategy(B, C)  # warm-up: the first call pays for allocations and start-up\n"
FORGED_CALLS = ("\nimport grader.probes.exercise4 as _probes\n_time_sleep = _probes.time_sleep\n\n\n"
                "def _six_calls(sub, **inputs):\n    out = _time_sleep(sub, **inputs)\n"
                "    out['calls'] = out['calls'] * 6\n    return out\n\n\n_probes.time_sleep = _six_calls\n")


def test_forging_the_calls_of_time_strategy_is_caught_by_the_clock(grade_submission, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_POLICY", "off")
    from tests.golden.mutants import mutant
    honest = mutant("times_one_call", (ONE_CALL, (WARM_UP, "")), set()).source(MODULE)
    for name, source in (("honest", honest), ("forged", honest + FORGED_CALLS)):
        report = grade_submission(EXERCISE, write(tmp_path / name, source), keyword="seconds_per_call")
        (test,) = report.tests
        assert test.status == "failed" and "called the strategy too few times" in test.output, (name, test.output)
        reported = 6 if name == "forged" else 1
        assert f"{reported} calls reported" in test.output, (name, test.output)  # the clock decided the forged one
