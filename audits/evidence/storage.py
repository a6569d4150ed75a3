"""Evidence files on disk: type checks by content and extension, crash-safe writes, random names.

A file is written under UPLOAD_FOLDER/tmp with a random name, flushed to disk, hashed on the way,
checked, then renamed into UPLOAD_FOLDER/<2 hex>/<random name> and the folder flushed; only then does
the caller insert the database row. So there is never a row without its file. A crash leaves at most a
file in tmp/ (removed by `sweep_temporary()`) or a stored file with no row, which `sweep_orphans()` moves
to UPLOAD_FOLDER/quarantine/ at the next start. Files and folders are private (600/700, private_files).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .. import private_files

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
TMP = "tmp"                # half-written uploads
QUARANTINE = "quarantine"  # stored files that no evidence row names, set aside at start
# A stored file with no row is set aside only once it is older than this: the row of a file that was just
# renamed into place may still be committing in a running server while another process (a CLI command) starts.
ORPHAN_GRACE_SECONDS = 600


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
    """The type a file's first bytes claim (the structure is checked afterwards by `_check_structure`)."""
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
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        for kind, folder in OFFICE_PARTS.items():
            if any(n.startswith(folder) for n in names):
                return kind
        return None
    return None


# ----------------------------------------------------------------------------- structure checks
#
# A file passes only if a well-kept library can open it as the type it claims, and nothing else rides along:
# a polyglot (a PDF header followed by HTML, an image with a zip appended, an Office file carrying a program)
# is refused. Each check raises EvidenceRejected with a reason the uploader can act on.

# Markup a browser's content sniffing looks for in the first bytes (WHATWG MIME sniffing reads 1445 bytes).
# Binary evidence never starts with it; a file that does is built to be taken for a web page.
SNIFF_BYTES = 1445
HTML_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<body", b"<iframe", b"<svg", b"<head")
# After a PDF's last %%EOF only line ends, spaces and NUL padding (some scanners pad) are accepted: whatever
# else follows is not part of the document (an appended HTML page, program or zip) and is refused.
PDF_TRAILING_OK = b" \t\r\n\x00\x0c"


def _refuse_html_head(path: Path, label: str) -> None:
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES).lower()
    if any(marker in head for marker in HTML_MARKERS):
        raise EvidenceRejected(f"{label}の先頭に Web ページ（HTML）の記述が含まれているため、添付できません。")


def _check_pdf(path: Path) -> None:
    from pypdf import PdfReader

    _refuse_html_head(path, "PDF")
    try:
        reader = PdfReader(path, strict=False)
        pages = len(reader.pages)
    except Exception:  # pypdf raises many types for broken input (PdfReadError, KeyError, RecursionError…)
        pages = 0
    if pages == 0:
        raise EvidenceRejected("PDF として読み取れません（ファイルが壊れているか、PDF ではありません）。"
                               "PDF を作成し直してから添付してください。")
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - CHUNK))
        tail = f.read()
    end = tail.rfind(b"%%EOF")
    if end < 0 or tail[end + 5:].strip(PDF_TRAILING_OK):
        raise EvidenceRejected("PDF の終わり（%%EOF）の後ろに別のデータが付いているため、添付できません。"
                               "PDF を作成し直してから添付してください。")


def _png_end(path: Path) -> int:
    """Offset just after the IEND chunk (the chunks are walked by their lengths)."""
    with path.open("rb") as f:
        f.seek(8)
        while True:
            header = f.read(8)
            if len(header) < 8:
                raise EvidenceRejected("PNG 画像の終わり（IEND）が見つかりません。ファイルが壊れています。")
            length = int.from_bytes(header[:4], "big")
            f.seek(length + 4, os.SEEK_CUR)  # data and CRC
            if header[4:8] == b"IEND":
                return f.tell()


def _jpeg_end(path: Path) -> int:
    """Offset just after the EOI marker: segments are skipped by their lengths (an embedded thumbnail's own
    EOI is inside a segment), entropy-coded data after each start of scan is searched for the next marker."""
    data = path.read_bytes()
    broken = EvidenceRejected("JPEG 画像の終わり（EOI）が見つかりません。ファイルが壊れています。")
    i = 2
    while i + 2 <= len(data):
        if data[i] != 0xFF:
            raise broken
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
        elif marker == 0xD9:  # EOI
            return i + 2
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            i += 2
        else:
            i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
            if marker == 0xDA:  # start of scan: skip stuffed bytes (FF 00) and restart markers (FF D0-D7)
                while (i := data.find(b"\xff", i)) >= 0 and i + 1 < len(data) and (
                        data[i + 1] == 0x00 or 0xD0 <= data[i + 1] <= 0xD7):
                    i += 2
                if i < 0:
                    raise broken
    raise broken


def _check_image(path: Path, kind: str) -> None:
    from PIL import Image

    label = {"png": "PNG 画像", "jpeg": "JPEG 画像"}[kind]
    _refuse_html_head(path, label)
    try:
        with Image.open(path) as image:
            if image.format != kind.upper():
                raise EvidenceRejected(f"{label}として読み取れません。")
            image.verify()  # PNG: every chunk's CRC; JPEG: the headers
    except EvidenceRejected:
        raise
    except Exception:  # Pillow raises many types for broken input (SyntaxError, OSError, DecompressionBombError…)
        raise EvidenceRejected(f"{label}として読み取れません（ファイルが壊れているか、画像が大きすぎます）。")
    end = _png_end(path) if kind == "png" else _jpeg_end(path)
    if path.stat().st_size > end:
        raise EvidenceRejected(
            f"{label}の終わりの後ろに別のデータ（圧縮ファイルなど）が付いているため、添付できません。"
            "スマートフォンの「動く写真」などの場合は、静止画として保存し直すか PDF にしてから添付してください。")


