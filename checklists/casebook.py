"""The incident casebook (``casebook.yaml``, format in FORMAT.md): real incidents of Japanese public
bodies, each with its public source and the checklist items whose honest answer would have revealed
the failure.

``load_casebook`` validates the file like a checklist (every problem, in Japanese, naming the case and
the field) and checks it against the checklists: every mapped item exists and applies to a 課 that
carries the case's profile tags (the same ``applicability`` rule the sheets use).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .files import BUILTIN_DIR, CASEBOOK_FILE, CLAUSES_FILE, _display, _read_data_file
from .model import Checklist, ChecklistError, Vocabulary

INCIDENT_KINDS = ("誤送付・誤送信", "誤交付", "誤掲載・誤公表", "紛失・盗難", "誤廃棄",
                  "不正アクセス・不正利用", "職員による不正な取得・利用", "その他")
CASE_KEYS = ("id", "date", "body", "kind", "summary", "tags", "items", "sources")
SOURCE_KEYS = ("title", "publisher", "url", "date")
CASE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
EARLIEST_YEAR = 2015


@dataclass(frozen=True)
class CaseSource:
    title: str
    publisher: str
    url: str = ""
    date: str = ""


@dataclass(frozen=True)
class Case:
    id: str
    date: str              # ISO, as precise as the source gives: YYYY, YYYY-MM or YYYY-MM-DD
    body: str
    kind: str
    summary: str
    tags: tuple[str, ...]
    items: tuple[str, ...]
    sources: tuple[CaseSource, ...]


def _text(value) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""


def _date_problem(value: str) -> str | None:
    """None when value is an ISO date (YYYY, YYYY-MM or YYYY-MM-DD) from 2015 to today."""
    m = DATE_RE.match(value)
    if not m:
        return "は YYYY-MM-DD（月・日が分からなければ YYYY-MM 又は YYYY）で書いてください"
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    try:
        when = date(year, month, day)
    except ValueError:
        return "は存在しない日付です"
    if year < EARLIEST_YEAR:
        return f"は {EARLIEST_YEAR} 年以降の事案に限ります"
    if when > date.today():
        return "が未来の日付です"
    return None


def parse_casebook(data, shown: str, vocab: Vocabulary) -> tuple[list[Case], list[str]]:
    """Cases and every problem of the file's own content (ids, dates, kinds, tags, sources)."""
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list) or not data["cases"]:
        return [], [f"{shown}: cases: に事案のリストを書いてください"]
    for key in data:
        if key != "cases":
            errors.append(f"{shown}: 不明なキー「{key}」があります（使えるのは cases のみ）")
    cases: list[Case] = []
    seen: set[str] = set()
    for n, entry in enumerate(data["cases"], 1):
        where = f"{shown}: 事案 {n}"
        if not isinstance(entry, dict):
            errors.append(f"{where}: 「キー: 値」の組で書いてください")
            continue
        case_id = _text(entry.get("id"))
        if case_id:
            where = f"{shown}: 事案 {case_id}"
        problems: list[str] = []
        for key in entry:
            if key not in CASE_KEYS:
                problems.append(f"不明なキー「{key}」があります（使えるのは {', '.join(CASE_KEYS)}）")
        if not CASE_ID_RE.match(case_id):
            problems.append("id は半角英小文字・数字・ハイフンで書いてください")
        elif case_id in seen:
            problems.append(f"id「{case_id}」が重複しています")
        seen.add(case_id)
        when = _text(entry.get("date"))
        if not when:
            problems.append("date を書いてください")
        elif (p := _date_problem(when)) is not None:
            problems.append(f"date「{when}」{p}")
        for key in ("body", "summary"):
            if not _text(entry.get(key)):
                problems.append(f"{key} を書いてください")
        kind = _text(entry.get("kind"))
        if kind not in INCIDENT_KINDS:
            problems.append(f"kind「{kind}」は使えません（{' / '.join(INCIDENT_KINDS)} のいずれか）")
        tags = entry.get("tags", [])
        if not isinstance(tags, list) or any(not isinstance(t, str) for t in tags):
            problems.append("tags は tags.yaml のタグ id のリストで書いてください")
            tags = []
        for tag in tags:
            if tag not in vocab.tags:
                problems.append(f"tags の「{tag}」は tags.yaml にありません")
        items = entry.get("items")
        if not isinstance(items, list) or any(not isinstance(i, str) for i in items):
            problems.append("items に、正直に回答すれば不備が分かった項目の id のリストを書いてください"
                            "（該当する項目がない事案は [] と書き、カタログの欠落として示します）")
            items = []
        sources = _parse_sources(entry.get("sources"), problems)
        errors.extend(f"{where}: {p}" for p in problems)
        if not problems:
            cases.append(Case(case_id, when, _text(entry["body"]), kind, str(entry["summary"]).strip(),
                              tuple(tags), tuple(items), sources))
    return cases, errors


