"""What links an incident to the rest of Tenken: the checklist items whose failure caused it (incident_items) and
the audits planned from it (audit_incidents). Corrective actions (再発防止策) live with the audit's findings in
audit/findings.py: one model of 改善措置.

Item links point at a version's item row (a real foreign key) and are read by the item's stable id, so an
incident linked to G-04-06 of version 1 is shown beside G-04-06 of every version. Who sees a linked incident is
decided as for the incident itself (access.records_department_ids): a list built here never shows another
課's incident to a 課.
"""
from __future__ import annotations

import re
from typing import Mapping

from sqlite_utils import Database

from ..access import records_department_ids
from ..activity import service as activity
from ..db import Conditions, transaction
from ..timeutil import now_iso
from .service import IncidentError

ITEM_SEPARATORS = re.compile(r"[\s,、，;；]+")


def parse_item_ids(text: str) -> list[str]:
    """「g-04-06、G-08-05」 -> ['G-04-06', 'G-08-05'] (upper-cased, duplicates dropped, order kept)."""
    out: list[str] = []
    for part in ITEM_SEPARATORS.split((text or "").strip()):
        part = part.strip().upper()
        if part and part not in out:
            out.append(part)
    return out


def resolve_items(db: Database, item_ids: list[str]) -> dict[str, int]:
    """Each item id -> the row of its newest version (the highest version that has it)."""
    if not item_ids:
        return {}
    where = Conditions().ids("i.item_id", item_ids)
    rows = db.execute(
        f"""SELECT i.item_id, i.id FROM checklist_items i JOIN checklist_versions v ON v.id = i.version_id
            {where.sql()} ORDER BY v.version, i.id""", where.params).fetchall()
    return {item_id: pk for item_id, pk in rows}  # the last (newest) row wins


def set_items(db: Database, user, incident: Mapping, text: str) -> list[str]:
    """Replace the incident's linked items by those named in `text`; unknown ids are refused, naming them."""
    wanted = parse_item_ids(text)
    found = resolve_items(db, wanted)
    unknown = [i for i in wanted if i not in found]
    if unknown:
        message = f"点検項目が見つかりません: {'、'.join(unknown)}（項目番号は点検項目の一覧で確かめてください）"
        raise IncidentError(message, {"item_ids": message})
    with transaction(db):
        db.execute("DELETE FROM incident_items WHERE incident_id = ?", [incident["id"]])
        db["incident_items"].insert_all({"incident_id": incident["id"], "item_pk": found[i]} for i in wanted)
        activity.record(db, "incident.items", department_code=incident["department_code"], object_type="incident",
                        object_id=incident["id"], detail={"items": wanted})
    return wanted


def linked_items(db: Database, incident_id: int) -> list[dict]:
    """The incident's items with their question and checklist (as linked)."""
    return list(db.query(
        """SELECT i.item_id, i.question, i.severity, v.checklist_id, v.version FROM incident_items x
           JOIN checklist_items i ON i.id = x.item_pk JOIN checklist_versions v ON v.id = i.version_id
           WHERE x.incident_id = ? ORDER BY i.item_id""", [incident_id]))


def _visible(user, alias: str = "x") -> Conditions:
    """Incidents the user may see (as the register's list decides), over an incident id column."""
    where = Conditions()
    visible = records_department_ids(user)
    if visible is not None:
        ids = Conditions().ids("department_id", visible)
        where.add(f"{alias}.incident_id IN (SELECT incident_id FROM incident_departments {ids.sql()})", *ids.params)
    return where


def incidents_by_item(db: Database, user, *, item_ids=None, department_id: int | None = None) -> dict[str, list]:
    """Item id -> the incidents linked to it that the user may see (newest 覚知 first); `item_ids` limits the
    items, `department_id` the incidents to one 課's."""
    where = _visible(user)
    if item_ids is not None:
        where.ids("i.item_id", list(item_ids))
    if department_id is not None:
        where.add("x.incident_id IN (SELECT incident_id FROM incident_departments WHERE department_id = ?)",
                  department_id)
    out: dict[str, list] = {}
    for row in db.query(
            f"""SELECT i.item_id, n.id, n.title, n.kind, n.discovered_at FROM incident_items x
                JOIN checklist_items i ON i.id = x.item_pk JOIN incidents n ON n.id = x.incident_id
                {where.sql()} ORDER BY n.discovered_at DESC, n.id""", where.params):
        bucket = out.setdefault(row["item_id"], [])
        if all(r["id"] != row["id"] for r in bucket):
            bucket.append(row)
    return out


def department_incidents(db: Database, department_id: int) -> list[dict]:
    """A 課's incidents, newest 覚知 first, each with its linked item ids (for the 課's sheet page)."""
    rows = list(db.query(
        """SELECT n.id, n.title, n.kind, n.discovered_at, n.closed_at,
                  (SELECT group_concat(item_id, '、') FROM (SELECT DISTINCT i.item_id FROM incident_items x
                     JOIN checklist_items i ON i.id = x.item_pk WHERE x.incident_id = n.id ORDER BY i.item_id))
                  AS item_ids
           FROM incidents n JOIN incident_departments d ON d.incident_id = n.id AND d.department_id = ?
           ORDER BY n.discovered_at DESC, n.id""", [department_id]))
    return rows