# The part that makes a package a document of its kind, named by its content type in [Content_Types].xml.
# Macro-enabled variants (.docm, .xlsm, .pptm) declare other content types and so are refused here as well.
OFFICE_MAIN_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
# An Office document needs none of these: a program or script stored as a part is how a "document" delivers
# malware (the reader is asked to open the embedded file), and vbaProject.bin is a macro project, which the
# plain .docx/.xlsx/.pptx types this form accepts never contain. Parts are refused by name and, for programs
# renamed to something harmless, by the first bytes of every part (MZ: Windows program, ELF: Linux program).
# Embedded OLE objects (charts, equations) stay allowed: refusing them would refuse ordinary documents.
OFFICE_FORBIDDEN_SUFFIXES = (".exe", ".dll", ".com", ".scr", ".pif", ".cpl", ".msi", ".bat", ".cmd", ".ps1",
                             ".psm1", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta", ".jar", ".lnk", ".sh")
OFFICE_MACRO_NAMES = ("vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml")
PROGRAM_MAGIC = (b"MZ", b"\x7fELF")
CONTENT_TYPES_MAX_BYTES = 1 << 20


def _check_office(path: Path, kind: str) -> None:
    import xml.etree.ElementTree as ElementTree

    label = ALLOWED_TYPES["." + kind][0]
    broken = EvidenceRejected(f"{label} のファイルとして読み取れません（ファイルが壊れているか、形式が違います）。")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            for info in infos:
                lowered = info.filename.lower()
                if lowered.rsplit("/", 1)[-1] in OFFICE_MACRO_NAMES:
                    raise EvidenceRejected(f"マクロを含む {label} ファイルは添付できません。"
                                           f"マクロのない形式（.{kind}）で保存し直してから添付してください。")
                if lowered.endswith(OFFICE_FORBIDDEN_SUFFIXES):
                    raise EvidenceRejected(f"{label} ファイルの中にプログラムやスクリプト"
                                           f"（{info.filename.rsplit('/', 1)[-1]}）が含まれているため、添付できません。")
                if info.file_size >= 2 and not info.is_dir():
                    with archive.open(info) as part:
                        if part.read(4).startswith(PROGRAM_MAGIC):
                            raise EvidenceRejected(f"{label} ファイルの中にプログラムが含まれているため、添付できません。")
            info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if info is None or info.file_size > CONTENT_TYPES_MAX_BYTES:
                raise broken
            root = ElementTree.fromstring(archive.read(info))
    except EvidenceRejected:  # a ValueError itself: not to be taken for a broken file below
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ElementTree.ParseError, OSError, ValueError,
            NotImplementedError, EOFError):
        raise broken
    main = [o.get("PartName", "").lstrip("/") for o in root if o.tag.endswith("}Override")
            and o.get("ContentType") == OFFICE_MAIN_TYPES[kind]]
    if not main or main[0] not in names:
        raise broken


def _check_structure(kind: str, path: Path) -> None:
    """Refuse a file whose structure is not that of its type, or that carries something else (EvidenceRejected)."""
    if kind == "pdf":
        _check_pdf(path)
    elif kind in ("png", "jpeg"):
        _check_image(path, kind)
    elif kind in OFFICE_MAIN_TYPES:
        _check_office(path, kind)


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
    tmp = Path(upload_folder) / TMP
    removed = 0
    if tmp.is_dir():
        for leftover in tmp.iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


@dataclass(frozen=True)
class Sweep:
    quarantined: list[str]   # stored names moved to the quarantine folder
    missing: list[str]       # stored names of rows whose file is not there


def stored_files(upload_folder: str | Path) -> set[str]:
    """Every stored file's relative name, outside tmp/ and quarantine/. A folder left open by an older
    release (755) is made 700, and its files 600; files in a 700 folder are already out of others' reach,
    so they are not each looked at (start stays fast with many files)."""
    folder = Path(upload_folder)
    found: set[str] = set()
    if not folder.is_dir():
        return found
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        if here == folder:
            dirs[:] = [d for d in dirs if d not in (TMP, QUARANTINE)]
        loose = private_files.tighten(here)
        for name in files:
            if loose:
                private_files.tighten(here / name)
            found.add((here / name).relative_to(folder).as_posix())
    return found


def sweep_orphans(upload_folder: str | Path, known: set[str], now: float) -> Sweep:
    """Move stored files that no row names (a crash between the rename and the row's commit) to
    quarantine/<time>/, never deleting them; list the rows' names whose file is missing."""
    folder = Path(upload_folder)
    present = stored_files(folder)
    quarantined = []
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    for name in sorted(present - known):
        if now - (folder / name).stat().st_mtime < ORPHAN_GRACE_SECONDS:
            continue
        target = folder / QUARANTINE / stamp / name
        private_files.make_dir(target.parent)
        os.replace(folder / name, target)
        private_files.tighten(target)
        quarantined.append(name)
    return Sweep(quarantined, sorted(known - present))


def exists(upload_folder: str | Path, stored_name: str) -> bool:
    try:
        return path_of(upload_folder, stored_name).is_file()
    except FileNotFoundError:
        return False


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
    tmp = private_files.make_dir(folder / TMP)
    random_name = secrets.token_hex(16)
    part = tmp / (random_name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with private_files.open_new(part) as out:
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
        _check_structure(detected, part)
        shard = private_files.make_dir(folder / random_name[:2])
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
