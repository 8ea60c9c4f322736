"""The `grade` command: exit codes, listing, and the files it writes."""
from __future__ import annotations

import json
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
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "is not implemented yet" in done.stdout and "Total: 0 /" in done.stdout
    report = json.loads(report_json.read_text())
    assert {"exercise", "score", "max_score", "tests", "device", "execution_time"} <= set(report)
    assert report["score"] == 0 and report["max_score"] > 0
    assert {"name", "score", "max_score", "status", "visibility", "output"} <= set(report["tests"][0])
    results = json.loads(results_json.read_text())
    assert results["score"] == 0 and results["tests"][0]["status"] == "failed"
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(results["tests"][0])


def test_all_grades_every_exercise_from_one_folder(tmp_path, kit_root, capsys):
    report_json = tmp_path / "all.json"
    code = main(["all", "--submission", str(kit_root / "exercises"), "-k", "matches_reference or keeps_float32",
                 "--json", str(report_json), "--feedback-dir", str(tmp_path / "fb")])
    assert code == 0
    reports = json.loads(report_json.read_text())
    assert [r["exercise"] for r in reports] == [f"exercise{n}" for n in range(1, 6)]
    assert all(r["score"] == 0 and r["tests"] and not r["errors"] for r in reports), [r["errors"] for r in reports]
