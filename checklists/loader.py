"""Load, validate and convert checklist data files (see FORMAT.md).

Pure Python: no database, no Flask.  The web application calls
``load_builtin()`` / ``load_file()`` / ``read_xlsx()`` and gets immutable
``Checklist`` objects, or a ``ChecklistError`` whose ``errors`` list holds
every problem found, each as a Japanese message naming the file, the item and
the field (or, for Excel, the sheet, row and column).

Command line (content writers)::

    python -m checklists.loader lint checklists/general.yaml ...
    python -m checklists.loader lint                # every built-in file
    python -m checklists.loader coverage            # clauses without an item
    python -m checklists.loader to-xlsx checklists/general.yaml general.xlsx
    python -m checklists.loader to-yaml general.xlsx [-o general.yaml]

Normalisation (so that equal content gives an equal ``content_hash`` whatever
the file format): text fields are stripped, line ends become ``\\n``, trailing
spaces of lines are removed, and an ASCII space between two Japanese
characters (what YAML's folded ``>`` style inserts at a line break) is removed
from free-text fields.  Integral floats in ``expect`` become ints.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import io
import json
import math
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

BUILTIN_DIR = Path(__file__).parent

VOCABULARY_FILES = ("scales.yaml", "tags.yaml")
CLAUSES_FILE = "clauses.yaml"
NON_CHECKLIST_FILES = frozenset(VOCABULARY_FILES + (CLAUSES_FILE,))
CHECKLIST_SUFFIXES = (".yaml", ".yml", ".toml")
LOADABLE_SUFFIXES = CHECKLIST_SUFFIXES + (".xlsx",)

SEVERITIES = ("高", "中", "低")
SCALE_KINDS = ("choice", "date", "number")
EXPECT_KEYS = {"date": ("within_days",), "number": ("at_least", "at_most")}

CHECKLIST_KEYS = ("id", "title", "description", "prefix", "tags", "sections")
SECTION_KEYS = ("id", "title", "items")
ITEM_KEYS = ("id", "question", "guidance", "evidence_hint", "evidence_required", "scale",
             "severity", "tags", "sources", "expect", "unit")

CHECKLIST_ID_RE = re.compile(r"[a-z][a-z0-9_-]*")
PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")   # section / item ids
VOCAB_ID_RE = re.compile(r"[a-z][a-z0-9_]*")


# --------------------------------------------------------------------------- errors and data


class ChecklistError(Exception):
    """Invalid checklist data. ``errors`` holds every message (Japanese) a user needs."""

    def __init__(self, errors: Iterable[str] | str):
        if isinstance(errors, str):
            errors = [errors]
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


class FrozenDict(Mapping):
    """Read-only, hashable mapping (used for ``Item.expect``): ``item.expect["within_days"]``,
    ``dict(item.expect)``, ``item.expect.get("at_least")`` all work."""

    __slots__ = ("_data",)

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_data", dict(*args, **kwargs))

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __hash__(self):
        return hash(frozenset(self._data.items()))

    def __eq__(self, other):
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other.items())
        return NotImplemented

    def __setattr__(self, name, value):
        raise AttributeError("FrozenDict is read-only")

    def __repr__(self):
        return f"FrozenDict({self._data!r})"

    def __reduce__(self):                 # pickle / copy.deepcopy
        return (FrozenDict, (dict(self._data),))


@dataclass(frozen=True)
class ScaleOption:
    id: str
    label: str
    category: str


@dataclass(frozen=True)
class Scale:
    id: str
    label: str
    kind: str                          # 'choice' | 'date' | 'number'
    options: tuple[ScaleOption, ...] = ()
    unit: str | None = None
    min: int | float | None = None
    max: int | float | None = None

    def option(self, option_id: str) -> ScaleOption | None:
        for opt in self.options:
            if opt.id == option_id:
                return opt
        return None


@dataclass(frozen=True)
class Tag:
    id: str
    label: str
    description: str


@dataclass(frozen=True)
class Vocabulary:
    scales: dict[str, Scale]
    tags: dict[str, Tag]
    categories: tuple[str, ...]          # in the order of scales.yaml: 実施, 課題あり, 未実施, 該当しない
    gap_categories: frozenset[str]       # categories that need an 改善予定


@dataclass(frozen=True)
class Item:
    id: str
    section_id: str
    section_title: str
    position: int                        # 1-based order of the item in the whole checklist
    question: str
    guidance: str
    evidence_hint: str
    evidence_required: bool
    scale: str
    severity: str                        # 高 / 中 / 低
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    expect: FrozenDict | None            # read-only mapping, e.g. {"within_days": 35}; None if absent
    unit: str | None                     # overrides the scale's unit (number scales only)

    def data(self) -> dict:
        """The item in the plain-data form of FORMAT.md."""
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "guidance": self.guidance,
            "evidence_hint": self.evidence_hint,
            "evidence_required": self.evidence_required,
            "scale": self.scale,
            "severity": self.severity,
            "tags": list(self.tags),
            "sources": list(self.sources),
        }
        if self.expect is not None:
            out["expect"] = dict(self.expect)
        if self.unit is not None:
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    description: str                     # "" when absent
    prefix: str
    tags: tuple[str, ...]
    sections: tuple[Section, ...]
    source: str = field(default="", compare=False)   # file name, or 'Excel'

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> Item | None:
        for item in self.items():
            if item.id == item_id:
                return item
        return None

    def to_data(self) -> dict:
        """Canonical plain-data form: the YAML structure of FORMAT.md (keys in its order)."""
        out: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.description:
            out["description"] = self.description
        out["prefix"] = self.prefix
        out["tags"] = list(self.tags)
        out["sections"] = [
            {"id": s.id, "title": s.title, "items": [item.data() for item in s.items]}
            for s in self.sections
        ]
        return out

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of ``to_data()``: equal content gives an equal hash."""
        text = json.dumps(self.to_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- small helpers


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


def _display(path: Path) -> str:
    """A path as users should read it: relative to the repository or the working directory."""
    try:
        resolved = Path(path).resolve()
    except OSError:
        return str(path)
    for base in (BUILTIN_DIR.parent, Path.cwd()):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


# --------------------------------------------------------------------------- YAML / TOML reading


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "キーにリストや対応表は使えません", key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"キー「{key}」が重複しています（{seen[key].line + 1}行目にもあります）",
                key_node.start_mark)
        seen[key] = key_node.start_mark
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_YAML_PROBLEMS = {
    "mapping values are not allowed here":
        "ここに「キー: 値」は書けません（字下げ、又は値の中の「: 」を確認してください。値に「: 」を含めるときは引用符で囲んでください）",
    "found character '\\t' that cannot start any token":
        "タブ文字は使えません。字下げには半角スペースを使ってください",
    "could not find expected ':'": "「キー: 値」の「:」が見つかりません",
    "did not find expected key": "キーが見つかりません（字下げを確認してください）",
    "did not find expected '-' indicator": "リストの「- 」が見つかりません（字下げを確認してください）",
    "found undefined alias": "定義されていない別名（*…）があります",
    "found unexpected end of stream": "ファイルが途中で終わっています（引用符や括弧の閉じ忘れを確認してください）",
    "found unknown escape character": "引用符 \" の中に使えないエスケープ文字 \\ があります（' で囲むか \\\\ と書いてください）",
    "expected <block end>, but found '<block sequence start>'": "字下げがそろっていません",
    "expected <block end>, but found '<block mapping start>'": "字下げがそろっていません",
    "expected <block end>, but found '-'": "字下げがそろっていません",
}


