"""The kit's own JSON report (``grade ... --json FILE``)."""
from __future__ import annotations

import json
from pathlib import Path

from grader.results import GradeReport


def write_json(reports: list[GradeReport], path) -> None:
    """One report as an object; several (``grade all``) as a list."""
    data = [r.to_dict() for r in reports]
    write_text_atomic(path, json.dumps(data[0] if len(data) == 1 else data, indent=2))


def write_text_atomic(path, text: str) -> None:
    """Write through a temporary file so a reader never sees half a report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
