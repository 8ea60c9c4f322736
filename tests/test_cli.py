"""The `grade` command: exit codes, listing, and the files it writes."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from grader.cli import main


def test_list_names_every_exercise_with_points(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("exercise3"))
    assert "Data iterators" in line
    assert float(line.rsplit("(", 1)[1].split()[0]) > 0, line


def test_unknown_exercise_is_a_usage_error(capsys):
    assert main(["exercise9"]) != 0
    assert "unknown exercise 'exercise9'" in capsys.readouterr().err


def test_missing_submission_is_a_usage_error(capsys, tmp_path):
    assert main(["exercise3", "--submission", str(tmp_path / "nowhere.py")]) != 0
    assert "no such file" in capsys.readouterr().err


def test_reports_are_written_and_exit_is_zero_whatever_the_score(tmp_path, kit_root):
    report_json, results_json = tmp_path / "report.json", tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "grader.cli", "exercise3", "--submission",
                           str(kit_root / "exercises" / "exercise3_data.py"), "-k", "standardize",
                           "--json", str(report_json), "--gradescope", str(results_json),
                           "--feedback-dir", str(tmp_path / "fb")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(kit_root)})
    assert done.returncode == 0, done.stderr
    assert "is not implemented yet" in done.stdout and "Total: 0 /" in done.stdout
    report = json.loads(report_json.read_text())
    assert {"exercise", "score", "max_score", "tests", "device", "execution_time"} <= set(report)
    assert report["score"] == 0 and report["max_score"] > 0
    assert {"name", "score", "max_score", "status", "visibility", "output"} <= set(report["tests"][0])
    results = json.loads(results_json.read_text())
    assert results["score"] == 0 and results["tests"][0]["status"] == "failed"
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(results["tests"][0])


def test_all_grades_every_exercise_from_one_folder(tmp_path, kit_root, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the progress file goes to ./feedback/
    report_json = tmp_path / "all.json"
    code = main(["all", "--submission", str(kit_root / "exercises"), "-k", "matches_reference or keeps_float32",
                 "--json", str(report_json), "--feedback-dir", str(tmp_path / "fb")])
    assert code == 0
    reports = json.loads(report_json.read_text())
    assert [r["exercise"] for r in reports] == [f"exercise{n}" for n in range(1, 6)]
    assert all(r["score"] == 0 and r["tests"] and not r["errors"] for r in reports), [r["errors"] for r in reports]
    out = capsys.readouterr().out
    table = out[out.rindex("Progress"):]  # grade all ends with the progress table, a row per exercise
    assert all(f"exercise{n}" in table for n in range(1, 6)) and "Overall:" in table
    assert "PASS " not in out  # each exercise's short report lists its failures only


def test_k_takes_words_of_a_title(kit_root, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the progress file goes to ./feedback/
    code = main(["exercise3", "--submission", str(kit_root / "exercises" / "exercise3_data.py"),
                 "-k", "exactly once", "--feedback-dir", str(tmp_path / "fb")])
    out = capsys.readouterr().out
    assert code == 0
    assert "exactly once" in out and "Grading error" not in out
    assert "Total: 0 / 3" in out  # the one test whose title holds the words


def test_k_selecting_nothing_is_a_usage_error(kit_root, capsys):
    code = main(["exercise3", "--submission", str(kit_root / "exercises" / "exercise3_data.py"),
                 "-k", "no such words anywhere"])
    assert code == 2
    err = capsys.readouterr().err
    assert "no test of exercise3 matches -k 'no such words anywhere'" in err and "--list" in err


def test_list_shows_the_ids_and_titles_k_matches(capsys):
    assert main(["exercise3", "--list"]) == 0
    out = capsys.readouterr().out
    assert "test_data_iter_covers_every_example_once" in out and "exactly once" in out
    assert "exercise3:" in out and "points" in out


def test_points_agree_between_list_and_the_breakdown(capsys):
    from grader import exercises
    from grader.points import points_of, suite_tests
    points = points_of(suite_tests(exercises.get("exercise4")))
    assert points.total == points.public + points.hidden + points.gpu
    assert main(["list"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("exercise4"))
    assert f"{points.total:g} points" in line and f"{points.without_gpu:g} without a GPU" in line, line


def test_k_is_an_expression_first_and_a_phrase_otherwise():
    from grader import exercises
    from grader.points import collect_items
    from grader.selection import matching
    items = collect_items(exercises.get("exercise1"))
    ids = lambda keyword: {item.name.split("[")[0] for item in matching(items, keyword)}  # noqa: E731
    assert ids("not 1x1") and "test_backward_needs_a_1x1_result" not in ids("not 1x1")
    assert ids("backward twice") == {"test_backward_twice_accumulates_like_torch"}  # words of its title
    assert ids("mean and not mae") and "test_mae_at_zero_difference" not in ids("mean and not mae")
    assert ids("zz_nothing") == set()


def test_a_suite_that_cannot_be_collected_is_said_so_not_called_empty(tmp_path, monkeypatch, capsys):
    from grader import exercises
    broken = tmp_path / "test_exercise1.py"
    broken.write_text("import no_such_module_anywhere\n")
    monkeypatch.setattr(exercises, "SUITES_DIR", tmp_path)
    assert main(["exercise1", "--list"]) == 1
    assert "could not be collected" in capsys.readouterr().err
