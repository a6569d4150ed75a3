"""Reference codes and the clauses they cover: ``source_problem`` checks a code of an item's
``sources`` (GUIDE …, MYNUM 別添1 …, PPC-REPORT …, PIA Ⅲ/Ⅳ …, CASE …), ``covers`` says whether
a code covers a clause, ``load_clauses`` reads clauses.yaml (the clauses of CATALOGUE.md A–E)
and ``coverage`` lists, for each clause, the items that cover it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .files import BUILTIN_DIR, CLAUSES_FILE, _display, _read_data_file
from .model import Checklist, ChecklistError, Item
from .text import _show
from .vocabulary import _vocab_text, _vocab_unknown_keys

# --------------------------------------------------------------------------- reference codes

_PIA_III_RISKS = {2: 4, 3: 4, 4: 0, 5: 3, 6: 7, 7: 3}   # risks numbered per stage in the 評価書 (seed)

_SOURCE_RES = (
    re.compile(r"GUIDE 4-8-(?:1[0-3]|[1-9])(?:\(\d{1,2}\))*"),
    re.compile(r"MYNUM 別添1 (?:1-[A-E]|2-[AB]|2-C(?:-[a-e])?|2-D(?:-[ab])?|2-E(?:-[a-d])?|2-F(?:-[a-d])?)"),
    re.compile(r"PPC-REPORT (?:1[0-5]|[1-9])"),
    re.compile(r"PIA Ⅳ-[1-3]"),
    re.compile(r"CASE [a-z0-9]+(?:-[a-z0-9]+)*"),
)
_PIA_III_RE = re.compile(r"PIA Ⅲ-(\d+)(?: リスク(\d+))?")

SOURCE_FORMS_TEXT = ("GUIDE 4-8-6(3)、MYNUM 別添1 2-C-b、PPC-REPORT 10、PIA Ⅲ-3 リスク2、PIA Ⅳ-1、"
                     "CASE tokorozawa-juki")


def source_problem(source: str) -> str | None:
    """None when ``source`` is a valid reference code, else a Japanese explanation."""
    if any(r.fullmatch(source) for r in _SOURCE_RES):
        return None
    m = _PIA_III_RE.fullmatch(source)
    if m:
        stage = int(m.group(1))
        if stage not in _PIA_III_RISKS:
            return "PIA Ⅲ は Ⅲ-2（入手）〜Ⅲ-7（保管・消去）です"
        if m.group(2) is not None:
            risk = int(m.group(2))
            most = _PIA_III_RISKS[stage]
            if most == 0:
                return f"PIA Ⅲ-{stage} には番号付きのリスクがありません（PIA Ⅲ-{stage} と書いてください）"
            if not 1 <= risk <= most:
                return f"PIA Ⅲ-{stage} のリスクは リスク1〜リスク{most} です"
        return None
    hint = ""
    if source.startswith(("事務対応ガイド", "ガイド")):
        hint = "（事務対応ガイドは GUIDE 4-8-6(3) のように書きます）"
    elif source.startswith(("番号法", "MYNUM")):
        hint = "（番号法ガイドライン別添1は MYNUM 別添1 2-C-b のように書きます）"
    elif source.startswith("PIA") and re.search(r"\b(III|IV)\b|Ⅲ|Ⅳ", source) is None:
        hint = "（PIA の部はローマ数字の全角文字 Ⅲ・Ⅳ で書きます）"
    elif re.search(r"[Ａ-Ｚａ-ｚ０-９（）　]", source):
        hint = "（英数字・括弧・空白は半角で書いてください）"
    elif source.startswith("PIA") and re.search(r"\b(III|IV)\b", source):
        hint = "（III・IV ではなく全角のローマ数字 Ⅲ・Ⅳ を使ってください）"
    return f"書き方が正しくありません{hint}。次の形で書いてください: {SOURCE_FORMS_TEXT}"


def covers(source: str, clause_ref: str) -> bool:
    """FORMAT.md: a source covers a clause when it equals the clause's ref or starts with it
    followed by '(' or ' ' (GUIDE 4-8-6(3) covers GUIDE 4-8-6, not GUIDE 4-8-61)."""
    if source == clause_ref:
        return True
    return (len(source) > len(clause_ref) and source.startswith(clause_ref)
            and source[len(clause_ref)] in "( ")


# --------------------------------------------------------------------------- clauses and coverage

CLAUSE_PARTS = ("A", "B", "C", "D", "E")


def load_clauses(folder: str | Path = BUILTIN_DIR) -> list[dict]:
    """The clauses of CATALOGUE.md A–E (clauses.yaml): [{ref, part, topic}, ...]."""
    path = Path(folder) / CLAUSES_FILE
    shown = _display(path)
    data = _read_data_file(path, shown)
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("clauses"), list) or not data["clauses"]:
        raise ChecklistError(f"{shown}: clauses: に条項のリストを書いてください")
    _vocab_unknown_keys(data, ("clauses",), shown, errors)
    out: list[dict] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["clauses"], 1):
        where = f"{shown}: {i}番目の条項"
        if not isinstance(entry, dict):
            errors.append(f"{where}: {{ref: …, part: …, topic: …}} の形で書いてください")
            continue
        _vocab_unknown_keys(entry, ("ref", "part", "topic"), where, errors)
        ref = _vocab_text(entry, "ref", where, errors)
        if ref is not None:
            where = f"{shown}: 条項 {ref}"
            problem = source_problem(ref)
            if problem:
                errors.append(f"{where}: ref の{problem}")
            if ref in seen:
                errors.append(f"{where}: ref が重複しています")
            seen.add(ref)
        part = entry.get("part")
        if part not in CLAUSE_PARTS:
            errors.append(f"{where}: part は {'/'.join(CLAUSE_PARTS)} のいずれかにしてください（{_show(part)}）")
        topic = _vocab_text(entry, "topic", where, errors)
        if ref and part in CLAUSE_PARTS and topic:
            out.append({"ref": ref, "part": part, "topic": topic})
    if errors:
        raise ChecklistError(errors)
    return out


def coverage(checklists: Iterable[Checklist], clauses: Iterable[dict | str]) -> dict[str, list[Item]]:
    """clause ref -> items whose sources cover it (every clause present, [] when uncovered)."""
    refs = [c if isinstance(c, str) else c["ref"] for c in clauses]
    items = [item for cl in checklists for item in cl.items()]
    return {ref: [item for item in items if any(covers(s, ref) for s in item.sources)] for ref in refs}
