"""Checklist validation: ``parse_data`` checks plain data in the structure of FORMAT.md (what a
YAML or TOML file holds) against the vocabulary and builds an immutable ``Checklist``, reporting
every problem at once as Japanese messages that name the file, the item and the field;
``parse_text`` does the same for the text of a YAML or TOML file (an upload).

``_Parser`` does the checking and reports each problem through an ``emit`` callback with its
location, so that the Excel reader (xlsx.py) can name sheet, row and column instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .files import _parse_data_text
from .model import (CHECKLIST_KEYS, EXPECT_KEYS, ITEM_KEYS, SECTION_KEYS, SEVERITY_KEYS, Checklist,
                    ChecklistError, FrozenDict, Item, Scale, Section, Vocabulary)
from .sources import SOURCE_FORMS_TEXT, source_problem
from .text import _bad_chars, _is_number, _norm_number, _norm_text, _show, _suggest, _tname
from .vocabulary import _default_vocab

CHECKLIST_ID_RE = re.compile(r"[a-z][a-z0-9_-]*")
PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")   # section / item ids

# A location: () = the checklist itself, ("s", si) = a section, ("i", si, ii) = an item.
Loc = tuple
Emit = Callable[..., None]   # emit(loc, field, msg, xlsx_msg=None)


class _Parser:
    """Validates plain data (FORMAT.md structure) and builds a Checklist, reporting every problem."""

    def __init__(self, vocab: Vocabulary, emit: Emit):
        self.vocab = vocab
        self._emit = emit
        self.count = 0

    def emit(self, loc: Loc, fld: str | None, msg: str, xlsx_msg: str | None = None) -> None:
        self.count += 1
        self._emit(loc, fld, msg, xlsx_msg)

    # -- field helpers

    def unknown_keys(self, obj: dict, allowed: tuple[str, ...], loc: Loc) -> None:
        for key in obj:
            if key not in allowed:
                self.emit(loc, None, f"不明なキー「{_show(key)}」があります{_suggest(key, allowed)}"
                                     f"（使えるキー: {', '.join(allowed)}）")

    def flag(self, obj: dict, key: str, loc: Loc) -> bool:
        """An optional true/false key (absent or empty: false); anything else is reported."""
        value = obj.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.emit(loc, key, f"true か false にしてください（{_show(value)}）", "はい か いいえ にしてください")
            return False
        return value

    def text(self, obj: dict, key: str, loc: Loc, required: bool = True, free_text: bool = True) -> str | None:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.emit(loc, key, "必須です。値を書いてください")
            return None
        if not isinstance(value, str):
            self.emit(loc, key, f"文字列にしてください（{_tname(value)}になっています）")
            return None
        bad = _bad_chars(value)
        if bad:
            self.emit(loc, key, bad)
            return None
        return _norm_text(value, free_text=free_text)

    def code(self, obj: dict, key: str, loc: Loc, pattern: re.Pattern, rule: str) -> str | None:
        value = self.text(obj, key, loc, free_text=False)
        if value is None:
            return None
        if not pattern.fullmatch(value):
            self.emit(loc, key, f"{rule}（\"{_show(value)}\" は使えません）")
            return None
        return value

    def str_list(self, obj: dict, key: str, loc: Loc, example: str) -> list[str] | None:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.emit(loc, key, f"リストにしてください（{_tname(value)}になっています。例: {example}）",
                      f"{_tname(value)}になっています")
            return None
        out: list[str] = []
        ok = True
        for element in value:
            if not isinstance(element, str) or not element.strip():
                self.emit(loc, key, f"空の要素か文字列でない要素を含んでいます（{_tname(element)} {_show(element)}）")
                ok = False
                continue
            bad = _bad_chars(element)
            if bad:
                self.emit(loc, key, f"「{_show(element)}」に{bad}")
                ok = False
                continue
            text = _norm_text(element, free_text=False)
            if text in out:
                self.emit(loc, key, f"「{text}」が重複しています")
                ok = False
                continue
            out.append(text)
        return out if ok else None

    def tag_list(self, obj: dict, loc: Loc) -> list[str] | None:
        tags = self.str_list(obj, "tags", loc, "[mynumber, juki]")
        if tags is None:
            return None
        ok = True
        for tag in tags:
            if tag not in self.vocab.tags:
                self.emit(loc, "tags", f"tags.yaml にないタグ「{tag}」が含まれています{_suggest(tag, self.vocab.tags)}"
                                       f"（使えるタグ: {', '.join(self.vocab.tags)}）")
                ok = False
        return tags if ok else None

    # -- structure

    def parse(self, data: Any, source: str) -> Checklist | None:
        if not isinstance(data, dict):
            self.emit((), None, f"チェックリストの最上位は対応表（id: …, title: …, sections: …）で書いてください"
                                f"（{_tname(data)}になっています）")
            return None
        self.unknown_keys(data, CHECKLIST_KEYS, ())
        cid = self.code(data, "id", (), CHECKLIST_ID_RE,
                        "半角英小文字で始め、半角英小文字・数字・_・- だけで書いてください")
        title = self.text(data, "title", ())
        description = self.text(data, "description", (), required=False) or ""
        prefix = self.code(data, "prefix", (), PREFIX_RE, "半角英字で始め、半角英数字だけで書いてください（例: G）")
        tags = self.tag_list(data, ())

        raw_sections = data.get("sections")
        sections: list[Section] = []
        if raw_sections is None or raw_sections == [] or raw_sections == "":
            self.emit((), "sections", "必須です。区分を1つ以上書いてください", "点検項目が1行もありません")
            raw_sections = []
        elif not isinstance(raw_sections, list):
            self.emit((), "sections", f"区分のリストにしてください（{_tname(raw_sections)}になっています）")
            raw_sections = []

        section_ids: dict[str, int] = {}
        item_ids: dict[str, tuple[int, int]] = {}
        position = 0
        for si, raw_section in enumerate(raw_sections):
            loc = ("s", si)
            if not isinstance(raw_section, dict):
                self.emit(loc, None, f"区分は対応表（id: …, title: …, items: …）で書いてください"
                                     f"（{_tname(raw_section)}になっています）")
                continue
            self.unknown_keys(raw_section, SECTION_KEYS, loc)
            sid = self.code(raw_section, "id", loc, CODE_RE, "半角英数字・-・_・. で書いてください")
            if sid is not None:
                if prefix is not None and not sid.startswith(prefix + "-"):
                    self.emit(loc, "id", f"接頭辞「{prefix}-」で始めてください（例: {prefix}-01）")
                if sid in section_ids:
                    self.emit(loc, "id", f"区分 id「{sid}」が重複しています（{section_ids[sid] + 1}番目の区分と同じです）")
                else:
                    section_ids[sid] = si
            stitle = self.text(raw_section, "title", loc)
            raw_items = raw_section.get("items")
            if raw_items is None or raw_items == [] or raw_items == "":
                self.emit(loc, "items", "必須です。項目を1つ以上書いてください")
                continue
            if not isinstance(raw_items, list):
                self.emit(loc, "items", f"項目のリストにしてください（{_tname(raw_items)}になっています）")
                continue
            items: list[Item] = []
            for ii, raw_item in enumerate(raw_items):
                position += 1
                item = self.item(raw_item, si, ii, sid, stitle, position, item_ids)
                if item is not None:
                    items.append(item)
            if sid is not None and stitle is not None:
                sections.append(Section(sid, stitle, tuple(items)))

        if self.count:
            return None
        return Checklist(id=cid, title=title, description=description, prefix=prefix,
                         tags=tuple(tags), sections=tuple(sections), source=source)

    def item(self, raw: Any, si: int, ii: int, sid: str | None, stitle: str | None, position: int,
             item_ids: dict[str, tuple[int, int]]) -> Item | None:
        loc = ("i", si, ii)
        if not isinstance(raw, dict):
            self.emit(loc, None, f"項目は対応表（id: …, question: … の形）で書いてください（{_tname(raw)}になっています）")
            return None
        before = self.count
        self.unknown_keys(raw, ITEM_KEYS, loc)
        iid = self.code(raw, "id", loc, CODE_RE, "半角英数字・-・_・. で書いてください")
        if iid is not None:
            if sid is not None and not iid.startswith(sid + "-"):
                self.emit(loc, "id", f"区分 id「{sid}-」で始めてください（例: {sid}-01）")
            if iid in item_ids:
                psi, pii = item_ids[iid]
                self.emit(loc, "id", f"項目 id「{iid}」が重複しています（{psi + 1}番目の区分の {pii + 1}番目の項目と同じです）")
            else:
                item_ids[iid] = (si, ii)
        question = self.text(raw, "question", loc)
        guidance = self.text(raw, "guidance", loc)
        evidence_hint = self.text(raw, "evidence_hint", loc)

        evidence_required = self.flag(raw, "evidence_required", loc)

        scale_id = self.text(raw, "scale", loc, free_text=False)
        scale = None
        if scale_id is not None:
            scale = self.vocab.scales.get(scale_id)
            if scale is None:
                self.emit(loc, "scale", f"scales.yaml にない回答尺度です（\"{_show(scale_id)}\"）{_suggest(scale_id, self.vocab.scales)}"
                                        f"。使える回答尺度: {', '.join(self.vocab.scales)}")

        severity = raw.get("severity")
        if severity is None or (isinstance(severity, str) and not severity.strip()):
            self.emit(loc, "severity", "必須です。高/中/低 のいずれかを書いてください")
            severity = None
        elif not isinstance(severity, str) or severity.strip() not in SEVERITY_KEYS:
            self.emit(loc, "severity", f"高/中/低 のいずれかにしてください（\"{_show(severity)}\" は使えません）")
            severity = None
        else:
            severity = SEVERITY_KEYS[severity.strip()]      # the label authors write -> the stored key

        tags = self.tag_list(raw, loc)

        sources = None
        if raw.get("sources") is None or raw.get("sources") == []:
            self.emit(loc, "sources", f"必須です。根拠を1つ以上書いてください（例: {SOURCE_FORMS_TEXT}）")
        else:
            sources = self.str_list(raw, "sources", loc, "[GUIDE 4-8-2, CASE tokorozawa-juki]")
            for src in sources or ():
                problem = source_problem(src)
                if problem:
                    self.emit(loc, "sources", f"「{_show(src)}」の{problem}")

        measurement = self.flag(raw, "measurement", loc)
        if measurement is True:
            if scale is not None and scale.kind != "number":
                self.emit(loc, "measurement", f"計測項目は数値の回答尺度の項目にだけ指定できます"
                                              f"（回答尺度 {scale.id} は{_kind_ja(scale.kind)}です）")
            if raw.get("expect") is not None:
                self.emit(loc, "measurement", "計測項目には expect（「実施」とみなす値）を書けません。"
                                              "件数や人数は情報として集計し、値で判定しません")

        expect = self.expect(raw, loc, scale, measurement=measurement)

        unit = None
        if raw.get("unit") is not None:
            if scale is not None and scale.kind != "number":
                self.emit(loc, "unit", f"数値の回答尺度の項目にだけ書けます（回答尺度 {scale.id} は{_kind_ja(scale.kind)}です）")
            unit = self.text(raw, "unit", loc, free_text=False)

        if self.count != before:
            return None
        return Item(id=iid, section_id=sid or "", section_title=stitle or "", position=position,
                    question=question, guidance=guidance, evidence_hint=evidence_hint,
                    evidence_required=evidence_required, scale=scale_id, severity=severity,
                    tags=tuple(tags), sources=tuple(sources), expect=expect, unit=unit,
                    measurement=measurement)

    def expect(self, raw: dict, loc: Loc, scale: Scale | None, measurement: bool = False) -> FrozenDict | None:
        value = raw.get("expect")
        if value is None:
            if measurement:
                return None
            if scale is not None and scale.kind == "date":
                self.emit(loc, "expect", f"日付の回答尺度（{scale.id}）の項目には、何日以内なら「実施」とみなすかを書いてください"
                                         "（例: {within_days: 365}）",
                          f"日付の回答尺度（{scale.id}）の項目には必要です（例: within_days=365）")
            elif scale is not None and scale.kind == "number":
                self.emit(loc, "expect", f"数値の回答尺度（{scale.id}）の項目には、どの値なら「実施」とみなすかを書いてください"
                                         "（例: {at_least: 100} 又は {at_most: 0}）",
                          f"数値の回答尺度（{scale.id}）の項目には必要です（例: at_least=100 又は at_most=0）")
            return None
        if scale is not None and scale.kind == "choice":
            self.emit(loc, "expect", f"選択式の回答尺度（{scale.id}）の項目には書けません（日付・数値の回答尺度だけに書けます）")
            return None
        if not isinstance(value, dict) or not value:
            self.emit(loc, "expect", f"{{within_days: 35}} のような対応表にしてください（{_tname(value)}になっています）",
                      "within_days=35 のように「キー=数値」で書いてください")
            return None
        allowed = EXPECT_KEYS[scale.kind] if scale is not None else EXPECT_KEYS["date"] + EXPECT_KEYS["number"]
        out: dict[str, Any] = {}
        ok = True
        for key, val in value.items():
            if key not in allowed:
                kind = f"（回答尺度 {scale.id} は{_kind_ja(scale.kind)}）" if scale is not None else ""
                self.emit(loc, "expect", f"使えないキー「{_show(key)}」があります{_suggest(key, allowed)}{kind}。"
                                         f"使えるキー: {', '.join(allowed)}")
                ok = False
                continue
            if not _is_number(val):
                self.emit(loc, "expect", f"{key} の値は数値にしてください（\"{_show(val)}\"）")
                ok = False
                continue
            val = _norm_number(val)
            if key == "within_days" and (not isinstance(val, int) or val < 0):
                self.emit(loc, "expect", f"within_days は 0 以上の整数（日数）にしてください（{_show(val)}）")
                ok = False
                continue
            if scale is not None and key in ("at_least", "at_most"):
                if (scale.min is not None and val < scale.min) or (scale.max is not None and val > scale.max):
                    self.emit(loc, "expect", f"{key} の値 {val} が回答尺度 {scale.id} の範囲"
                                             f"（{_range_ja(scale)}）を外れています")
                    ok = False
                    continue
            out[key] = val
        if ok and "at_least" in out and "at_most" in out and out["at_least"] > out["at_most"]:
            self.emit(loc, "expect", "at_least が at_most より大きくなっています")
            ok = False
        return FrozenDict(out) if ok else None


def _kind_ja(kind: str) -> str:
    return {"choice": "選択式", "date": "日付", "number": "数値"}.get(kind, kind)


def _range_ja(scale: Scale) -> str:
    low = "" if scale.min is None else str(scale.min)
    high = "" if scale.max is None else str(scale.max)
    return f"{low}〜{high}"


def _dict_formatter(shown: str, data: Any, errors: list[str]) -> Emit:
    """Messages for YAML / TOML / plain data: 'file: 項目 G-05-03: severity は …'."""

    def section_name(si: int) -> str:
        try:
            sid = data["sections"][si].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            sid = None
        if isinstance(sid, str) and sid.strip():
            return f"区分 {sid.strip()}"
        return f"{si + 1}番目の区分"

    def where(loc: Loc) -> str:
        if not loc:
            return ""
        if loc[0] == "s":
            return section_name(loc[1])
        try:
            iid = data["sections"][loc[1]]["items"][loc[2]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            iid = None
        if isinstance(iid, str) and iid.strip():
            return f"項目 {iid.strip()}"
        return f"{section_name(loc[1])} の {loc[2] + 1}番目の項目"

    def emit(loc: Loc, fld: str | None, msg: str, xlsx_msg: str | None = None) -> None:
        parts = [shown]
        w = where(loc)
        if w:
            parts.append(w)
        parts.append(f"{fld} は {msg}" if fld else msg)
        errors.append(": ".join(parts))

    return emit


def parse_data(data: dict, source: str, vocab: Vocabulary | None = None) -> Checklist:
    """Validate plain data (FORMAT.md structure) and build a Checklist.

    ``source`` names the data in messages and becomes ``Checklist.source``.
    Raises ChecklistError listing every problem."""
    vocab = _default_vocab(vocab)
    errors: list[str] = []
    checklist = _Parser(vocab, _dict_formatter(source, data, errors)).parse(data, source)
    if errors or checklist is None:
        raise ChecklistError(errors or [f"{source}: チェックリストを読み込めません"])
    return checklist


def parse_text(text: str, suffix: str, name: str, vocab: Vocabulary | None = None) -> Checklist:
    """Validate the text of a checklist file that is not on disk (an upload) and build a Checklist.

    ``suffix`` chooses the syntax (.toml: TOML, .yaml / .yml: YAML); ``name`` names the file in
    messages and becomes ``Checklist.source``.  Raises ChecklistError listing every problem, with
    the messages of ``load_file``."""
    return parse_data(_parse_data_text(text, suffix, name), name, vocab)