def _yaml_error_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    text = _YAML_PROBLEMS.get(problem, problem)
    if mark is not None:
        return f"YAML の書き方に誤りがあります（{mark.line + 1}行目 {mark.column + 1}列）: {text}"
    return f"YAML の書き方に誤りがあります: {text}"


def _read_text(path: Path, shown: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ChecklistError(f"{shown}: ファイルがありません")
    except OSError as exc:
        raise ChecklistError(f"{shown}: ファイルを読み込めません（{exc.strerror or exc}）")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ChecklistError(f"{shown}: 文字コードを UTF-8 にして保存してください（{line}行目に UTF-8 でない文字があります）")


def _parse_yaml_text(text: str, shown: str) -> Any:
    try:
        data = yaml.load(text, Loader=_StrictLoader)   # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ChecklistError(f"{shown}: {_yaml_error_message(exc)}")
    if data is None:
        raise ChecklistError(f"{shown}: ファイルが空です")
    return data


_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def _parse_toml_text(text: str, shown: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS_RE.search(msg)
        detail = _TOML_POS_RE.sub("", msg)
        if m and m.group(1):
            where = f"（{m.group(1)}行目 {m.group(2)}列）"
        elif m:
            where = "（ファイルの末尾）"
        else:
            where = ""
        raise ChecklistError(f"{shown}: TOML の書き方に誤りがあります{where}: {detail}")


def _parse_data_text(text: str, suffix: str, shown: str) -> Any:
    """The text of a data file: TOML when ``suffix`` is .toml, else YAML."""
    if suffix.lower() == ".toml":
        return _parse_toml_text(text, shown)
    return _parse_yaml_text(text, shown)


def _read_data_file(path: Path, shown: str) -> Any:
    return _parse_data_text(_read_text(path, shown), path.suffix, shown)


# --------------------------------------------------------------------------- vocabulary


def _vocab_unknown_keys(obj: dict, allowed: tuple[str, ...], where: str, errors: list[str]) -> None:
    for key in obj:
        if key not in allowed:
            errors.append(f"{where}: 不明なキー「{key}」があります{_suggest(key, allowed)}"
                          f"（使えるキー: {', '.join(allowed)}）")


def _vocab_text(obj: dict, key: str, where: str, errors: list[str], required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(f"{where}: {key} は 必須です")
        return None
    if not isinstance(value, str):
        errors.append(f"{where}: {key} は 文字列にしてください（{_tname(value)}になっています）")
        return None
    bad = _bad_chars(value)
    if bad:
        errors.append(f"{where}: {key} は {bad}")
        return None
    return _norm_text(value, free_text=False)


def _vocab_list(data: Any, key: str, shown: str, errors: list[str]) -> list:
    if not isinstance(data, dict):
        errors.append(f"{shown}: 最上位は対応表（{key}: …）で書いてください")
        return []
    value = data.get(key)
    if not isinstance(value, list) or not value:
        errors.append(f"{shown}: {key} は 1件以上のリストにしてください")
        return []
    return value


def load_vocabulary(folder: str | Path = BUILTIN_DIR) -> Vocabulary:
    """Read and validate ``scales.yaml`` and ``tags.yaml`` of ``folder``."""
    folder = Path(folder)
    errors: list[str] = []
    loaded: dict[str, Any] = {}
    for name in VOCABULARY_FILES:
        shown = _display(folder / name)
        try:
            loaded[name] = _read_data_file(folder / name, shown)
        except ChecklistError as exc:
            errors.extend(exc.errors)
            loaded[name] = None

    categories: list[str] = []
    gaps: set[str] = set()
    scales: dict[str, Scale] = {}
    tags: dict[str, Tag] = {}

    data = loaded["scales.yaml"]
    if data is not None:
        shown = _display(folder / "scales.yaml")
        if isinstance(data, dict):
            _vocab_unknown_keys(data, ("categories", "scales"), shown, errors)
        for i, cat in enumerate(_vocab_list(data, "categories", shown, errors), 1):
            where = f"{shown}: categories の {i}番目"
            if not isinstance(cat, dict):
                errors.append(f"{where}: {{id: …, gap: true/false}} の形で書いてください")
                continue
            _vocab_unknown_keys(cat, ("id", "gap"), where, errors)
            cid = _vocab_text(cat, "id", where, errors)
            if not isinstance(cat.get("gap"), bool):
                errors.append(f"{where}: gap は true か false にしてください")
            if cid is None:
                continue
            if cid in categories:
                errors.append(f"{where}: 区分「{cid}」が重複しています")
                continue
            categories.append(cid)
            if cat.get("gap") is True:
                gaps.add(cid)
        for i, sc in enumerate(_vocab_list(data, "scales", shown, errors), 1):
            where = f"{shown}: scales の {i}番目"
            if not isinstance(sc, dict):
                errors.append(f"{where}: 対応表（id: …, label: …, kind: …）で書いてください")
                continue
            _vocab_unknown_keys(sc, ("id", "label", "kind", "options", "unit", "min", "max"), where, errors)
            sid = _vocab_text(sc, "id", where, errors)
            if sid is not None:
                where = f"{shown}: 回答尺度 {sid}"
                if not VOCAB_ID_RE.fullmatch(sid):
                    errors.append(f"{where}: id は半角英小文字・数字・_ で書いてください")
            label = _vocab_text(sc, "label", where, errors)
            kind = sc.get("kind")
            if kind not in SCALE_KINDS:
                errors.append(f"{where}: kind は {' / '.join(SCALE_KINDS)} のいずれかにしてください（{_show(kind)}）")
            options: list[ScaleOption] = []
            raw_options = sc.get("options")
            if kind == "choice":
                if not isinstance(raw_options, list) or not raw_options:
                    errors.append(f"{where}: 選択式（choice）には options を1件以上書いてください")
                    raw_options = []
                seen_opts: set[str] = set()
                for j, opt in enumerate(raw_options, 1):
                    owhere = f"{where}: options の {j}番目"
                    if not isinstance(opt, dict):
                        errors.append(f"{owhere}: {{id: …, label: …, category: …}} の形で書いてください")
                        continue
                    _vocab_unknown_keys(opt, ("id", "label", "category"), owhere, errors)
                    oid = _vocab_text(opt, "id", owhere, errors)
                    olabel = _vocab_text(opt, "label", owhere, errors)
                    ocat = _vocab_text(opt, "category", owhere, errors)
                    if ocat is not None and categories and ocat not in categories:
                        errors.append(f"{owhere}: category は {' / '.join(categories)} のいずれかにしてください（{ocat}）")
                    if oid is not None and oid in seen_opts:
                        errors.append(f"{owhere}: 選択肢 id「{oid}」が重複しています")
                    if oid is not None:
                        seen_opts.add(oid)
                    if oid and olabel and ocat:
                        options.append(ScaleOption(oid, olabel, ocat))
            elif raw_options is not None:
                errors.append(f"{where}: options は選択式（choice）の回答尺度にだけ書けます")
            unit = None
            if "unit" in sc:
                if kind != "number":
                    errors.append(f"{where}: unit は数値（number）の回答尺度にだけ書けます")
                unit = _vocab_text(sc, "unit", where, errors)
            bounds: dict[str, Any] = {}
            for key in ("min", "max"):
                if key in sc:
                    if kind != "number":
                        errors.append(f"{where}: {key} は数値（number）の回答尺度にだけ書けます")
                    if not _is_number(sc[key]):
                        errors.append(f"{where}: {key} は数値にしてください（{_show(sc[key])}）")
                    else:
                        bounds[key] = _norm_number(sc[key])
            if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
                errors.append(f"{where}: min が max より大きくなっています")
            if sid is not None and sid in scales:
                errors.append(f"{where}: 回答尺度 id「{sid}」が重複しています")
            elif sid and label and kind in SCALE_KINDS:
                scales[sid] = Scale(sid, label, kind, tuple(options), unit, bounds.get("min"), bounds.get("max"))

    data = loaded["tags.yaml"]
    if data is not None:
        shown = _display(folder / "tags.yaml")
        if isinstance(data, dict):
            _vocab_unknown_keys(data, ("tags",), shown, errors)
        for i, tg in enumerate(_vocab_list(data, "tags", shown, errors), 1):
            where = f"{shown}: tags の {i}番目"
            if not isinstance(tg, dict):
                errors.append(f"{where}: {{id: …, label: …, description: …}} の形で書いてください")
                continue
            _vocab_unknown_keys(tg, ("id", "label", "description"), where, errors)
            tid = _vocab_text(tg, "id", where, errors)
            if tid is not None:
                where = f"{shown}: タグ {tid}"
                if not VOCAB_ID_RE.fullmatch(tid):
                    errors.append(f"{where}: id は半角英小文字・数字・_ で書いてください")
            label = _vocab_text(tg, "label", where, errors)
            desc = _vocab_text(tg, "description", where, errors)
            if tid is not None and tid in tags:
                errors.append(f"{where}: タグ id「{tid}」が重複しています")
            elif tid and label and desc:
                tags[tid] = Tag(tid, label, desc)

    if errors:
        raise ChecklistError(errors)
    return Vocabulary(scales=scales, tags=tags, categories=tuple(categories),
                      gap_categories=frozenset(gaps))


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


# --------------------------------------------------------------------------- checklist validation

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

        evidence_required = raw.get("evidence_required", False)
        if evidence_required is None:
            evidence_required = False
        if not isinstance(evidence_required, bool):
            self.emit(loc, "evidence_required", f"true か false にしてください（{_show(evidence_required)}）",
                      "はい か いいえ にしてください")

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
        elif not isinstance(severity, str) or severity.strip() not in SEVERITIES:
            self.emit(loc, "severity", f"高/中/低 のいずれかにしてください（\"{_show(severity)}\" は使えません）")
            severity = None
        else:
            severity = severity.strip()

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

        expect = self.expect(raw, loc, scale)

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
                    tags=tuple(tags), sources=tuple(sources), expect=expect, unit=unit)

    def expect(self, raw: dict, loc: Loc, scale: Scale | None) -> FrozenDict | None:
        value = raw.get("expect")
        if value is None:
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


def _default_vocab(vocab: Vocabulary | None) -> Vocabulary:
    return vocab if vocab is not None else load_vocabulary(BUILTIN_DIR)


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


def load_file(path: str | Path, vocab: Vocabulary | None = None) -> Checklist:
    """Load a .yaml / .yml / .toml / .xlsx checklist. Raises ChecklistError."""
    path = Path(path)
    shown = _display(path)
    suffix = path.suffix.lower()
    if suffix not in LOADABLE_SUFFIXES:
        raise ChecklistError(f"{shown}: 拡張子「{path.suffix or '（なし）'}」のファイルは読み込めません"
                             f"（{' / '.join(LOADABLE_SUFFIXES)} のいずれか）")
    vocab = _default_vocab(vocab)
    if suffix == ".xlsx":
        if not path.exists():
            raise ChecklistError(f"{shown}: ファイルがありません")
        return read_xlsx(path, vocab, name=shown)
    data = _read_data_file(path, shown)
    errors: list[str] = []
    checklist = _Parser(vocab, _dict_formatter(shown, data, errors)).parse(data, path.name)
    if errors or checklist is None:
        raise ChecklistError(errors)
    return checklist


def builtin_files(folder: str | Path = BUILTIN_DIR) -> list[Path]:
    """Checklist data files of a folder: every *.yaml/*.yml/*.toml except scales/tags/clauses."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in CHECKLIST_SUFFIXES
                  and p.name not in NON_CHECKLIST_FILES and not p.name.startswith("."))


def _cross_check(checklists: list[Checklist], shown: dict[int, str]) -> list[str]:
    """Checklist ids and prefixes must be unique across files."""
    errors: list[str] = []
    by_id: dict[str, Checklist] = {}
    by_prefix: dict[str, Checklist] = {}
    for cl in checklists:
        name = shown.get(id(cl), cl.source)
        if cl.id in by_id:
            errors.append(f"{name}: id は 他のチェックリストと重複しています（\"{cl.id}\" は "
                          f"{shown.get(id(by_id[cl.id]), by_id[cl.id].source)} でも使われています）")
        else:
            by_id[cl.id] = cl
        if cl.prefix in by_prefix:
            errors.append(f"{name}: prefix は 他のチェックリストと重複しています（\"{cl.prefix}\" は "
                          f"{shown.get(id(by_prefix[cl.prefix]), by_prefix[cl.prefix].source)} でも使われています）")
        else:
            by_prefix[cl.prefix] = cl
    return errors


def load_builtin(folder: str | Path = BUILTIN_DIR, vocab: Vocabulary | None = None) -> list[Checklist]:
    """Every checklist file of ``folder`` (sorted by file name). Raises ChecklistError with the
    errors of all files, including ids or prefixes used by two checklists."""
    vocab = vocab if vocab is not None else load_vocabulary(folder)
    checklists: list[Checklist] = []
    shown: dict[int, str] = {}
    errors: list[str] = []
    for path in builtin_files(folder):
        try:
            cl = load_file(path, vocab)
        except ChecklistError as exc:
            errors.extend(exc.errors)
            continue
        checklists.append(cl)
        shown[id(cl)] = _display(path)
    errors.extend(_cross_check(checklists, shown))
    if errors:
        raise ChecklistError(errors)
    return checklists


def _lint(paths: Iterable[str | Path]) -> tuple[list[str], list[Checklist], list[Path]]:
    errors: list[str] = []
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(builtin_files(p))
            for name in NON_CHECKLIST_FILES:
                if (p / name).exists():
                    files.append(p / name)
        else:
            files.append(p)
    try:
        vocab = load_vocabulary(BUILTIN_DIR)
    except ChecklistError as exc:
        return list(exc.errors), [], files
    checklists: list[Checklist] = []
    shown: dict[int, str] = {}
    seen: set[Path] = set()
    for path in files:
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            if path.name in VOCABULARY_FILES:
                load_vocabulary(path.parent)
            elif path.name == CLAUSES_FILE:
                load_clauses(path.parent)
            else:
                cl = load_file(path, vocab)
                checklists.append(cl)
                shown[id(cl)] = _display(path)
        except ChecklistError as exc:
            errors.extend(e for e in exc.errors if e not in errors)
    errors.extend(_cross_check(checklists, shown))
    return errors, checklists, files


def lint(paths: Iterable[str | Path]) -> list[str]:
    """Every error message across the files (folders expand to their data files); [] when fine."""
    return _lint(paths)[0]


# --------------------------------------------------------------------------- YAML output


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)      # indent list items under their key


def _represent_str(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(checklist: Checklist) -> str:
    """Readable YAML (Japanese as is, block style, keys in FORMAT.md order)."""
    return yaml.dump(checklist.to_data(), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=4096, indent=2)


# --------------------------------------------------------------------------- Excel

SHEET_CHECKLIST = "チェックリスト"
SHEET_ITEMS = "点検項目"
SHEET_TAGS = "タグ一覧"
SHEET_SCALES = "回答尺度一覧"

CHECKLIST_ROWS = (("ID", "id"), ("名称", "title"), ("説明", "description"), ("接頭辞", "prefix"),
                  ("対象タグ", "tags"))
# (header, field, width, required column)
ITEM_COLUMNS = (
    ("項目ID", "id", 12, True),
    ("区分ID", "section_id", 9, True),
    ("区分名", "section_title", 18, True),
    ("質問", "question", 50, True),
    ("解説", "guidance", 50, True),
    ("証跡の例", "evidence_hint", 30, True),
    ("証跡必須", "evidence_required", 9, False),
    ("回答尺度", "scale", 15, True),
    ("重要度", "severity", 8, True),
    ("対象タグ", "tags", 16, False),
    ("根拠", "sources", 24, True),
    ("期待値", "expect", 16, False),
    ("単位", "unit", 7, False),
)
YES, NO = "はい", "いいえ"
_MULTI_SPLIT_RE = re.compile(r"[\n;；、,，]")
_EXPECT_PAIR_RE = re.compile(r"\s*([^=＝:：\s]+)\s*[=＝:：]\s*(\S+)\s*")


def _cell_text(value: Any) -> str:
    """A cell's value as text (numbers, dates and booleans too)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _split_multi(text: str) -> list[str]:
    return [part.strip() for part in _MULTI_SPLIT_RE.split(text) if part.strip()]


def _format_expect(expect: Mapping | None) -> str:
    if not expect:
        return ""
    return "; ".join(f"{k}={v}" for k, v in expect.items())


def _set(cell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"      # text, never a formula


def write_xlsx(checklist: Checklist, path_or_file, vocab: Vocabulary | None = None) -> None:
    """Write the checklist as an Excel workbook (sheets チェックリスト and 点検項目, plus
    reference sheets タグ一覧 and 回答尺度一覧 that read_xlsx ignores)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    try:
        vocab = _default_vocab(vocab)
    except ChecklistError:
        vocab = None
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_CHECKLIST
    ws.append(["項目", "値"])
    values = {"id": checklist.id, "title": checklist.title, "description": checklist.description,
              "prefix": checklist.prefix, "tags": "\n".join(checklist.tags)}
    for label, key in CHECKLIST_ROWS:
        ws.append([label, None])
        _set(ws.cell(ws.max_row, 2), values[key])
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = wrap
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 90
    ws.freeze_panes = "A2"

    wi = wb.create_sheet(SHEET_ITEMS)
    wi.append([c[0] for c in ITEM_COLUMNS])
    for section in checklist.sections:
        for item in section.items:
            row = {
                "id": item.id, "section_id": section.id, "section_title": section.title,
                "question": item.question, "guidance": item.guidance, "evidence_hint": item.evidence_hint,
                "evidence_required": YES if item.evidence_required else NO, "scale": item.scale,
                "severity": item.severity, "tags": "\n".join(item.tags), "sources": "\n".join(item.sources),
                "expect": _format_expect(item.expect), "unit": item.unit or "",
            }
            r = wi.max_row + 1
            for c, (_h, key, _w, _req) in enumerate(ITEM_COLUMNS, 1):
                _set(wi.cell(r, c), row[key] if row[key] != "" else None)
    last_col = get_column_letter(len(ITEM_COLUMNS))
    for c, (_h, _key, width, _req) in enumerate(ITEM_COLUMNS, 1):
        wi.column_dimensions[get_column_letter(c)].width = width
    for row in wi.iter_rows(min_row=1, max_row=wi.max_row):
        for cell in row:
            cell.alignment = wrap
    for cell in wi[1]:
        cell.font = bold
        cell.fill = fill
    wi.freeze_panes = "B2"
    wi.auto_filter.ref = f"A1:{last_col}{wi.max_row}"

    extra = wi.max_row + 300
    col = {key: get_column_letter(i) for i, (_h, key, _w, _r) in enumerate(ITEM_COLUMNS, 1)}
    validations = [
        ("severity", ",".join(SEVERITIES), "重要度", "高/中/低 のいずれかを選んでください"),
        ("evidence_required", f"{YES},{NO}", "証跡必須", "はい か いいえ を選んでください"),
    ]
    if vocab is not None and vocab.scales:
        scale_list = ",".join(vocab.scales)
        if len(scale_list) <= 250:
            validations.append(("scale", scale_list, "回答尺度", "回答尺度一覧シートの ID から選んでください"))
    for key, options, title, message in validations:
        dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=(key == "evidence_required"),
                            showErrorMessage=True, errorTitle=title, error=message)
        wi.add_data_validation(dv)
        dv.add(f"{col[key]}2:{col[key]}{extra}")

    if vocab is not None:
        wt = wb.create_sheet(SHEET_TAGS)
        wt.append(["タグID", "名称", "説明"])
        for tag in vocab.tags.values():
            wt.append([tag.id, tag.label, tag.description])
        ws_ = wb.create_sheet(SHEET_SCALES)
        ws_.append(["回答尺度ID", "名称", "種類", "選択肢・単位", "期待値の書き方"])
        for scale in vocab.scales.values():
            if scale.kind == "choice":
                detail = "\n".join(f"{o.label}（{o.category}）" for o in scale.options)
                how = "（書かない）"
            elif scale.kind == "date":
                detail, how = "日付", "within_days=365（何日以内なら実施）"
            else:
                detail = f"単位: {scale.unit or ''}"
                how = "at_least=100 又は at_most=0"
            ws_.append([scale.id, scale.label, _kind_ja(scale.kind), detail, how])
        for sheet, widths in ((wt, (16, 34, 80)), (ws_, (16, 40, 10, 34, 34))):
            for i, width in enumerate(widths, 1):
                sheet.column_dimensions[get_column_letter(i)].width = width
            for row in sheet.iter_rows():
                for cell in row:
                    cell.alignment = wrap
            for cell in sheet[1]:
                cell.font = bold
                cell.fill = fill
            sheet.freeze_panes = "A2"

    wb.save(path_or_file)


def _xlsx_name(path_or_file, name: str | None) -> str:
    if name:
        return name
    if isinstance(path_or_file, (str, Path)):
        return Path(path_or_file).name
    fname = getattr(path_or_file, "name", None) or getattr(path_or_file, "filename", None)
    if isinstance(fname, str) and fname:
        return Path(fname).name
    return "Excel"


def read_xlsx(path_or_file, vocab: Vocabulary | None = None, name: str | None = None) -> Checklist:
    """Read a workbook in the write_xlsx layout. Errors name sheet, row and column:
    ``チェックリスト.xlsx: シート「点検項目」 5行目 I列（重要度）: 高/中/低 のいずれかにしてください``.
    ``name`` is the file name used in messages (default: the file's own name).
    Rows of 点検項目 whose 区分ID / 区分名 are blank continue the section above (merged cells)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    vocab = _default_vocab(vocab)
    shown = _xlsx_name(path_or_file, name)
    try:
        if hasattr(path_or_file, "read") and not hasattr(path_or_file, "seek"):
            path_or_file = io.BytesIO(path_or_file.read())
        wb = load_workbook(path_or_file, data_only=True)
    except Exception as exc:   # zipfile.BadZipFile, InvalidFileException, KeyError, OSError ...
        raise ChecklistError(f"{shown}: Excel ファイル（.xlsx）として読み込めません（{type(exc).__name__}）")

    errors: list[str] = []
    missing = [s for s in (SHEET_CHECKLIST, SHEET_ITEMS) if s not in wb.sheetnames]
    if missing:
        raise ChecklistError([f"{shown}: シート「{s}」がありません（シート名を確認してください）" for s in missing])

    # -- sheet チェックリスト: label / value rows
    ws = wb[SHEET_CHECKLIST]
    label_to_key = dict(CHECKLIST_ROWS)
    top: dict[str, Any] = {}
    top_rows: dict[str, int] = {}
    for r, row in enumerate(ws.iter_rows(min_row=1, max_col=2, values_only=True), 1):
        label = _cell_text(row[0] if row else None).strip()
        value = row[1] if len(row) > 1 else None
        if not label or (r == 1 and label == "項目"):
            continue
        key = label_to_key.get(label)
        if key is None:
            errors.append(f"{shown}: シート「{SHEET_CHECKLIST}」 {r}行目 A列: 不明な項目「{_show(label)}」です"
                          f"（{'、'.join(label_to_key)} のいずれか）")
            continue
        if key in top_rows:
            errors.append(f"{shown}: シート「{SHEET_CHECKLIST}」 {r}行目 A列: 「{label}」が重複しています"
                          f"（{top_rows[key]}行目にもあります）")
            continue
        top_rows[key] = r
        text = _cell_text(value)
        top[key] = _split_multi(text) if key == "tags" else (text if text.strip() else None)

    # -- sheet 点検項目: header + one row per item
    wi = wb[SHEET_ITEMS]
    header_to_key = {h: k for h, k, _w, _r in ITEM_COLUMNS}
    columns: dict[str, int] = {}
    header_row = next(wi.iter_rows(min_row=1, max_row=1, values_only=True), ())
    for c, value in enumerate(header_row, 1):
        head = _cell_text(value).strip()
        if not head:
            continue
        key = header_to_key.get(head)
        if key is None:
            errors.append(f"{shown}: シート「{SHEET_ITEMS}」 1行目 {get_column_letter(c)}列: "
                          f"不明な見出し「{_show(head)}」です{_suggest(head, header_to_key)}")
        elif key in columns:
            errors.append(f"{shown}: シート「{SHEET_ITEMS}」 1行目 {get_column_letter(c)}列: 見出し「{head}」が重複しています")
        else:
            columns[key] = c
    for head, key, _w, required in ITEM_COLUMNS:
        if required and key not in columns:
            errors.append(f"{shown}: シート「{SHEET_ITEMS}」 1行目: 見出し「{head}」の列がありません")
    if errors:
        raise ChecklistError(errors)

    def col_label(key: str) -> str:
        c = columns.get(key)
        head = next(h for h, k, _w, _r in ITEM_COLUMNS if k == key)
        return f"{get_column_letter(c)}列（{head}）" if c else f"「{head}」列"

    sections: list[dict] = []
    section_rows: list[int] = []
    item_rows: dict[tuple[int, int], int] = {}
    seen_section_ids: set[str] = set()
    current_id: str | None = None
    current_title_row: int | None = None
    for r, row in enumerate(wi.iter_rows(min_row=2, values_only=True), 2):
        cells = {key: (row[c - 1] if c - 1 < len(row) else None) for key, c in columns.items()}
        if all(_cell_text(v).strip() == "" for v in cells.values()):
            continue
        sid = _cell_text(cells.get("section_id")).strip()
        stitle = _cell_text(cells.get("section_title")).strip()
        if not sid:
            if current_id is None:
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('section_id')}: 必須です。値を書いてください")
                continue
            sid = current_id
        if sid != current_id:
            if sid in seen_section_ids:
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('section_id')}: "
                              f"区分ID「{sid}」の行が連続していません（同じ区分の行はまとめて並べてください）")
            seen_section_ids.add(sid)
            sections.append({"id": sid, "title": stitle or None, "items": []})
            section_rows.append(r)
            current_id = sid
            current_title_row = r if stitle else None
        elif stitle:
            section = sections[-1]
            if section["title"] is None:
                section["title"] = stitle
                current_title_row = r
            elif _norm_text(stitle) != _norm_text(section["title"]):
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('section_title')}: "
                              f"同じ区分ID「{sid}」で区分名が異なります（{current_title_row}行目は「{_show(section['title'])}」）")
        item: dict[str, Any] = {}
        for key in ("id", "question", "guidance", "evidence_hint", "scale", "severity", "unit"):
            text = _cell_text(cells.get(key))
            if text.strip():
                item[key] = text
        flag = cells.get("evidence_required")
        if isinstance(flag, bool):
            item["evidence_required"] = flag
        else:
            text = _cell_text(flag).strip()
            if text in (YES, "TRUE", "true", "True"):
                item["evidence_required"] = True
            elif text in (NO, "FALSE", "false", "False", ""):
                item["evidence_required"] = False
            else:
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('evidence_required')}: "
                              f"{YES} か {NO} にしてください（\"{_show(text)}\" は使えません）")
        for key in ("tags", "sources"):
            text = _cell_text(cells.get(key))
            if text.strip():
                item[key] = _split_multi(text)
        text = _cell_text(cells.get("expect")).strip()
        if text:
            expect: dict[str, Any] = {}
            for part in _split_multi(text):
                m = _EXPECT_PAIR_RE.fullmatch(part)
                if not m:
                    errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('expect')}: "
                                  f"within_days=35 のように「キー=数値」で書いてください（\"{_show(part)}\"）")
                    expect = {}
                    break
                key, val = m.group(1), m.group(2)
                try:
                    expect[key] = int(val)
                except ValueError:
                    try:
                        expect[key] = float(val)
                    except ValueError:
                        expect[key] = val
            if expect:
                item["expect"] = expect
        item_rows[(len(sections) - 1, len(sections[-1]["items"]))] = r
        sections[-1]["items"].append(item)

    data: dict[str, Any] = dict(top)
    data["sections"] = sections

    def emit(loc: Loc, fld: str | None, msg: str, xlsx_msg: str | None = None) -> None:
        text = xlsx_msg or msg
        if not loc:
            label = next((lb for lb, k in CHECKLIST_ROWS if k == fld), None)
            if fld == "sections":
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」: {text}")
            elif fld in top_rows:
                errors.append(f"{shown}: シート「{SHEET_CHECKLIST}」 {top_rows[fld]}行目 B列（{label}）: {text}")
            else:
                errors.append(f"{shown}: シート「{SHEET_CHECKLIST}」 「{label or fld}」の行: {text}")
            return
        if loc[0] == "s":
            r = section_rows[loc[1]]
            key = {"id": "section_id", "title": "section_title"}.get(fld or "", None)
        else:
            r = item_rows[(loc[1], loc[2])]
            key = fld
        where = f"{r}行目 {col_label(key)}" if key in header_to_key.values() else f"{r}行目"
        errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {where}: {text}")

    checklist = _Parser(vocab, emit).parse(data, "Excel")
    if errors or checklist is None:
        raise ChecklistError(sorted(errors, key=_xlsx_error_order))
    return checklist


