"""Find, download and verify the datasets named in ``grader/data/manifest.json``.

Lookup order: the folders in ``$GRADER_DATA_DIR``, the copies shipped with the kit, the
download cache, then the canonical URL. Every file found is checked against its SHA-1.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.request
from pathlib import Path

from grader.exercises import KIT_ROOT

MANIFEST = Path(__file__).with_name("manifest.json")
BUNDLED = Path(__file__).with_name("bundled")
# The checkout's cache when there is one, else the user's (an installed kit has no datasets/).
CACHE = (KIT_ROOT / "datasets" / "cache" if (KIT_ROOT / "datasets").is_dir()
         else Path.home() / ".cache" / "sgd-kit" / "datasets")
ENV_VAR = "GRADER_DATA_DIR"
# Set for workers: the trusted side has already looked and downloaded, so a worker that
# does not find a file says so at once instead of trying the network test after test.
OFFLINE_VAR = "GRADER_DATA_OFFLINE"


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
    folders = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    if os.environ.get(OFFLINE_VAR):  # a worker: only where the trusted side found the files
        return [folder / filename for folder in folders]
    return [folder / filename for folder in folders + [BUNDLED, CACHE]]


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
    where = f"put {entry['file']} in {CACHE} or in a folder named by ${ENV_VAR}"
    for path in _candidates(entry["file"]):
        if path.exists():
            if sha1_of(path) != entry["sha1"]:
                raise DatasetError(f"{path} is corrupt (SHA-1 mismatch): delete it and {where}")
            return path
    if os.environ.get(OFFLINE_VAR):
        raise DatasetError(f"dataset {name!r} is not available to the grader (see the error at the top "
                           "of the report)")
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
