"""Small helpers for text and numbers in checklist data, shared by the modules of this package:
the Japanese name of a value's type and a short rendering of a value (for messages), the
normalisation of text fields described in loader.py, the check for control characters, numbers
(integral floats become ints) and the "did you mean …" hint.

Package-internal: the underscore names are not for use outside ``checklists``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any


def _tname(value: Any) -> str:
    """Japanese name of a value's type, for messages."""
    if value is None:
        return "空"
    if isinstance(value, bool):
        return "真偽値（true/false）"
    if isinstance(value, (int, float)):
        return "数値"
    if isinstance(value, str):
        return "文字列"
    if isinstance(value, (list, tuple)):
        return "リスト"
    if isinstance(value, dict):
        return "対応表（キー: 値）"
    if isinstance(value, (date, datetime, time)):
        return "日付・時刻"
    return type(value).__name__


def _show(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "↵")
    return text if len(text) <= limit else text[:limit] + "…"


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x3001 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
            or 0xF900 <= o <= 0xFAFF or 0xFF01 <= o <= 0xFFEF)


def _drop_cjk_spaces(text: str) -> str:
    if " " not in text:
        return text
    out = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == " ":
            j = i
            while j < n and text[j] == " ":
                j += 1
            if out and j < n and _is_cjk(out[-1]) and _is_cjk(text[j]):
                i = j
                continue
            out.append(text[i:j])
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _norm_text(text: str, free_text: bool = True) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if free_text:
        text = _drop_cjk_spaces(text)
    return text


_BAD_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _bad_chars(text: str) -> str | None:
    """A message when text holds characters no file or spreadsheet can keep (control characters)."""
    m = _BAD_CHARS_RE.search(text)
    if m is None:
        return None
    return f"使えない制御文字（U+{ord(m.group()):04X}）が含まれています"


def _norm_number(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _suggest(word: Any, choices: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"（{close[0]} の誤りではありませんか）" if close else ""
