"""The grader's own cache folder: the grading secret and the reference's cached answers.

``$XDG_CACHE_HOME/sgd-kit`` (``~/.cache/sgd-kit``), made only its owner can enter. What it
holds is made from the reference, so workers are kept out of it like the solutions folder
(:mod:`grader.sandbox.hiding`): by the kernel where they run as uids of their own, by
their audit hook where they share the grader's user.
"""
from __future__ import annotations

import os
from pathlib import Path

ANSWERS_ENV = "GRADER_REFERENCE_CACHE"  # another folder for the reference's answers, or "off"


def cache_dir() -> Path:
    """The folder (not made here)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "sgd-kit"


def private_folder(*names: str) -> Path:
    """``cache_dir() / names...``, made where missing; the cache folder only its owner can enter."""
    folder = cache_dir().joinpath(*names)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(cache_dir(), 0o700)
    return folder


def answers_folder() -> Path | None:
    """Where the reference's answers are kept (made if missing), or None where
    ``$GRADER_REFERENCE_CACHE`` is ``off``; by default a private folder in the cache folder."""
    setting = os.environ.get(ANSWERS_ENV, "")
    if setting.lower() in ("off", "0", "no"):
        return None
    if not setting:
        return private_folder("reference-answers")
    folder = Path(setting)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def private_places() -> list[Path]:
    """What no worker may read: the cache folder, and the answers' folder wherever it is.

    Made here if missing, so that they are guarded from the first worker on, before any
    grading writes to them.
    """
    return [private_folder(), *filter(None, [answers_folder()])]