_XLSX_WHERE_RE = re.compile(r"シート「([^」]+)」(?: (\d+)行目)?")


def _xlsx_error_order(message: str) -> tuple[int, int]:
    """Sort Excel messages by sheet (チェックリスト first) and row; stable otherwise."""
    m = _XLSX_WHERE_RE.search(message)
    if not m:
        return (0, 0)
    sheet = 1 if m.group(1) == SHEET_CHECKLIST else 2
    return (sheet, int(m.group(2) or 0))


# --------------------------------------------------------------------------- applicability


def applicability(checklist: Checklist, dept_tags: Iterable[str], vocab: Vocabulary | None = None
                  ) -> list[tuple[Item, bool, str | None]]:
    """(item, applies, reason) for every item. An item applies when the 課 carries every tag of
    the checklist and of the item; otherwise reason says which (by tag label, in Japanese)."""
    vocab = _default_vocab(vocab)
    have = set(dept_tags)
    out: list[tuple[Item, bool, str | None]] = []
    for item in checklist.items():
        missing: list[str] = []
        for tag in checklist.tags + item.tags:
            if tag not in have and tag not in missing:
                missing.append(tag)
        if not missing:
            out.append((item, True, None))
            continue
        labels = "".join(f"「{vocab.tags[t].label if t in vocab.tags else t}」" for t in missing)
        out.append((item, False, f"この課は{labels}に該当しないため対象外です。"))
    return out


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


