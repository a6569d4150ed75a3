"""The activity log in words: one formatter for the log page and anything that exports the log.

A stored row keeps keys (its action, object type and id, a JSON detail) because the chain hashes them; a person
reads `Entry`: when (和暦), who, the action's label, the object named as people name it (「点検票 市民課 全課共通
令和7年度」, 「監査 令和7年度 第1回 …」, 「漏えい等事案 …」), and what changed, field by field, in labels
(「状態: 提出済 → 承認済」), never JSON. An action, field or object no table here knows still reads as text.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Callable, Iterable

from sqlite_utils import Database

from .. import roles
from ..timeutil import parse_iso
from ..screen_dates import date_text, datetime_text, nendo_text as nendo
from .service import action_label


@dataclass
class Entry:
    id: int
    at: str            # 和暦 date and time
    who: str
    action: str        # the action's label
    department: str    # the 課 the row concerns, by name
    target: str        # the object, named
    details: list[str] = field(default_factory=list)  # 「label: value」 or 「label: old → new」, one per line
    ip: str = ""


# Labels of the keys a feature writes into a row's detail (and of before/after fields), one table for the log.
DETAIL_LABELS: dict[str, str] = {
    "username": "利用者ID", "display_name": "氏名", "active": "有効", "roles": "役割", "departments": "課",
    "email": "メールアドレス", "name": "名称", "bureau": "部", "bureau_id": "部", "tags": "課の属性",
    "path": "アクセス先", "reason": "理由", "sheet": "点検票", "item": "項目", "items": "項目",
    "revision": "更新回数", "category": "回答区分", "source": "入力元", "fiscal_year": "年度", "year": "年度",
    "title": "件名", "versions": "チェックリストの版", "copied_from": "複写元の点検計画", "sheets": "点検票の数",
    "due_date": "期限", "answered": "回答済みの項目数", "file": "ファイル", "created": "新規",
    "updated": "更新", "format": "形式", "checklist": "チェックリスト", "version": "版", "outcome": "結果",
    "owner": "添付先", "sha256": "SHA-256", "size": "大きさ", "auditors": "監査員", "added": "追加した数",
    "audit": "監査", "result": "確認結果", "comment": "意見の番号", "reply_due": "回答期限", "severity": "重要度",
    "incident": "漏えい等事案", "topic": "監査項目の番号", "fields": "変更した項目", "event_id": "経過の番号",
    "on_date": "日付", "clauses": "該当する号", "proposed": "提案された号", "mynumber_report": "番号法に基づく報告",
    "kind": "種類", "users": "利用者数", "rows": "行数", "old_head": "移行前の最終ハッシュ", "dest": "保存先",
    "cli": "コマンドから", "draft": "案", "planned": "計画した課の数", "removed_department_id": "除外した課",
    "proposals_applied": "反映した文案の数", "evidence_kept": "残した証跡の数", "sessions": "終了した端末の数",
    "tag": "課の属性", "changed": "変更した項目の数", "unchanged": "変更のない項目の数", "bureaus": "部の数",
    "bureau_code": "部", "note": "メモ", "report_number": "報告書番号", "show_annex": "別添を印字",
    "show_findings": "指摘事項を印字", "reply": "回答", "added_check": "追加した確認項目", "status": "状態",
    "lead_id": "監査責任者（主担当）", "theme": "監査の観点", "selection_reason": "選定理由",
    # 監査の記録 (audit.record_update / notes_save)
    "started_at": "開始日時", "ended_at": "終了日時", "attendees": "出席者", "places": "場所", "methods": "実施手法",
    "department_started_at": "課ごとの日時", "department_places": "課ごとの場所", "interview_notes": "聴き取り記録",
    # 特定個人情報保護評価書 (pia.create / pia.update)
    "assessment_kind": "評価の種類", "published_on": "公表日",
}
FORMAT_LABELS = {"pdf": "PDF", "xlsx": "Excel", "csv": "CSV", "yaml": "YAML", "png": "画像（PNG）"}
SOURCE_LABELS = {"web": "画面", "excel": "Excel 取込み", "import": "取込み", "demo": "デモデータ"}
_HIDDEN_KEYS = {"revision"}  # bookkeeping that says nothing to a reader


@cache
def _incident_field_labels() -> dict[str, str]:
    """The incident form's own labels (without their hints in （…）), so the log says what the form says."""
    from ..incidents.forms import IncidentForm

    labels = {}
    for name in dir(IncidentForm):
        unbound = getattr(IncidentForm, name)
        if getattr(unbound, "field_class", None) is not None and unbound.args and isinstance(unbound.args[0], str):
            labels[name] = unbound.args[0].split("（")[0]
    return labels


