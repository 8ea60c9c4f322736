"""The kit's own JSON report (``grade ... --json FILE``)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from grader.results import GradeReport


def write_json(reports: list[GradeReport], path) -> None:
    """One report as an object; several (``grade all``) as a list."""
    data = [r.to_dict() for r in reports]
    write_text_atomic(path, json.dumps(data[0] if len(data) == 1 else data, indent=2))


def write_text_atomic(path, text: str) -> None:
    """Write through a temporary file so a reader never sees half a report (its own name: writers may overlap)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, 0o644)  # as a plain write would leave it (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
