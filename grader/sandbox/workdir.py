"""A worker's private folder: a read-only copy of the kit code it runs, its module, its cwd.

Nothing in it points back into the checkout (no symlink): the worker imports the probes
from its own copy of the few grader sub-packages it needs, never the suites, the release
tools or anything next to ``solutions/``. Under root the folder belongs to root and to the
worker's own group only, so no other worker (another student's, or the reference's) can
enter it; the worker may write to ``work/`` alone.

    <folder>/            root, group = the worker's own gid, 0750
        kit/grader/...   root, read-only
        submission/M.py  root, group-readable: the module, copied (never linked)
        work/            the worker's uid, 0700: cwd, HOME, TMPDIR
        output.txt       root, 0600: stdout and stderr (the worker writes to an inherited fd)
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from grader.sandbox.limits import WorkerUser

GRADER_PACKAGE = Path(__file__).resolve().parent.parent
# What a worker imports: the probes and what they use. Not suites/, batch/, gradescope/ ...
WORKER_PACKAGES = ("sandbox", "probes", "checks", "data")
WORKER_MODULES = ("__init__.py", "exercises.py")
OUTPUT_TAIL_BYTES = 16 << 10


def _copy_tree(source: Path, target: Path) -> None:
    target.mkdir(mode=0o755)
    for entry in sorted(source.iterdir()):
        if entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.name == "__pycache__":
                _copy_tree(entry, target / entry.name)  # compiled public code: faster imports
        elif entry.suffix in (".py", ".pyc", ".json"):  # .json: the dataset manifest
            shutil.copy2(entry, target / entry.name)
            os.chmod(target / entry.name, 0o444)


def copy_kit(folder: Path) -> Path:
    """Copy the grader code a worker needs into ``folder/grader``; return ``folder``."""
    folder.mkdir(mode=0o755, exist_ok=True)
    package = folder / "grader"
    package.mkdir(mode=0o755)
    for name in WORKER_MODULES:
        shutil.copy2(GRADER_PACKAGE / name, package / name)
        os.chmod(package / name, 0o444)
    if (GRADER_PACKAGE / "__pycache__").is_dir():
        _copy_tree(GRADER_PACKAGE / "__pycache__", package / "__pycache__")
    for name in WORKER_PACKAGES:
        _copy_tree(GRADER_PACKAGE / name, package / name)
    for path in [package, *package.rglob("*")]:
        if path.is_dir():
            os.chmod(path, 0o555)
    return folder


def remove(folder: Path) -> None:
    """Delete a worker folder, read-only parts included."""
    def make_writable_and_retry(function, path, _exc):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass
    shutil.rmtree(folder, onerror=make_writable_and_retry)


class WorkerFolder:
    """Makes (and later removes) one worker's folder, owned as the module docstring says."""

    def __init__(self, parent: Path | None, label: str, user: WorkerUser):
        self.user = user
        self.root = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=parent))
        self.kit = copy_kit(self.root / "kit")
        self.work = self.root / "work"
        self.work.mkdir(mode=0o700)
        self.module: Path | None = None
        if user.dropped:
            os.chown(self.root, 0, user.gid)
            os.chmod(self.root, 0o750)
            os.chown(self.work, user.uid, user.gid)
        else:
            os.chmod(self.root, 0o700)

    def add_module(self, source: Path, module_name: str) -> Path:
        """Copy the module's bytes in (a regular file, never a link followed)."""
        folder = self.root / "submission"
        folder.mkdir(mode=0o750)
        self.module = folder / f"{module_name}.py"
        flags = os.O_RDONLY | os.O_NOFOLLOW
        with open(source, "rb", opener=lambda p, _: os.open(p, flags)) as src, open(self.module, "wb") as dst:
            shutil.copyfileobj(src, dst)
        if self.user.dropped:
            for path in (folder, self.module):
                os.chown(path, 0, self.user.gid)
            os.chmod(self.module, 0o640)
        return self.module

    def open_output(self) -> int:
        """The grader's own descriptor on the output file: the worker cannot swap what it reads."""
        return os.open(self.root / "output.txt", os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)

    def remove(self) -> None:
        remove(self.root)


def output_tail(fd: int, lines: int = 5, max_bytes: int = OUTPUT_TAIL_BYTES) -> str:
    """The last lines of what the worker printed, reading at most ``max_bytes`` from the end."""
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, max_bytes, max(0, size - max_bytes))
    except OSError:
        return ""
    text = data.decode(errors="replace").strip().splitlines()[-lines:]
    return "\n".join(line[:500] for line in text)