def field_label(key: str) -> str:
    return DETAIL_LABELS.get(key) or _incident_field_labels().get(key) or "その他の項目"


# ----------------------------------------------------------------------------------------------- values in words
class _Names:
    """Names of 課, users, and objects for the rows of one page, each looked up once."""

    def __init__(self, db: Database):
        self.db = db
        self._departments_by_code: dict[str, str] | None = None
        self._departments_by_id: dict[int, str] | None = None
        self._bureaus: dict[int, str] | None = None
        self._objects: dict[tuple[str, str], str] = {}

    def _load_departments(self) -> None:
        rows = self.db.execute("SELECT id, code, name FROM departments").fetchall()
        self._departments_by_code = {code: name for _id, code, name in rows}
        self._departments_by_id = {_id: name for _id, _code, name in rows}

    def department(self, value) -> str:
        if self._departments_by_code is None:
            self._load_departments()
        if isinstance(value, int) and not isinstance(value, bool):
            return self._departments_by_id.get(value, f"課（番号 {value}）")
        return self._departments_by_code.get(str(value), str(value))

    def object(self, kind: str, value) -> str:
        """An object a detail refers to by id (the audit of a check, the users of a team), named as in OBJECTS."""
        key = (kind, str(value))
        if key not in self._objects:
            found = OBJECTS[kind](self.db, [int(value)]) if str(value).isdigit() else {}
            self._objects[key] = found.get(int(value), str(value)) if found else str(value)
        return self._objects[key]

    def bureau(self, value) -> str:
        """A 部 by id or by code."""
        if self._bureaus is None:
            self._bureaus = {}
            for _id, code, name in self.db.execute("SELECT id, code, name FROM bureaus"):
                self._bureaus[_id] = self._bureaus[code] = name
        return self._bureaus.get(value, str(value))

    def checklist(self, value) -> str:
        found = self.db.execute("SELECT title FROM checklists WHERE id = ?", [str(value)]).fetchone()
        return found[0] if found else str(value)


def _date_text(value) -> str:
    try:
        return date_text(value) if len(str(value)) <= 10 else _datetime_text(value)
    except (TypeError, ValueError):
        return str(value)


def _datetime_text(value) -> str:
    try:
        moment = parse_iso(str(value))
    except (TypeError, ValueError):
        return str(value)
    return datetime_text(moment)


def _size_text(size) -> str:
    size = int(size)
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


def _labelled(labels: Callable[[], dict[str, str]]) -> Callable[[Any, _Names], str]:
    return lambda value, names: labels().get(value, str(value))


def _category_labels():
    from ..summary.scoring import CATEGORY_LABELS

    return CATEGORY_LABELS


def _severity_labels():
    from checklists.model import SEVERITY_LABELS

    return SEVERITY_LABELS


def _result_labels():
    from ..audit.values import RESULT_LABELS

    return RESULT_LABELS


def _kind_labels():
    from ..incidents.values import KINDS

    return KINDS


def _assessment_kind(value, _names) -> str:
    from ..pia.values import kind_label

    return kind_label(value)


def _sheet_status_labels():
    from ..sheets.workflow import STATUS_LABELS

    return STATUS_LABELS


def _store_outcome_labels():
    from ..catalogue.service import STORE_OUTCOME_LABELS

    return STORE_OUTCOME_LABELS


