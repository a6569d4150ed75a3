"""Files Tenken keeps are private to the account that runs it: files 600, folders 700.

This covers everything under instance/ (database, secret key, evidence files and their folders) and every
backup. Modes are set explicitly, whatever the process umask. SQLite creates the database's -wal and -shm
files with the mode of the database file itself, so creating the database file 600 before SQLite opens it
is enough for them (tests/test_private_files.py checks it). `tighten()` brings files made by an older
release (644/755) to the same modes at start.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_dir(path: str | Path) -> Path:
    """Create a folder (and missing parents) 700; an existing folder is set to 700 too."""
    path = Path(path)
    created = [p for p in (path, *path.parents) if not p.exists()]
    os.makedirs(path, mode=DIR_MODE, exist_ok=True)
    for folder in {path, *created}:
        tighten(folder)
    return path


def open_new(path: str | Path) -> BinaryIO:
    """Open a file for writing (created or truncated) with mode 600, for binary writes."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    if hasattr(os, "fchmod"):  # an existing file keeps its mode through O_CREAT; Windows has no fchmod
        os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, "wb")


def write_bytes(path: str | Path, data: bytes) -> None:
    with open_new(path) as out:
        out.write(data)


def create_empty(path: str | Path) -> None:
    """Create a missing file 600 (e.g. the database, before SQLite opens it); an existing one is left alone."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def tighten(path: str | Path) -> bool:
    """Set one existing file to 600 or folder to 700; true if its mode had to change."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    wanted = DIR_MODE if stat.S_ISDIR(mode) else FILE_MODE
    if stat.S_IMODE(mode) == wanted:
        return False
    os.chmod(path, wanted)
    return True


def tighten_database(path: str | Path) -> None:
    """The database file and the -wal / -shm files SQLite keeps beside it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        tighten(f"{path}{suffix}")
