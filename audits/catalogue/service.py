"""The checklist catalogue in the database: versions stored from data files, read back for sheets.

A checklist's content is identified by its content hash. Storing a file whose content differs from
the latest version creates a new version when the latest one is in use (a schedule has sheets on
it); an unused latest version is replaced in place. A version in use is never changed, so old
sheets keep their questions and answers.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath

from sqlite_utils import Database

from checklists import loader
from checklists.casebook import load_casebook
from checklists.sources import source_label as source_words

from ..activity import service as activity
from ..db import transaction
from ..departments import service as departments
from ..timeutil import now_iso
from ..xlsx import page_setup
from . import diff


@lru_cache(maxsize=1)
def vocabulary() -> loader.Vocabulary:
    return loader.load_vocabulary()


def scale(scale_id: str) -> loader.Scale:
    return vocabulary().scales[scale_id]


# What storing a checklist did (StoreResult.outcome), in words: the import message and the activity log.
STORE_OUTCOME_LABELS = {"unchanged": "変更なし", "created": "新しい版を作成", "replaced": "未使用の版を更新",
                        "kept": "取り込んだ版を維持（組込みファイルの内容は反映していません）"}


@dataclass(frozen=True)
class StoreResult:
    checklist_id: str
    version_id: int
    version: int
    outcome: str  # 'unchanged' | 'created' | 'replaced' | 'kept' (sync_builtin: a city's imported version stays)

    @property
    def message(self) -> str:
        text = STORE_OUTCOME_LABELS[self.outcome]
        return f"{self.checklist_id} 第{self.version}版: {text}"


def version_in_use(db: Database, version_id: int) -> bool:
    """A version is in use once any sheet was created on it (answers may follow at any time)."""
    if not db["sheets"].exists():
        return False
    return db.execute("SELECT 1 FROM sheets WHERE version_id = ? LIMIT 1", [version_id]).fetchone() is not None


def _item_rows(version_id: int, checklist: loader.Checklist) -> list[dict]:
    return [{
        "version_id": version_id, "item_id": item.id, "section_id": item.section_id,
        "section_title": item.section_title, "position": item.position, "question": item.question,
        "guidance": item.guidance, "evidence_hint": item.evidence_hint,
        "evidence_required": int(item.evidence_required), "scale": item.scale, "severity": item.severity,
        "tags": json.dumps(list(item.tags), ensure_ascii=False),
        "sources": json.dumps(list(item.sources), ensure_ascii=False),
        "expect": json.dumps(dict(item.expect)) if item.expect is not None else None,
        "unit": item.unit, "measurement": int(item.measurement),
    } for item in checklist.items()]


def _version_row(checklist: loader.Checklist, source: str, username: str | None) -> dict:
    return {
        "title": checklist.title, "description": checklist.description, "prefix": checklist.prefix,
        "tags": json.dumps(list(checklist.tags), ensure_ascii=False), "content_hash": checklist.content_hash(),
        "data": json.dumps(checklist.to_data(), ensure_ascii=False), "source": source,
        "created_at": now_iso(), "created_by": username,
    }


@dataclass(frozen=True)
class StorePlan:
    """What `store` will do with a checklist: shown before an import is confirmed."""
    latest: dict | None            # the checklist's latest stored version (id, version, content_hash)
    outcome: str                   # 'unchanged' | 'created' | 'replaced'
    version: int                   # the version number the content will have

    @property
    def message(self) -> str:
        if self.latest is None:
            return "新しいチェックリストとして第1版を登録します。"
        if self.outcome == "unchanged":
            return f"登録済みの第{self.version}版と同じ内容です。取り込んでも何も変わりません。"
        if self.outcome == "replaced":
            return f"第{self.version}版はまだ点検票で使われていないため、この内容で置き換えます。"
        return (f"第{self.version}版として登録します。第{self.latest['version']}版は点検票で使われているため、"
                "変更されずに残ります。")


def plan_store(db: Database, checklist: loader.Checklist) -> StorePlan:
    latest = next(db.query(
        "SELECT id, version, content_hash FROM checklist_versions WHERE checklist_id = ? "
        "ORDER BY version DESC LIMIT 1", [checklist.id]), None)
    if latest and latest["content_hash"] == checklist.content_hash():
        return StorePlan(latest, "unchanged", latest["version"])
    if latest and not version_in_use(db, latest["id"]):
        return StorePlan(latest, "replaced", latest["version"])
    return StorePlan(latest, "created", (latest["version"] + 1) if latest else 1)


def preview(db: Database, checklist: loader.Checklist) -> tuple[StorePlan, "diff.VersionDiff"]:
    """What storing `checklist` would do, and how it differs from the latest stored version (nothing stored)."""
    plan = plan_store(db, checklist)
    base = version_checklist(db, plan.latest["id"]) if plan.latest else None
    return plan, diff.compare(base, checklist)


def store(db: Database, checklist: loader.Checklist, *, origin: str, source: str,
          username: str | None = None) -> StoreResult:
    """Store a validated checklist as its latest version (see the module docstring)."""
    with transaction(db):
        if not db.execute("SELECT 1 FROM checklists WHERE id = ?", [checklist.id]).fetchone():
            db["checklists"].insert({"id": checklist.id, "title": checklist.title, "origin": origin,
                                     "created_at": now_iso()})
        plan = plan_store(db, checklist)
        number, outcome = plan.version, plan.outcome
        if outcome == "unchanged":
            return StoreResult(checklist.id, plan.latest["id"], number, outcome)
        row = _version_row(checklist, source, username)
        if outcome == "replaced":
            version_id = plan.latest["id"]
            db["checklist_versions"].update(version_id, row)
            db.execute("DELETE FROM checklist_items WHERE version_id = ?", [version_id])
        else:
            version_id = db["checklist_versions"].insert(
                {"checklist_id": checklist.id, "version": number, **row}).last_pk
        db["checklist_items"].insert_all(_item_rows(version_id, checklist))
        db["checklists"].update(checklist.id, {"title": checklist.title})
        activity.record(db, "checklist.store", object_type="checklist_version", object_id=version_id,
                        detail={"checklist": checklist.id, "version": number, "outcome": outcome,
                                "source": source, "items": len(checklist.items())},
                        username=username)
    return StoreResult(checklist.id, version_id, number, outcome)


def sync_builtin(db: Database, *, force: bool = False) -> list[StoreResult]:
    """Store every built-in checklist file; unchanged files change nothing.

    When a city imported its own version of a built-in checklist (source "import:…"), that version
    stays the latest unless ``force``: sync never silently overwrites a city's edits."""
    results = []
    for checklist in loader.load_builtin():
        latest = _latest_row(db, checklist.id)
        if (not force and latest and is_imported(latest)
                and latest["content_hash"] != checklist.content_hash()):
            results.append(StoreResult(checklist.id, latest["id"], latest["version"], "kept"))
            continue
        results.append(store(db, checklist, origin="builtin", source=checklist.source))
    return results