# key -> how its value reads (a single value; lists are read item by item)
VALUE_FORMATS: dict[str, Callable[[Any, _Names], str]] = {
    "fiscal_year": lambda v, n: nendo(int(v)),
    "year": lambda v, n: nendo(int(v)),
    "due_date": lambda v, n: _date_text(v),
    "reply_due": lambda v, n: _date_text(v),
    "on_date": lambda v, n: _date_text(v),
    "published_on": lambda v, n: _date_text(v),
    "assessment_kind": _assessment_kind,
    "active": lambda v, n: "はい" if v in (1, True, "1") else "いいえ",
    "started_at": lambda v, n: _datetime_text(v),
    "ended_at": lambda v, n: _datetime_text(v),
    "category": _labelled(_category_labels),
    "severity": _labelled(_severity_labels),
    "result": _labelled(_result_labels),
    "kind": _labelled(_kind_labels),
    "roles": lambda v, n: roles.role_label(v),
    "departments": lambda v, n: n.department(v),
    "removed_department_id": lambda v, n: n.department(int(v)),
    "bureau_id": lambda v, n: n.bureau(v),
    "bureau": lambda v, n: n.bureau(v),
    "bureau_code": lambda v, n: n.bureau(v),
    "checklist": lambda v, n: n.checklist(v),
    "outcome": lambda v, n: _store_outcome_labels().get(v, str(v)),
    "format": lambda v, n: FORMAT_LABELS.get(str(v).lower(), str(v)),
    "tags": lambda v, n: _tag_label(v),
    "tag": lambda v, n: _tag_label(v),
    "source": lambda v, n: SOURCE_LABELS.get(v, str(v)),
    "size": lambda v, n: _size_text(v),
    "sha256": lambda v, n: f"{str(v)[:12]}…",
    "old_head": lambda v, n: f"{str(v)[:12]}…",
    "fields": lambda v, n: field_label(v),
    "clauses": lambda v, n: f"第{v}号",
    "proposed": lambda v, n: f"第{v}号",
    "audit": lambda v, n: n.object("audit", v),
    "incident": lambda v, n: n.object("incident", v),
    "sheet": lambda v, n: n.object("sheet", v),
    "auditors": lambda v, n: n.object("user", v).removeprefix("利用者 "),
    "lead_id": lambda v, n: n.object("user", v).removeprefix("利用者 "),
    "versions": lambda v, n: n.object("checklist_version", v),
    "copied_from": lambda v, n: n.object("schedule", v),
    "owner": lambda v, n: _owner_text(v, n),
    "status": _labelled(_sheet_status_labels),
    "from": _labelled(_sheet_status_labels),
    "to": _labelled(_sheet_status_labels),
}


# Evidence owner kinds (evidence.service.OWNERS) as the objects they are.
_OWNER_OBJECTS = {"answer": "answer", "audit_item": "audit_check", "audit": "audit", "action": "corrective_action"}


def _owner_text(value, names: _Names) -> str:
    kind, _, owner_id = str(value).partition(":")
    return names.object(_OWNER_OBJECTS[kind], owner_id) if kind in _OWNER_OBJECTS else str(value)


def _tag_label(tag) -> str:
    from ..departments.service import tag_label

    return tag_label(str(tag))


def value_text(key: str, value: Any, names: _Names) -> str:
    """One detail value in words: labels for keys, 和暦 for dates, 「、」 between the items of a list."""
    if value is None or value == "" or value == []:
        return "なし"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, (list, tuple, set)):
        return "、".join(value_text(key, item, names) for item in value)
    if isinstance(value, dict):
        return "、".join(f"{field_label(k)} {value_text(k, v, names)}" for k, v in value.items())
    render = VALUE_FORMATS.get(key)
    if render is not None:
        try:
            return render(value, names)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


# Details that name an object: left out when the row's target already names it.
_REFERENCES = ("sheet", "audit", "incident")


