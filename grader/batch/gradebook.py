"""What a regrade leaves behind: one JSON feedback file per student and the class CSV."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from grader.report.json_report import write_text_atomic

FIXED_COLUMNS = ["student", "score", "max", "status"]


def write_feedback(record: dict, path: Path) -> None:
    write_text_atomic(path, json.dumps(record, indent=2))


def load_feedback(path: Path) -> dict | None:
    """A student's previous feedback record, or None when absent or unreadable."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def _test_columns(records: list[dict]) -> list[str]:
    """Every test id, in the order the suite ran them (first graded report wins ties)."""
    columns: dict[str, None] = {}
    for record in records:
        for test in (record.get("report") or {}).get("tests", []):
            columns.setdefault(test["test_id"] or test["name"], None)
    return list(columns)


def _usual_max(records: list[dict]) -> str:
    maxima = Counter((r.get("report") or {}).get("max_score") for r in records if r.get("report"))
    return f"{maxima.most_common(1)[0][0]:g}" if maxima else ""


def csv_text(records: list[dict]) -> str:
    """student, score, max, status, then the points of every test (blank where not graded)."""
    columns = _test_columns(records)
    usual_max = _usual_max(records)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIXED_COLUMNS + columns)
    for record in sorted(records, key=lambda r: r["student"]):
        report = record.get("report")
        if report is None:
            writer.writerow([record["student"], 0, usual_max, record["status"]] + [""] * len(columns))
            continue
        points = {t["test_id"] or t["name"]: t["score"] for t in report.get("tests", [])}
        writer.writerow([record["student"], f"{report['score']:g}", f"{report['max_score']:g}", record["status"]]
                        + [f"{points[c]:g}" if c in points else "" for c in columns])
    return out.getvalue()


def write_csv(records: list[dict], path: Path) -> None:
    write_text_atomic(path, csv_text(records))