def latest_versions(db: Database) -> list[dict]:
    return list(db.query(
        """SELECT v.*, c.origin, (SELECT count(*) FROM checklist_items i WHERE i.version_id = v.id) AS item_count
           FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id
           WHERE v.version = (SELECT max(version) FROM checklist_versions x WHERE x.checklist_id = v.checklist_id)
           ORDER BY c.origin, v.checklist_id"""))


def get_version(db: Database, version_id: int) -> dict | None:
    return next(db.query("SELECT * FROM checklist_versions WHERE id = ?", [version_id]), None)


def version_checklist(db: Database, version_id: int) -> loader.Checklist:
    """The stored version as a loader Checklist (cached by content hash: versions are immutable)."""
    row = db.execute("SELECT content_hash, data, source FROM checklist_versions WHERE id = ?",
                     [version_id]).fetchone()
    return _parse_stored(row[0], row[1], row[2] or "")


def unreadable_versions(db: Database) -> list[str]:
    """Stored versions the current vocabulary (scales.yaml, tags.yaml) can no longer read, one message each.

    Versions are kept as data and read with today's vocabulary, so removing or renaming a scale or a tag
    that an old version uses would break that version's sheets; `init-db` reports it before users meet it."""
    problems = []
    for row in db.query("SELECT checklist_id, version, data, source FROM checklist_versions ORDER BY checklist_id, "
                        "version"):
        try:
            loader.parse_data(json.loads(row["data"]), row["source"] or "", vocabulary())
        except loader.ChecklistError as error:
            problems.append(f"{row['checklist_id']} 第{row['version']}版: {error.errors[0]}")
    return problems