def detail_lines(detail: dict, names: _Names, target: str = "") -> list[str]:
    """What a row's detail says, one line per field: changes as 「label: old → new」."""
    lines = []
    detail = {k: v for k, v in detail.items()
              if not (k in _REFERENCES and target and value_text(k, v, names) in target)}
    if isinstance(detail.get("before"), dict) and isinstance(detail.get("after"), dict):
        before, after = detail["before"], detail["after"]
        for key in [k for k in after if k not in before] + list(before):
            if key in _HIDDEN_KEYS or before.get(key) == after.get(key):
                continue
            lines.append(f"{field_label(key)}: {value_text(key, before.get(key), names)} → "
                         f"{value_text(key, after.get(key), names)}")
        detail = {k: v for k, v in detail.items() if k not in ("before", "after")}
    if "from" in detail and "to" in detail:
        lines.append(f"状態: {value_text('from', detail['from'], names)} → {value_text('to', detail['to'], names)}")
        detail = {k: v for k, v in detail.items() if k not in ("from", "to")}
    for key, value in detail.items():
        if key in _HIDDEN_KEYS or value is None or value == "":
            continue
        lines.append(f"{field_label(key)}: {value_text(key, value, names)}")
    return lines


# ------------------------------------------------------------------------------------------------ objects named
def _in(ids: Iterable[int]) -> tuple[str, list[int]]:
    ids = sorted(ids)
    return ", ".join("?" * len(ids)), ids


def _sheets(db: Database, ids) -> dict[int, str]:
    marks, params = _in(ids)
    return {row[0]: f"点検票 {row[1]} {row[2]} {nendo(row[3])}" for row in db.execute(
        f"""SELECT h.id, d.name, v.title, s.fiscal_year FROM sheets h JOIN departments d ON d.id = h.department_id
            JOIN checklist_versions v ON v.id = h.version_id JOIN schedules s ON s.id = h.schedule_id
            WHERE h.id IN ({marks})""", params)}


def _answers(db: Database, ids) -> dict[int, str]:
    marks, params = _in(ids)
    found = db.execute(f"SELECT id, sheet_id, item_id FROM answers WHERE id IN ({marks})", params).fetchall()
    sheets = _sheets(db, {sheet for _id, sheet, _item in found})
    return {_id: f"{sheets.get(sheet, '点検票')} の項目 {item}" for _id, sheet, item in found}


def _audits(db: Database, ids) -> dict[int, str]:
    """「監査 令和7年度 第1回 市民課、保険年金課」: the 回 counts the year's audits in the order they were made."""
    marks, params = _in(ids)
    rows = db.execute(
        f"""SELECT a.id, a.fiscal_year,
                   (SELECT count(*) FROM audits o WHERE o.fiscal_year = a.fiscal_year AND o.id <= a.id),
                   (SELECT group_concat(name, '、') FROM (SELECT d.name FROM audit_departments ad
                        JOIN departments d ON d.id = ad.department_id WHERE ad.audit_id = a.id
                        ORDER BY ad.position, d.code))
            FROM audits a WHERE a.id IN ({marks})""", params).fetchall()
    return {_id: f"監査 {nendo(year)} 第{number}回 {names or ''}".rstrip()
            for _id, year, number, names in rows}


def _audit_part(db: Database, ids, table: str, what: str) -> dict[int, str]:
    marks, params = _in(ids)
    found = db.execute(f"SELECT id, audit_id FROM {table} WHERE id IN ({marks})", params).fetchall()
    audits = _audits(db, {audit for _id, audit in found})
    return {_id: f"{what}（{audits.get(audit, '監査')}）" for _id, audit in found}


def _findings(db: Database, ids) -> dict[int, str]:
    marks, params = _in(ids)
    found = db.execute(f"SELECT id, audit_id, title FROM audit_findings WHERE id IN ({marks})", params).fetchall()
    audits = _audits(db, {audit for _id, audit, _title in found})
    return {_id: f"指摘事項 {title or ''}（{audits.get(audit, '監査')}）" for _id, audit, title in found}


def _actions(db: Database, ids) -> dict[int, str]:
    marks, params = _in(ids)
    found = db.execute(f"""SELECT c.id, d.name, c.incident_id, i.title FROM corrective_actions c
                           JOIN departments d ON d.id = c.department_id LEFT JOIN incidents i ON i.id = c.incident_id
                           WHERE c.id IN ({marks})""", params).fetchall()
    return {_id: f"改善措置 {name}" + (f"（漏えい等事案 {title}）" if incident else "")
            for _id, name, incident, title in found}


