"""What a worker must not read in the checkout, and how it is kept out.

Under root the kernel keeps it out: these paths lose their permissions for "others", and
every worker uid is an "other" (it has no group of the checkout). Without a second user
only the worker's audit hook stands between it and these paths (see docs/security.md).
"""
from __future__ import annotations

import os
from pathlib import Path

from grader import kit_cache
from grader.exercises import KIT_ROOT

# Reference code, or text made from it: the solutions, the git history, the golden mutants
# (fragments of the reference) and built autograders (which bundle the solutions).
PRIVATE_NAMES = ("solutions", ".git", "tests", "dist")
# What a worker reads from the checkout: its interpreter's environment and the datasets.
WORKER_READS = (".venv", "datasets")


def private_paths(solutions_dir: Path) -> list[Path]:
    """Paths holding reference code: the solutions folder, the checkout's private folders, and
    the grader's cache (the grading secret, the reference's cached answers)."""
    paths = [Path(solutions_dir)] + [KIT_ROOT / name for name in PRIVATE_NAMES] + kit_cache.private_places()
    return [p for p in dict.fromkeys(paths) if p.exists()]


def hide_from_others(paths) -> None:
    """Remove every permission of "others" (the grader, root, still reads them)."""
    for path in paths:
        mode = os.lstat(path).st_mode
        if mode & 0o007 and not os.path.islink(path):
            os.chmod(path, mode & ~0o007)


def guarded_paths(solutions_dir: Path) -> list[str]:
    """What the audit hook refuses: the private paths and the checkout but for what a worker reads."""
    checkout = [p for p in KIT_ROOT.iterdir() if p.name not in WORKER_READS] if KIT_ROOT.is_dir() else []
    return [str(p) for p in dict.fromkeys([*private_paths(solutions_dir), *checkout])]
