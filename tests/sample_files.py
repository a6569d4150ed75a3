"""Small real files of each evidence type (made by the libraries that write them), and polyglots built from them."""
from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from PIL import Image
from pypdf import PdfWriter


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Subject": "令和7年度 操作ログ確認記録 " * 80})  # so that its end is past the first 1445 bytes
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format={"png": "PNG", "jpeg": "JPEG"}[kind])
    return buffer.getvalue()


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "確認記録"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


OFFICE_MAIN = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


def office(kind: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal package of `kind` (xlsx written by openpyxl; docx/pptx by hand), plus `extra` parts."""
    if kind == "xlsx" and not extra:
        return xlsx()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind == "xlsx":
            with zipfile.ZipFile(io.BytesIO(xlsx())) as source:
                for info in source.infolist():
                    archive.writestr(info, source.read(info))
        else:
            part, content_type = OFFICE_MAIN[kind]
            archive.writestr("[Content_Types].xml", (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'))
            archive.writestr("_rels/.rels", "<Relationships/>")
            archive.writestr(part, "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def package(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_archive() -> bytes:
    return package({"payload.exe": b"MZ\x90\x00" + b"\x00" * 60})


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
