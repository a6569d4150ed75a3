"""Reference codes and the clauses they cover: ``source_problem`` checks a code of an item's
``sources`` (GUIDE …, MYNUM 別添1 …, PPC-REPORT …, PIA Ⅲ/Ⅳ …, CASE …), ``source_label`` turns a
code into the words a reader knows (the one place that does), ``covers`` says whether a code covers a
clause, ``load_clauses`` reads clauses.yaml (the clauses of CATALOGUE.md A–E) and ``coverage`` lists,
for each clause, the items that cover it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .casebook import parse_casebook
from .files import BUILTIN_DIR, CASEBOOK_FILE, CLAUSES_FILE, _display, _read_data_file
from .model import Checklist, ChecklistError, Item
from .text import _show
from .vocabulary import _vocab_text, _vocab_unknown_keys, load_vocabulary

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


# The lessons of the seeds' incidents (CATALOGUE.md E, clauses.yaml part E), as a reader names them.
SEED_LESSONS = {
    "tokorozawa-koyo": "所沢市の事案（公用申請）",
    "tokorozawa-juki": "所沢市の事案（住基ネットの利用）",
    "tokorozawa-atena": "所沢市の事案（統合宛名システムの利用）",
    "tokorozawa-report": "所沢市の事案（委員会への報告の遅れ）",
    "setagaya-fax": "世田谷区の事案（ファクシミリの誤送信）",
    "setagaya-publish": "世田谷区の事案（意見の公表時の個人情報の掲載）",
    "setagaya-disposal": "世田谷区の事案（文書の誤廃棄）",
    "setagaya-terminal": "世田谷区の統合端末の管理（住基ネットのセキュリティ対策）",
    "juki-outsourcing": "住民基本台帳の電算処理の委託に関する検討会報告書",
}
# Code prefix -> the document's name, as the 委員会 and the 審議会 call it.
_SOURCE_DOCUMENTS = (
    ("GUIDE ", "事務対応ガイド "),
    ("MYNUM 別添1 ", "番号法ガイドライン（別添1）"),
    ("PPC-REPORT ", "委員会への定期的な報告 テーマ"),
    ("PIA ", "特定個人情報保護評価書 "),
)
_CASE_RE = re.compile(r"CASE ([a-z0-9]+(?:-[a-z0-9]+)*)")
# Any reference code inside free text (a 関係条項 typed or pre-filled with codes).
_CODE_IN_TEXT = re.compile(
    r"GUIDE 4-8-\d+(?:\(\d{1,2}\))*|MYNUM 別添1 [12]-[A-F](?:-[a-e])?|PPC-REPORT \d+"
    r"|PIA [ⅢⅣ]-\d+(?: リスク\d+)?|CASE [a-z0-9]+(?:-[a-z0-9]+)*")


@lru_cache(maxsize=1)
def _casebook_names() -> dict[str, str]:
    """casebook id -> 「兵庫県尼崎市の事案（2022年、紛失・盗難）」 (the built-in casebook, read once)."""
    path = BUILTIN_DIR / CASEBOOK_FILE
    try:
        cases, _errors = parse_casebook(_read_data_file(path, _display(path)), _display(path),
                                        load_vocabulary(BUILTIN_DIR))
    except ChecklistError:
        return {}
    return {c.id: f"{c.body}の事案（{c.date[:4]}年、{c.kind}）" for c in cases}


def source_label(code: str) -> str:
    """A reference code in a reader's words: 'GUIDE 4-8-5' -> '事務対応ガイド 4-8-5',
    'MYNUM 別添1 2-C-b' -> '番号法ガイドライン（別添1）2-C-b', 'CASE tokorozawa-koyo' ->
    '所沢市の事案（公用申請）', a casebook id -> its body, year and kind. Other text comes back as it is."""
    code = (code or "").strip()
    for prefix, document in _SOURCE_DOCUMENTS:
        if code.startswith(prefix):
            return document + code[len(prefix):]
    match = _CASE_RE.fullmatch(code)
    if match:
        name = match.group(1)
        return SEED_LESSONS.get(name) or _casebook_names().get(name) or f"事例「{name}」"
    return code


def sources_text(codes: Iterable[str]) -> str:
    """Several codes as one line: 「事務対応ガイド 4-8-5、世田谷区の事案（文書の誤廃棄）」."""
    return "、".join(source_label(c) for c in codes)


def human_text(text: str) -> str:
    """Free text with every reference code in it replaced by its label (a 関係条項 typed as codes)."""
    return _CODE_IN_TEXT.sub(lambda m: source_label(m.group(0)), text or "")


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
