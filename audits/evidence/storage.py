"""Evidence files on disk: type checks by content and extension, crash-safe writes, random names.

A file is written under UPLOAD_FOLDER/tmp with a random name, flushed to disk, hashed on the way,
then renamed into UPLOAD_FOLDER/<2 hex>/<random name>; only then does the caller insert the
database row. A crash leaves at most a file in tmp/, which `sweep_temporary()` removes.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 16

# extension -> (label, detector name)
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    ".pdf": ("PDF", "pdf"),
    ".png": ("PNG画像", "png"),
    ".jpg": ("JPEG画像", "jpeg"),
    ".jpeg": ("JPEG画像", "jpeg"),
    ".xlsx": ("Excel", "xlsx"),
    ".docx": ("Word", "docx"),
    ".pptx": ("PowerPoint", "pptx"),
    ".csv": ("CSV", "text"),
    ".txt": ("テキスト", "text"),
}
CONTENT_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "text": "text/plain",
}
OFFICE_PARTS = {"xlsx": "xl/", "docx": "word/", "pptx": "ppt/"}
MAX_NAME_LENGTH = 200


class EvidenceRejected(ValueError):
    """Why a file was refused, in Japanese, for the person who tried to upload it."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str       # relative to UPLOAD_FOLDER, e.g. "3f/5c1e…"
    original_name: str     # cleaned for display, Japanese kept
    content_type: str
    size: int
    sha256: str


def allowed_extensions_text() -> str:
    return "PDF、PNG、JPEG、Excel（.xlsx）、Word（.docx）、PowerPoint（.pptx）、CSV、テキスト（.txt）"


def clean_display_name(name: str) -> str:
    """Keep the user's file name for display (Japanese included), minus paths and control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:MAX_NAME_LENGTH]
    return name


def _detect(head: bytes, path: Path) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" not in names:
            return None
        for kind, folder in OFFICE_PARTS.items():
            if any(n.startswith(folder) for n in names):
                return kind
        return None
    return None


def _is_text(path: Path) -> bool:
    data = path.read_bytes()
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "cp932"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def sweep_temporary(upload_folder: str | Path) -> int:
    """Remove files a crash left half-written in tmp/; returns how many."""
    tmp = Path(upload_folder) / "tmp"
    removed = 0
    if tmp.is_dir():
        for leftover in tmp.iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(stream: BinaryIO, filename: str, upload_folder: str | Path, max_bytes: int) -> StoredFile:
    """Check and store one uploaded file. Raises EvidenceRejected with the reason."""
    display = clean_display_name(filename)
    extension = Path(display).suffix.lower()
    if not display or not extension:
        raise EvidenceRejected("ファイル名に拡張子がありません。" + allowed_extensions_text() + " のファイルを選んでください。")
    if extension not in ALLOWED_TYPES:
        raise EvidenceRejected(f"「{extension}」のファイルは添付できません。添付できるのは "
                               + allowed_extensions_text() + " です。")
    folder = Path(upload_folder)
    tmp = folder / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    random_name = secrets.token_hex(16)
    part = tmp / (random_name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with part.open("wb") as out:
            while block := stream.read(CHUNK):
                size += len(block)
                if size > max_bytes:
                    raise EvidenceRejected(
                        f"ファイルが大きすぎます（上限 {max_bytes // (1024 * 1024)} MB）。分割するか圧縮してから添付してください。")
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise EvidenceRejected("ファイルが空です（0 バイト）。内容のあるファイルを選んでください。")
        with part.open("rb") as f:
            head = f.read(16)
        label, expected = ALLOWED_TYPES[extension]
        detected = "text" if expected == "text" and _is_text(part) else _detect(head, part)
        if detected != expected:
            raise EvidenceRejected(
                f"ファイルの内容が拡張子（{extension}: {label}）と一致しません。ファイルが壊れているか、"
                "拡張子だけを変えたファイルの可能性があります。")
        shard = folder / random_name[:2]
        shard.mkdir(parents=True, exist_ok=True)
        final = shard / random_name
        os.replace(part, final)
        _fsync_dir(shard)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return StoredFile(f"{random_name[:2]}/{random_name}", display, CONTENT_TYPES[detected], size, digest.hexdigest())


def path_of(upload_folder: str | Path, stored_name: str) -> Path:
    """The file on disk; stored names are ours (hex), never user input, but check anyway."""
    folder = Path(upload_folder).resolve()
    target = (folder / stored_name).resolve()
    if folder not in target.parents:
        raise FileNotFoundError(stored_name)
    return target


def discard(upload_folder: str | Path, stored_name: str) -> None:
    """Remove a stored file whose database row could not be written."""
    path_of(upload_folder, stored_name).unlink(missing_ok=True)