def _parse_sources(value, problems: list[str]) -> tuple[CaseSource, ...]:
    if not isinstance(value, list) or not value:
        problems.append("sources に出典（title・publisher と url 又は date）を1つ以上書いてください")
        return ()
    out: list[CaseSource] = []
    for n, src in enumerate(value, 1):
        if not isinstance(src, dict):
            problems.append(f"sources の {n} 件目を「キー: 値」の組で書いてください")
            continue
        unknown = [k for k in src if k not in SOURCE_KEYS]
        if unknown:
            problems.append(f"sources の {n} 件目に不明なキー「{unknown[0]}」があります（使えるのは {', '.join(SOURCE_KEYS)}）")
        title, publisher = _text(src.get("title")), _text(src.get("publisher"))
        url, when = _text(src.get("url")), _text(src.get("date"))
        if not title or not publisher:
            problems.append(f"sources の {n} 件目に title と publisher を書いてください")
        if not url and not when:
            problems.append(f"sources の {n} 件目に url 又は date を書いてください")
        if url and not re.match(r"^https?://\S+$", url):
            problems.append(f"sources の {n} 件目の url「{url}」は http:// 又は https:// で始まるアドレスで書いてください")
        if when and (p := _date_problem(when)) is not None:
            problems.append(f"sources の {n} 件目の date「{when}」{p}")
        out.append(CaseSource(title, publisher, url, when))
    return tuple(out)


def check_against(cases: list[Case], checklists: list[Checklist], shown: str,
                  vocab: Vocabulary | None = None) -> list[str]:
    """Every mapped item exists in the checklists and applies to a 課 carrying the case's tags."""
    from .loader import applicability   # loader imports builtin, which loads the casebook for lint

    errors: list[str] = []
    for case in cases:
        for item_id in case.items:
            owner = next((cl for cl in checklists if any(i.id == item_id for i in cl.items())), None)
            if owner is None:
                errors.append(f"{shown}: 事案 {case.id}: items の「{item_id}」はどのチェックリストにもありません")
                continue
            reason = next(r for item, ok, r in applicability(owner, case.tags, vocab) if item.id == item_id)
            if reason is not None:
                errors.append(f"{shown}: 事案 {case.id}: 項目 {item_id} は tags {list(case.tags)} の課に"
                              f"適用されません（{reason}）。tags に関係する課の種類を加えてください")
    return errors


def unknown_case_sources(cases: list[Case], checklists: list[Checklist], lessons: set[str],
                         shown: str) -> list[str]:
    """An item's ``CASE <name>`` source must name a case of the casebook or a seed lesson of
    clauses.yaml (part E, ``lessons``): a misspelt case would otherwise cite nothing."""
    known = {c.id for c in cases} | lessons
    return [f"{shown}: 項目 {item.id} の根拠「{source}」は事案集（casebook.yaml）にも clauses.yaml の"
            f"事案の教訓にもありません"
            for cl in checklists for item in cl.items() for source in item.sources
            if source.startswith("CASE ") and source[5:] not in known]


def load_casebook(folder: str | Path = BUILTIN_DIR, checklists: list[Checklist] | None = None,
                  vocab: Vocabulary | None = None) -> list[Case]:
    """The casebook of ``folder`` checked against ``checklists`` (the folder's built-in ones by default).
    Raises ChecklistError with every problem."""
    from . import builtin, vocabulary

    path = Path(folder) / CASEBOOK_FILE
    shown = _display(path)
    if not path.exists():
        raise ChecklistError(f"{shown}: ファイルがありません")
    vocab = vocab if vocab is not None else vocabulary.load_vocabulary(folder)
    cases, errors = parse_casebook(_read_data_file(path, shown), shown, vocab)
    if checklists is None:
        checklists = builtin.load_builtin(folder, vocab)
    errors.extend(check_against(cases, checklists, shown, vocab))
    if (Path(folder) / CLAUSES_FILE).exists():
        from .sources import load_clauses
        lessons = {c["ref"][5:] for c in load_clauses(folder) if c["ref"].startswith("CASE ")}
        errors.extend(unknown_case_sources(cases, checklists, lessons, shown))
    if errors:
        raise ChecklistError(errors)
    return cases
