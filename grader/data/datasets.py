"""Find, download and verify the datasets named in ``datasets/manifest.json``."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.request
from pathlib import Path

from grader.exercises import KIT_ROOT

MANIFEST = KIT_ROOT / "datasets" / "manifest.json"
CACHE = KIT_ROOT / "datasets" / "cache"
ENV_VAR = "GRADER_DATA_DIR"


class DatasetError(RuntimeError):
    """A dataset is missing or corrupt; the message says where to put the file."""


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def sha1_of(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _candidates(filename: str) -> list[Path]:
    folders = [Path(os.environ[ENV_VAR])] if os.environ.get(ENV_VAR) else []
    return [folder / filename for folder in folders + [CACHE]]


def _download(url: str, target: Path) -> None:
    from tqdm import tqdm
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {target.name}") as bar:
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                bar.update(len(block))
    partial.replace(target)


def ensure(name: str, download: bool = True) -> Path:
    """The verified local path of dataset ``name``, downloading it if allowed."""
    entries = manifest()
    if name not in entries:
        raise DatasetError(f"unknown dataset {name!r} (known: {', '.join(entries)})")
    entry = entries[name]
    where = f"put {entry['file']} in {CACHE} or in the folder named by ${ENV_VAR}"
    for path in _candidates(entry["file"]):
        if path.exists():
            if sha1_of(path) != entry["sha1"]:
                raise DatasetError(f"{path} is corrupt (SHA-1 mismatch): delete it and {where}")
            return path
    if not download:
        raise DatasetError(f"dataset {name!r} not found: {where}")
    target = CACHE / entry["file"]
    try:
        _download(entry["url"], target)
    except OSError as exc:
        raise DatasetError(f"could not download {entry['url']} ({exc}); download it yourself and {where}") from None
    if sha1_of(target) != entry["sha1"]:
        bad = target.with_name(target.name + ".bad")
        shutil.move(target, bad)
        raise DatasetError(f"the download of {entry['url']} has the wrong SHA-1 (kept as {bad}); {where}")
    return target