# --------------------------------------------------------------------------- command line


def _pad(text: str, width: int) -> str:
    """Left-justify by display width (full-width characters count as two columns)."""
    import unicodedata
    used = sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)
    return text + " " * max(0, width - used)


def _counts(checklists: list[Checklist]) -> tuple[int, int]:
    return sum(len(c.sections) for c in checklists), sum(len(c.items()) for c in checklists)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checklists.loader",
                                     description="チェックリストのデータファイルを検査・変換します。")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("lint", help="ファイルを検査し、誤りをすべて表示します（誤りがあれば終了コード 1）")
    p.add_argument("files", nargs="*", help="検査するファイル又はフォルダ（省略時は組込みのチェックリスト一式）")
    p = sub.add_parser("coverage", help="clauses.yaml の条項ごとに、対応する項目の数を表示します")
    p.add_argument("files", nargs="*", help="チェックリストのファイル（省略時は組込み一式）")
    p.add_argument("-v", "--verbose", action="store_true", help="条項ごとに項目 ID を表示します")
    p = sub.add_parser("to-xlsx", help="YAML/TOML のチェックリストを Excel に変換します")
    p.add_argument("src")
    p.add_argument("dest")
    p = sub.add_parser("to-yaml", help="Excel/TOML/YAML のチェックリストを YAML に変換します")
    p.add_argument("src")
    p.add_argument("-o", "--output", help="出力先（省略時は標準出力）")
    args = parser.parse_args(argv)

    if args.command == "lint":
        files = args.files or [BUILTIN_DIR]
        errors, checklists, paths = _lint(files)
        for e in errors:
            print(e)
        if errors:
            print(f"NG: 誤り {len(errors)} 件", file=sys.stderr)
            return 1
        n_sections, n_items = _counts(checklists)
        print(f"OK: {len(paths)} ファイル、チェックリスト {len(checklists)} 件、区分 {n_sections} 件、項目 {n_items} 件")
        return 0

    if args.command == "coverage":
        errors: list[str] = []
        if args.files:
            errors, checklists, _ = _lint(args.files)
        else:
            errors, checklists, _ = _lint([BUILTIN_DIR])
        try:
            clauses = load_clauses(BUILTIN_DIR)
        except ChecklistError as exc:
            for e in exc.errors:
                print(e)
            return 1
        for e in errors:
            print(e)
        cov = coverage(checklists, clauses)
        missing = 0
        for clause in clauses:
            items = cov[clause["ref"]]
            mark = "  " if items else "× "
            missing += not items
            line = f"{mark}{_pad(clause['ref'], 24)} {len(items):>3} 項目  {clause['topic']}"
            if args.verbose and items:
                line += "  [" + ", ".join(i.id for i in items) + "]"
            print(line)
        print(f"{'NG' if missing or errors else 'OK'}: 条項 {len(clauses)} 件のうち、項目のない条項 {missing} 件"
              f"（チェックリスト {len(checklists)} 件を対象）")
        return 1 if missing or errors else 0

    try:
        checklist = load_file(args.src)
    except ChecklistError as exc:
        for e in exc.errors:
            print(e)
        return 1
    if args.command == "to-xlsx":
        write_xlsx(checklist, args.dest)
        print(f"OK: {args.dest} に書き出しました（項目 {len(checklist.items())} 件）")
        return 0
    text = dump_yaml(checklist)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"OK: {args.output} に書き出しました（項目 {len(checklist.items())} 件）")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