@lru_cache(maxsize=64)
def _parse_stored(content_hash: str, data: str, source: str) -> loader.Checklist:
    return loader.parse_data(json.loads(data), source, vocabulary())


def version_items(db: Database, version_id: int) -> list[dict]:
    rows = list(db.query("SELECT * FROM checklist_items WHERE version_id = ? ORDER BY position", [version_id]))
    for row in rows:
        decode_item(row)
    return rows


def decode_item(row: dict) -> dict:
    row["tags"] = json.loads(row["tags"] or "[]")
    row["sources"] = json.loads(row["sources"] or "[]")
    row["expect"] = json.loads(row["expect"]) if row.get("expect") else None
    return row


def applicability(db: Database, version_id: int, department_tags) -> dict[str, str | None]:
    """item_id -> None when the item applies to a 課 with these tags, else the reason it does not."""
    checklist = version_checklist(db, version_id)
    return {item.id: reason for item, applies, reason in
            loader.applicability(checklist, department_tags, vocabulary())}


# --------------------------------------------------------------------------- import / export

IMPORT_SOURCE_PREFIX = "import:"
RESERVED_IDS = frozenset({"search", "coverage", "import", "applicability"})   # URLs under /checklists/
ORIGIN_LABELS = {"builtin": "組込み", "city": "独自（取込み）"}
EXPORT_FORMATS = {
    "yaml": ("application/x-yaml; charset=utf-8", "yaml"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def is_imported(version_row: dict) -> bool:
    """A version stored by an import (CLI or web) rather than from a built-in file."""
    return (version_row.get("source") or "").startswith(IMPORT_SOURCE_PREFIX)


def source_label(version_row: dict) -> str:
    source = version_row.get("source") or ""
    if source.startswith(IMPORT_SOURCE_PREFIX):
        return f"取込み（{source[len(IMPORT_SOURCE_PREFIX):]}）"
    return f"組込みファイル（{source}）" if source else "—"


def _latest_row(db: Database, checklist_id: str) -> dict | None:
    return next(db.query(
        "SELECT * FROM checklist_versions WHERE checklist_id = ? ORDER BY version DESC LIMIT 1",
        [checklist_id]), None)


def upload_name(filename: str | None) -> str:
    """The file name of an upload as shown in messages and stored as the version's source."""
    return PurePath((filename or "").replace("\\", "/")).name or "アップロードしたファイル"


def parse_upload(filename: str, data: bytes) -> loader.Checklist:
    """Validate an uploaded file (.yaml/.yml/.toml/.xlsx) as loader.load_file does for a path.

    Messages name the uploaded file (and, for Excel, the sheet, row and column)."""
    name = upload_name(filename)
    suffix = PurePath(name).suffix.lower()
    vocab = vocabulary()
    if suffix == ".xlsx":
        return loader.read_xlsx(io.BytesIO(data), vocab, name=name)
    if suffix not in loader.CHECKLIST_SUFFIXES:
        raise loader.ChecklistError(
            f"{name}: 拡張子「{PurePath(name).suffix or '（なし）'}」のファイルは取り込めません"
            f"（{' / '.join(loader.LOADABLE_SUFFIXES)} のいずれか）")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise loader.ChecklistError(
            f"{name}: 文字コードを UTF-8 にして保存してください（{line}行目に UTF-8 でない文字があります）")
    return loader.parse_text(text, suffix, name, vocab)


def import_problems(db: Database, checklists: list[tuple[loader.Checklist, str]]) -> list[str]:
    """Checks against what the database already holds: a prefix belongs to one checklist only
    (item ids start with it), and one import names each checklist once."""
    errors: list[str] = []
    owners = {row["prefix"]: row["checklist_id"] for row in latest_versions(db)}
    for checklist, name in checklists:
        if checklist.id in RESERVED_IDS:
            errors.append(f"{name}: id は 画面の名前と同じ \"{checklist.id}\" にはできません（別の ID にしてください）")
    seen_ids: dict[str, str] = {}
    seen_prefixes: dict[str, str] = {}
    for checklist, name in checklists:
        owner = owners.get(checklist.prefix)
        if owner and owner != checklist.id:
            errors.append(f"{name}: prefix は 他のチェックリストと重複しています（\"{checklist.prefix}\" は "
                          f"登録済みのチェックリスト {owner} で使われています。別の接頭辞にしてください）")
        if checklist.id in seen_ids:
            errors.append(f"{name}: id は 他のファイルと重複しています（\"{checklist.id}\" は "
                          f"{seen_ids[checklist.id]} でも使われています）")
        elif seen_prefixes.get(checklist.prefix, checklist.id) != checklist.id:
            errors.append(f"{name}: prefix は 他のファイルと重複しています（\"{checklist.prefix}\"）")
        seen_ids.setdefault(checklist.id, name)
        seen_prefixes.setdefault(checklist.prefix, checklist.id)
    return errors


def import_checklists(db: Database, checklists: list[tuple[loader.Checklist, str]], *,
                      username: str | None) -> list[StoreResult]:
    """Store validated checklists (checklist, file name) all or nothing. Raises ChecklistError.

    A checklist id the database does not know yet becomes a city checklist (origin 'city');
    a known id gets a new version (or its unused latest version is replaced)."""
    with transaction(db):
        errors = import_problems(db, checklists)
        if errors:
            raise loader.ChecklistError(errors)
        return [store(db, checklist, origin="city", source=IMPORT_SOURCE_PREFIX + name, username=username)
                for checklist, name in checklists]


def find_version(db: Database, checklist_id: str, number: int | None = None) -> dict | None:
    """A checklist's version by number (the latest when number is None), with its checklist's origin."""
    sql = ("SELECT v.*, c.origin FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id "
           "WHERE v.checklist_id = ?")
    params: list = [checklist_id]
    if number is None:
        sql += " ORDER BY v.version DESC LIMIT 1"
    else:
        sql += " AND v.version = ?"
        params.append(number)
    return next(db.query(sql, params), None)


def export_version(db: Database, version_id: int, fmt: str, *,
                   username: str | None = None) -> tuple[bytes, str, str]:
    """(content, file name, mimetype) of a stored version in the import format; logs the export."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    row = get_version(db, version_id)
    checklist = version_checklist(db, version_id)
    if fmt == "yaml":
        content = loader.dump_yaml(checklist).encode("utf-8")
    else:
        buffer = io.BytesIO()
        loader.write_xlsx(checklist, buffer, vocabulary(), layout=page_setup)
        content = buffer.getvalue()
    mimetype, suffix = EXPORT_FORMATS[fmt]
    filename = f"{row['checklist_id']}-v{row['version']}.{suffix}"
    with transaction(db):
        activity.record(db, "checklist.export", object_type="checklist_version", object_id=version_id,
                        detail={"checklist": row["checklist_id"], "version": row["version"], "format": fmt},
                        username=username)
    return content, filename, mimetype


# --------------------------------------------------------------------------- reading for the screens


def list_checklists(db: Database) -> list[dict]:
    """Latest version of every checklist, with how many versions exist and how many are in use."""
    rows = latest_versions(db)
    stats = {r["checklist_id"]: r for r in db.query(
        """SELECT checklist_id, count(*) AS version_count,
                  sum(EXISTS (SELECT 1 FROM sheets s WHERE s.version_id = v.id)) AS versions_in_use
           FROM checklist_versions v GROUP BY checklist_id""")} if db["sheets"].exists() else {}
    for row in rows:
        extra = stats.get(row["checklist_id"], {})
        row["version_count"] = extra.get("version_count", 1)
        row["versions_in_use"] = extra.get("versions_in_use", 0) or 0
        row["tags"] = json.loads(row["tags"] or "[]")
        row["origin_label"] = ORIGIN_LABELS.get(row["origin"], row["origin"])
    return rows


def checklist_versions(db: Database, checklist_id: str) -> list[dict]:
    """Every version of a checklist, newest first, with how many sheets use it."""
    has_sheets = db["sheets"].exists()
    sheet_count = "(SELECT count(*) FROM sheets s WHERE s.version_id = v.id)" if has_sheets else "0"
    rows = list(db.query(
        f"""SELECT v.id, v.checklist_id, v.version, v.title, v.source, v.created_at, v.created_by, v.content_hash,
                   (SELECT count(*) FROM checklist_items i WHERE i.version_id = v.id) AS item_count,
                   {sheet_count} AS sheet_count
            FROM checklist_versions v WHERE v.checklist_id = ? ORDER BY v.version DESC""", [checklist_id]))
    for row in rows:
        row["source_label"] = source_label(row)
    return rows


@dataclass(frozen=True)
class ItemFilter:
    text: str = ""
    source: str = ""
    tag: str = ""          # a profile tag id, or NO_TAG for items every 課 answers
    severity: str = ""

    @property
    def active(self) -> bool:
        return bool(self.text or self.source or self.tag or self.severity)


NO_TAG = "-"


def _source_matches(sources: list[str], query: str, clause_refs: set[str]) -> bool:
    if query in clause_refs:           # a clause: the FORMAT.md rule (GUIDE 4-8-6 covers GUIDE 4-8-6(3))
        return any(loader.covers(s, query) for s in sources)
    q = query.casefold()                # a code or a reader's words (事務対応ガイド 4-8-6)
    return any(q in s.casefold() or q in source_words(s).casefold() for s in sources)


def filter_items(items: list[dict], flt: ItemFilter, checklist_tags=()) -> list[dict]:
    """Items matching every given criterion. ``effective_tags`` (checklist + item tags) is set on each row."""
    clause_refs = {c["ref"] for c in clauses()}
    text = flt.text.strip().casefold()
    source = flt.source.strip()
    out = []
    for item in items:
        tags = list(dict.fromkeys([*item.get("checklist_tags", checklist_tags), *item["tags"]]))
        item["effective_tags"] = tags
        if flt.severity and item["severity"] != flt.severity:
            continue
        if flt.tag == NO_TAG and tags:
            continue
        if flt.tag and flt.tag != NO_TAG and flt.tag not in tags:
            continue
        if source and not _source_matches(item["sources"], source, clause_refs):
            continue
        if text and not any(text in (item.get(k) or "").casefold()
                            for k in ("item_id", "question", "guidance", "evidence_hint", "section_title")):
            continue
        out.append(item)
    return out


def search_items(db: Database, flt: ItemFilter) -> list[dict]:
    """Items of every checklist's latest version that match the filter, with their checklist."""
    out = []
    for version in latest_versions(db):
        tags = json.loads(version["tags"] or "[]")
        for item in version_items(db, version["id"]):
            item["checklist_id"] = version["checklist_id"]
            item["checklist_title"] = version["title"]
            item["checklist_version"] = version["version"]
            item["checklist_tags"] = tags
            out.append(item)
    return filter_items(out, flt)


def group_sections(items: list[dict]) -> list[dict]:
    """[{id, title, items}] in item order."""
    sections: list[dict] = []
    for item in items:
        if not sections or sections[-1]["id"] != item["section_id"]:
            sections.append({"id": item["section_id"], "title": item["section_title"], "items": []})
        sections[-1]["items"].append(item)
    return sections


# --------------------------------------------------------------------------- coverage of CATALOGUE.md

PART_LABELS = {
    "A": "A 事務対応ガイド 4-8",
    "B": "B 番号法ガイドライン 別添1",
    "C": "C 委員会の定期的な報告（平成29年）",
    "D": "D 特定個人情報保護評価書（全項目評価書）Ⅲ・Ⅳ",
    "E": "E 事例の教訓",
}


@lru_cache(maxsize=1)
def _clauses() -> tuple[dict, ...]:
    return tuple(loader.load_clauses())


def clauses() -> list[dict]:
    """The clauses of CATALOGUE.md A–E (checklists/clauses.yaml)."""
    return [dict(c) for c in _clauses()]


def department_profiles(db: Database) -> list[frozenset[str]]:
    """The tag set of every active 課: who would receive an item."""
    return [frozenset(d["tags"]) for d in departments_with_tags(db)]


def unreached_items(db: Database) -> dict[tuple[str, str], tuple[str, ...]]:
    """(checklist id, item id) -> the tags it needs, for items of the latest versions that no active
    課 receives (their tag combination occurs in no 課's profile)."""
    profiles = department_profiles(db)
    return {(version["checklist_id"], item.id): needed for version in latest_versions(db)
            for item, needed in loader.unreached(version_checklist(db, version["id"]), profiles)}


def clause_coverage(db: Database, parts=("A", "B")) -> list[dict]:
    """For each clause of the given parts: the items (latest version of every checklist) covering it.

    A clause is covered only by items that some 課 receives (`items`); the items that would cover it
    but reach no 課 are listed apart (`unreached`)."""
    unreached = unreached_items(db)
    items = []
    for version in latest_versions(db):
        for item in version_items(db, version["id"]):
            item["checklist_id"] = version["checklist_id"]
            item["checklist_version"] = version["version"]
            item["needs"] = unreached.get((version["checklist_id"], item["item_id"]))
            items.append(item)
    out = []
    for clause in clauses():
        if clause["part"] not in parts:
            continue
        asking = [i for i in items if any(loader.covers(s, clause["ref"]) for s in i["sources"])]
        clause["items"] = [i for i in asking if i["needs"] is None]
        clause["unreached"] = [i for i in asking if i["needs"] is not None]
        out.append(clause)
    return out


# --------------------------------------------------------------------------- applicability to a 課


def department_applicability(db: Database, department_tags, checklist_id: str | None = None) -> list[dict]:
    """Per checklist (latest version): the items with, for those that do not apply, the reason."""
    out = []
    for version in latest_versions(db):
        if checklist_id and version["checklist_id"] != checklist_id:
            continue
        reasons = applicability(db, version["id"], department_tags)
        items = version_items(db, version["id"])
        for item in items:
            item["reason"] = reasons.get(item["item_id"])
        applies = sum(1 for item in items if item["reason"] is None)
        checklist_tags = json.loads(version["tags"] or "[]")
        missing = [t for t in checklist_tags if t not in set(department_tags)]
        out.append({
            "checklist_id": version["checklist_id"], "version": version["version"], "title": version["title"],
            "version_id": version["id"], "tags": checklist_tags, "items": items, "applies": applies,
            "total": len(items), "missing_tags": missing,
        })
    return out


# --------------------------------------------------------------------------- display helpers

KIND_LABELS = {"choice": "選択式", "date": "日付", "number": "数値"}


def _number(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def describe_scale(item: dict) -> dict:
    """How an item is answered, for the screens: scale label, kind, options (label, category),
    the unit and what counts as 実施 for date / number scales."""
    found = vocabulary().scales.get(item["scale"])
    if found is None:
        return {"id": item["scale"], "label": item["scale"], "kind": "", "options": [], "notes": []}
    unit = item.get("unit") or found.unit or ""
    notes: list[str] = []
    if found.kind == "number":
        if found.min is not None or found.max is not None:
            low = "" if found.min is None else _number(found.min)
            high = "" if found.max is None else _number(found.max)
            notes.append(f"入力範囲 {low}〜{high}{unit}")
        elif unit:
            notes.append(f"単位 {unit}")
    expect = item.get("expect") or {}
    if item.get("measurement"):
        notes.append("計測項目：値を把握していれば「実施」。件数・人数は情報として集計し、値で「課題あり」にはしません")
    if found.kind != "choice" and found.options:
        notes.append("値の代わりに「" + "」「".join(o.label for o in found.options) + "」と回答できます")
    if "within_days" in expect:
        notes.append(f"回答日から {_number(expect['within_days'])} 日以内の日付なら「実施」、それより前は「課題あり」")
    if "at_least" in expect:
        notes.append(f"{_number(expect['at_least'])}{unit} 以上なら「実施」、下回れば「課題あり」")
    if "at_most" in expect:
        notes.append(f"{_number(expect['at_most'])}{unit} 以下なら「実施」、上回れば「課題あり」")
    return {"id": found.id, "label": found.label, "kind": KIND_LABELS.get(found.kind, found.kind),
            "options": [{"label": o.label, "category": o.category} for o in found.options], "notes": notes}


def applicability_summary(db: Database, department_tags) -> list[dict]:
    """Per checklist: how many items apply to a 課 with these tags (for the 課 page)."""
    return [{k: v for k, v in row.items() if k != "items"}
            for row in department_applicability(db, department_tags)]


# --------------------------------------------------------------------------- the incident casebook


@lru_cache(maxsize=1)
def casebook() -> tuple:
    """The built-in casebook (checklists/casebook.yaml), checked against the built-in checklists."""
    return tuple(load_casebook())


def cases_for_item(item_id: str) -> list:
    """The cases whose failure this item would have revealed (「この項目で防げた事案」), newest first."""
    return sorted((c for c in casebook() if item_id in c.items), key=lambda c: c.date, reverse=True)


def casebook_coverage(db: Database) -> list[dict]:
    """Each case with its items (latest version of each checklist) and whether some 課 of the
    organisation receives each item; a case is `reached` when at least one of its items is received."""
    items: dict[str, dict] = {}
    applies_to: dict[str, set[int]] = {}
    depts = departments_with_tags(db)
    for version in latest_versions(db):
        for item in version_items(db, version["id"]):
            item["checklist_id"], item["checklist_version"] = version["checklist_id"], version["version"]
            items[item["item_id"]] = item
        for dept in depts:
            for item_id, reason in applicability(db, version["id"], dept["tags"]).items():
                if reason is None:
                    applies_to.setdefault(item_id, set()).add(dept["id"])
    out = []
    for case in sorted(casebook(), key=lambda c: c.date, reverse=True):
        rows = [{"item_id": i, "item": items.get(i), "departments": len(applies_to.get(i, ()))}
                for i in case.items]
        out.append({"case": case, "items": rows, "reached": any(r["departments"] for r in rows)})
    return out


def departments_with_tags(db: Database) -> list[dict]:
    """Active 課 with their profile tags (what decides which items they receive)."""
    return [{"id": d["id"], "tags": d["tags"]} for d in departments.list_departments(db, include_inactive=False)]