def _simple(sql: str, render: Callable[..., str]) -> Callable[[Database, Iterable[int]], dict[int, str]]:
    def lookup(db: Database, ids) -> dict[int, str]:
        marks, params = _in(ids)
        return {row[0]: render(*row[1:]) for row in db.execute(sql.format(marks=marks), params)}

    return lookup


OBJECTS: dict[str, Callable[[Database, Iterable[int]], dict[int, str]]] = {
    "sheet": _sheets,
    "answer": _answers,
    "audit": _audits,
    "audit_check": lambda db, ids: _audit_part(db, ids, "audit_checks", "確認項目"),
    "audit_finding": _findings,
    "corrective_action": _actions,
    "incident": _simple("SELECT id, title FROM incidents WHERE id IN ({marks})", lambda t: f"漏えい等事案 {t}"),
    "user": _simple("SELECT id, display_name, username FROM users WHERE id IN ({marks})",
                    lambda name, username: f"利用者 {name}（{username}）"),
    "department": _simple("SELECT id, name FROM departments WHERE id IN ({marks})", lambda name: f"課 {name}"),
    "schedule": _simple("SELECT id, title FROM schedules WHERE id IN ({marks})", lambda title: f"点検計画 {title}"),
    "evidence": _simple("SELECT id, original_name FROM evidence WHERE id IN ({marks})", lambda name: f"証跡 {name}"),
    "checklist_version": _simple("SELECT id, title, version FROM checklist_versions WHERE id IN ({marks})",
                                 lambda title, version: f"チェックリスト {title} 第{version}版"),
    "audit_plan": _simple("SELECT id, fiscal_year FROM audit_plans WHERE id IN ({marks})",
                          lambda year: f"監査計画 {nendo(year)}"),
    "pia_assessment": _simple("SELECT a.id, d.name, a.name FROM pia_assessments a JOIN departments d "
                              "ON d.id = a.department_id WHERE a.id IN ({marks})",
                              lambda department, name: f"特定個人情報保護評価書 {department} {name}"),
    "audit_cycle": _simple("SELECT id, title FROM audit_cycles WHERE id IN ({marks})", lambda t: f"中期監査計画 {t}"),
}
# Objects named by their id alone.
NAMED_BY_ID: dict[str, Callable[[str], str]] = {
    "summary": lambda year: f"全庁の集計 {nendo(int(year))}",
    "organisation": lambda _id: "組織図",
}


def _targets(db: Database, rows: list[dict]) -> dict[tuple[str, str], str]:
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row["object_type"] in OBJECTS and str(row["object_id"] or "").isdigit():
            wanted.setdefault(row["object_type"], set()).add(int(row["object_id"]))
    named = {}
    for kind, ids in wanted.items():
        for _id, text in OBJECTS[kind](db, ids).items():
            named[(kind, str(_id))] = text
    return named


def _target(row: dict, named: dict) -> str:
    kind, object_id = row["object_type"], row["object_id"]
    if not kind:
        return ""
    if (kind, str(object_id)) in named:
        return named[(kind, str(object_id))]
    if kind in NAMED_BY_ID:
        try:
            return NAMED_BY_ID[kind](object_id)
        except (TypeError, ValueError):
            pass
    return f"記録の対象（番号 {object_id}）" if object_id else "記録の対象"


def describe(db: Database, rows: list[dict]) -> list[Entry]:
    """The rows of one page (or one export) in words; names are looked up once per page, not per row."""
    names = _Names(db)
    named = _targets(db, rows)
    entries = []
    for row in rows:
        try:
            detail = json.loads(row["detail"] or "{}")
        except ValueError:
            detail = {}
        target = _target(row, named)
        entries.append(Entry(
            id=row["id"], at=_datetime_text(row["at"]), who=row["username"] or "（コマンド）",
            action=action_label(row["action"]),
            department=names.department(row["department_code"]) if row["department_code"] else "",
            target=target, details=detail_lines(detail if isinstance(detail, dict) else {}, names, target),
            ip=row["ip"] or ""))
    return entries
