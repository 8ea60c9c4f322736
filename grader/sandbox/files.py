"""Reading what was handed in, as root, without following anything the submitter planted.

Every route (``grade``, ``grade batch``, notebooks, zips, Gradescope) reads submissions
through these functions: regular files only, opened with ``O_NOFOLLOW`` (a symlink to
``solutions/`` or ``/proc/self/cwd/...`` is refused, not read), never a FIFO or a device,
and bounded in size and count.
"""
from __future__ import annotations

import errno
import io
import os
import stat
import zipfile
from pathlib import Path

MAX_FILE_BYTES = 20 << 20
MAX_FILES = 2000
MAX_ZIP_BYTES = 200 << 20
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


class RefusedFile(ValueError):
    """A submission file that is not read: a link, not a regular file, or too large."""


def refuse_link(path: Path) -> None:
    if os.path.islink(path):
        raise RefusedFile(f"{Path(path).name} is a symbolic link: the grader reads regular files only")


def read_regular(path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file that is not a link, at most ``max_bytes`` of them."""
    name = Path(path).name
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RefusedFile(f"{name} is a symbolic link: the grader reads regular files only") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile(f"{name} is not a regular file")
        if info.st_size > max_bytes:
            raise RefusedFile(f"{name} is larger than {max_bytes >> 20} MB")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RefusedFile(f"{name} is larger than {max_bytes >> 20} MB")
    return data


def regular_files(folder: Path, max_files: int = MAX_FILES) -> list[Path]:
    """Regular files under ``folder``, sorted, never through a link (os.walk does not follow them)."""
    refuse_link(folder)
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_PARTS)
        for name in sorted(files):
            path = Path(top) / name
            if stat.S_ISREG(os.lstat(path).st_mode):
                found.append(path)
                if len(found) > max_files:
                    raise RefusedFile(f"the folder holds more than {max_files} files")
    return found


def links_under(folder: Path, limit: int = 5) -> list[str]:
    """A few symbolic links under ``folder`` (relative paths), to say why nothing was found."""
    found = []
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            if os.path.islink(os.path.join(top, name)):
                found.append(os.path.relpath(os.path.join(top, name), folder))
                if len(found) >= limit:
                    return found
    return found


def _is_link(member: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(member.external_attr >> 16)


def extract_zip(archive: Path, target: Path) -> None:
    """Unpack a zip of regular files (no links, no paths outside ``target``), within bounds."""
    data = read_regular(archive, MAX_ZIP_BYTES)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise RefusedFile("the file is not a valid zip archive") from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise RefusedFile("the zip is too large")
        for member in members:
            name = Path(member.filename)
            if name.is_absolute() or ".." in name.parts:
                raise RefusedFile(f"the zip holds an unsafe path: {member.filename}")
            if _is_link(member):
                raise RefusedFile(f"the zip holds a symbolic link: {member.filename}")
        for member in members:
            path = target / member.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as source:
                payload = source.read(MAX_FILE_BYTES + 1)
            if len(payload) > MAX_FILE_BYTES:
                raise RefusedFile(f"{member.filename} is larger than {MAX_FILE_BYTES >> 20} MB")
            write_private(path, payload)


def write_private(path: Path, data: bytes) -> Path:
    """Write a file only the grader can read (it is copied again into each worker's folder)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path
