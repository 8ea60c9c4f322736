"""A failed hidden test shows its input, never the reference's value, and a replay code that
`grade replay` runs on the student's own copy, where there is no reference."""
from __future__ import annotations

import pytest

from grader import cli, replay
from tests.golden.exercise3.buggy import MODULE, MUTANTS

SAMPLE_STD = next(bug for bug in MUTANTS if bug.name == "standardizes_with_sample_std")
NEVER_SHUFFLES = next(bug for bug in MUTANTS if bug.name == "never_shuffles")


@pytest.fixture
def sample_std(tmp_path):
    return SAMPLE_STD.write(MODULE, tmp_path)


def hidden_failure(grade_submission, path, keyword: str):
    report = grade_submission("exercise3", path, keyword=keyword)
    (test,) = [t for t in report.tests if t.status == "failed"]
    return test


def replay_code(output: str) -> str:
    return output.split("grade replay '", 1)[1].split("'", 1)[0]


def run_replay(code: str, path, capsys, monkeypatch, tmp_path) -> tuple[int, str, str]:
    """`grade replay CODE` in a student's copy: no solutions folder anywhere."""
    monkeypatch.setenv("GRADER_SOLUTIONS", str(tmp_path / "no-solutions"))
    monkeypatch.chdir(tmp_path)
    status = cli.main(["replay", code, "--submission", str(path)])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_hidden_failure_shows_the_input_and_a_replay_code_but_no_expected_value(grade_submission, sample_std):
    test = hidden_failure(grade_submission, sample_std, "standardize_matches_reference")
    assert "received:" in test.output and "Smallest failing input found: rows=" in test.output
    assert "expected" not in test.output, test.output
    chosen = replay.parse(replay_code(test.output))
    assert (chosen.exercise, chosen.test_id) == ("exercise3", "test_standardize_matches_reference")
    assert chosen.blob and chosen.version  # hypothesis's own record of the failing example


def test_replay_runs_that_input_on_the_students_code_without_the_reference(
        grade_submission, sample_std, capsys, monkeypatch, tmp_path):
    test = hidden_failure(grade_submission, sample_std, "standardize_matches_reference")
    rows = test.output.split("Smallest failing input found: rows=", 1)[1].splitlines()[0]
    status, out, _ = run_replay(replay_code(test.output), sample_std, capsys, monkeypatch, tmp_path)
    assert status == 0, out
    assert "standardize agrees with the reference" in out and "What your code returned on this input:" in out
    # The same shrunk input, called on the student's own function, and what it returned.
    assert f"standardize({rows.replace('.0', '.')})" in out, (rows, out)
    assert "returned {'type': 'Tensor', 'value': [[-0.707107], [ 0.707107]]}" in out, out
    assert "DidNotReproduce" not in out and "expected" not in out


def test_a_hidden_test_without_drawn_inputs_replays_its_fixed_calls(
        grade_submission, tmp_path, capsys, monkeypatch):
    path = NEVER_SHUFFLES.write(MODULE, tmp_path)
    code = "exercise3:test_unshuffled_batches_match_reference"  # a drawn test, given without its blob
    status, out, _ = run_replay(code, path, capsys, monkeypatch, tmp_path)
    assert status == 0 and out.count("data_iter(n=") >= 2, out  # every example the test drew, each shown


@pytest.mark.parametrize("code,message", [
    ("not-a-code", "not a replay code"),
    ("exercise3:test_no_such_test", "has no test 'test_no_such_test'"),
    ("exercise9:test_x", "exercise9"),
])
def test_a_bad_replay_code_is_a_usage_error(code, message, capsys, monkeypatch, tmp_path):
    status, _, err = run_replay(code, tmp_path / "unused.py", capsys, monkeypatch, tmp_path)
    assert status == cli.USAGE_ERROR and message in err, err
