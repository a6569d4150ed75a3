"""Download file names: Japanese names a person recognises (no 課 codes), and the header that carries them.

Browsers take the Japanese name from `filename*` (RFC 5987, UTF-8); `filename` keeps an ASCII name for old
clients. One home for both, used by every download whose name is built from records.
"""
from __future__ import annotations

import re
from urllib.parse import quote

# Characters Windows forbids in file names, control characters, and the separator used between parts.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SPACES = re.compile(r"\s+")


def file_name(*parts: str, extension: str) -> str:
    """点検票_令和7年度_保健部_健康づくり課_全課共通.pdf from its parts (empty parts are left out)."""
    cleaned = [_SPACES.sub("", _UNSAFE.sub("・", str(p))).replace("_", "＿") for p in parts if p]
    return "_".join(p for p in cleaned if p)[:150] + "." + extension


def content_disposition(name: str, fallback: str) -> str:
    """`attachment` with the Japanese name for browsers and an ASCII `fallback` (e.g. sheet-12.pdf)."""
    return f"attachment; filename={fallback}; filename*=UTF-8''{quote(name)}"


def short_title(title: str) -> str:
    """A checklist's title as a file name part: 全課共通 for 「…自己点検票（全課共通）」, else the whole title."""
    match = re.search(r"（([^（）]+)）$", title or "")
    return match.group(1) if match else (title or "")


def sheet_file_name(sheet, extension: str) -> str:
    """A sheet's PDF or Excel: 点検票_令和7年度_保健部_健康づくり課_全課共通.pdf. A pia sheet is answered once per
    評価書, so its name carries the 評価書 (事務 and kind) instead of the checklist's long title: two pia sheets of one
    課 never share a name."""
    from .pia.values import sheet_assessment_title
    from .wareki import hankaku, nendo

    subject = sheet_assessment_title(sheet) or short_title(sheet["checklist_title"])
    return file_name("点検票", nendo(sheet["fiscal_year"], digits=hankaku), sheet["bureau_name"],
                     sheet["department_name"], subject, extension=extension)