# ----------------------------------------------------------------------------- audits planned from incidents

def link_audit(db: Database, audit_id: int, incident_id: int, user) -> None:
    """Link an incident to an audit (idempotent); the 監査報告書 then carries the incident report as an annex."""
    if db.execute("SELECT 1 FROM audit_incidents WHERE audit_id = ? AND incident_id = ?",
                  [audit_id, incident_id]).fetchone():
        return
    with transaction(db):
        db["audit_incidents"].insert({"audit_id": audit_id, "incident_id": incident_id, "created_at": now_iso(),
                                      "created_by": user.id})
        code = db.execute("""SELECT d.code FROM incident_departments x JOIN departments d ON d.id = x.department_id
                             WHERE x.incident_id = ? ORDER BY d.code LIMIT 1""", [incident_id]).fetchone()
        activity.record(db, "audit.incident_link", department_code=code[0] if code else None, object_type="audit",
                        object_id=audit_id, detail={"incident": incident_id})


def unlink_audit(db: Database, audit_id: int, incident_id: int, user) -> None:
    with transaction(db):
        db.execute("DELETE FROM audit_incidents WHERE audit_id = ? AND incident_id = ?", [audit_id, incident_id])
        activity.record(db, "audit.incident_unlink", object_type="audit", object_id=audit_id,
                        detail={"incident": incident_id})


def audit_incident_ids(db: Database, audit_id: int) -> list[int]:
    return [r[0] for r in db.execute("""SELECT x.incident_id FROM audit_incidents x JOIN incidents n
                                        ON n.id = x.incident_id WHERE x.audit_id = ?
                                        ORDER BY n.discovered_at, n.id""", [audit_id])]


def incident_audits(db: Database, incident_id: int) -> list[dict]:
    """The audits linked to an incident, newest 年度 first."""
    return list(db.query(
        """SELECT a.id, a.fiscal_year, a.status FROM audit_incidents x JOIN audits a ON a.id = x.audit_id
           WHERE x.incident_id = ? ORDER BY a.fiscal_year DESC, a.id DESC""", [incident_id]))


# ----------------------------------------------------------------------------- 「この事案から監査を計画」

# Setagaya's 報告資料No.6-2 「１ 監査の観点」, for an audit planned from an incident.
AUDIT_THEME_REPORTED = (
    "個人情報の保護に関する法律（以下「法」という。）第６８条の規定に基づき、国（個人情報保護委員会）に報告すべき"
    "漏えい等の事態が生じた事案に係る所管課に対し、その改善状況について確認するとともに、当該所管課に対して保有個人"
    "情報を取り扱う事務について個人情報保護管理基準（以下「管理基準」という。）に即した方法で行っているかどうかに"
    "ついて確認する。")
AUDIT_THEME_OTHER = (
    "保有個人情報の漏えい等の事案が生じた所管課に対し、その改善状況について確認するとともに、当該所管課に対して保有"
    "個人情報を取り扱う事務について個人情報保護管理基準（以下「管理基準」という。）に即した方法で行っているかどうか"
    "について確認する。")
AUDIT_REASON_CLOSE = ("本件監査においては、本件事案発生後の事務における改善策等について検証する必要があることから、"
                      "同課を監査対象課として選定することとした。")


def audit_proposal(incident: Mapping) -> dict:
    """The 監査の観点 and 選定理由 of an audit planned from this incident, in the words of Setagaya's
    報告資料No.6-2 「３ 監査対象課の選定理由」 (what happened, what made it serious, what was reported, why audit)."""
    from ..wareki import wareki_month
    from . import judgement
    from .deadlines import as_date
    from .values import kind_label

    when = as_date(incident["occurred_on"] or incident["discovered_at"][:10])
    month = wareki_month(when)
    sentences = [f"上記監査対象課は、{month}に、{incident['title']}（{kind_label(incident['kind'])}）が生じた。"]
    kinds = [label for key, label in (("sensitive", "要配慮個人情報"), ("ordinance_sensitive", "条例要配慮個人情報"),
                                      ("mynumber", "特定個人情報")) if incident.get(key)]
    if kinds:
        sentences.append(f"本件事案において、対象となった情報には{'及び'.join(kinds)}が含まれていた。")
    clauses = sorted(judgement.effective_clauses(incident))
    required = judgement.report_required(set(clauses))
    if required:
        sentences.append(f"本件は{'、'.join(judgement.clause_label(n) for n in clauses)}に掲げる事態に該当すると"
                         "判断し、法第６８条の規定に基づき、国（個人情報保護委員会）に報告した。")
    sentences.append(AUDIT_REASON_CLOSE)
    return {"theme": AUDIT_THEME_REPORTED if required else AUDIT_THEME_OTHER, "selection_reason": "".join(sentences)}
