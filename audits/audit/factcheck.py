"""事実確認 (fact check) of the draft report, per audited 課: the draft as sent, what changed since, the replies.

The rules, in one place:
- Sending for 事実確認 freezes the draft as each audited 課 reads it (`snapshot`: the report's sections and
  items, labelled as a reader finds them) and sets a reply deadline.
- A 課 replies 「確認しました（意見なし）」 or with comments; either records the draft it replied on (`seen`).
- Any later change to what that 課 reads (checks, findings, prose) makes its current draft differ from `seen`:
  the 課 is shown 「送付後に変更があります」 with the changed sections and items, and its reply counts as
  pending again until it replies on the changed draft (`reply_states`).
- A 課 has answered when its reply stands on the current draft and is 意見なし, or comments all answered.
- Overdue: pending after the deadline, by the one overdue rule (timeutil.is_overdue).
"""
from __future__ import annotations

import json
from datetime import date

from sqlite_utils import Database

from ..incidents.deadlines import as_date
from ..timeutil import is_overdue
from ..timeutil import now
from . import drafting, values


def snapshot(content: dict) -> dict[str, str]:
    """The draft's sections and items (label → text) from drafting.report_content, for freezing and diffing.
    The issue date and the incident annexes (dated today) are left out: they change with the calendar."""
    out = {
        "１\u3000監査の観点": content["theme"],
        "２\u3000監査対象課": content["department"],
        "３\u3000監査対象課の選定理由": content["selection_reason"],
        "４\u3000監査の実施日時、場所及び内容": json.dumps(
            [content["when"], content["places"], content["methods"],
             [(d["when"], d["places"]) for d in content["departments"]]], ensure_ascii=False),
        "５\u3000監査の結果（総括）": content["conclusion"],
    }
    for topic in content["topics"]:
        out[f"５（{topic['position']}）{topic['title']}"] = topic["text"]
    out["６\u3000終わりに"] = content["closing"]
    for department in content["departments"]:
        if not department["shown"]:
            continue
        for row in department["annex"]:
            out[f"確認結果 {row[0]}（{department['name']}）"] = json.dumps(row, ensure_ascii=False)
    for finding in content["findings"]:
        out[f"指摘事項「{finding['title']}」"] = json.dumps(finding, ensure_ascii=False, sort_keys=True)
    return out


def current(db: Database, audit: dict, department_id: int) -> dict[str, str]:
    """The draft as one audited 課 reads it now (the title, with the municipality's name, is not compared)."""
    return snapshot(drafting.report_content(db, audit, "", department_ids=[department_id]))


def diff(before: dict[str, str], after: dict[str, str]) -> list[dict]:
    """Changed sections and items in report order: [{"label", "change": 変更/追加/削除}]."""
    out = [{"label": k, "change": "追加" if k not in before else "変更"}
           for k, v in after.items() if before.get(k) != v]
    return out + [{"label": k, "change": "削除"} for k in before if k not in after]


def latest_send(db: Database, audit_id: int) -> dict | None:
    return next(db.query("SELECT * FROM audit_fact_check_sends WHERE audit_id = ? ORDER BY id DESC LIMIT 1",
                         [audit_id]), None)


def freeze(db: Database, audit: dict, user, due: date, sent_at: str) -> int:
    """Inside the send's write transaction: store the draft as sent per 課 and reset every 課's reply."""
    drafts = {d["department_id"]: current(db, audit, d["department_id"]) for d in audit["departments"]}
    send_id = db["audit_fact_check_sends"].insert({
        "audit_id": audit["id"], "version": audit["version"], "sent_at": sent_at, "sent_by": user.id,
        "due_date": due.isoformat(), "content": json.dumps(drafts, ensure_ascii=False)}).last_pk
    db.execute("DELETE FROM audit_fact_check_replies WHERE audit_id = ?", [audit["id"]])
    for department_id, draft in drafts.items():
        db["audit_fact_check_replies"].insert({
            "audit_id": audit["id"], "department_id": department_id, "send_id": send_id,
            "state": values.REPLY_PENDING, "seen": json.dumps(draft, ensure_ascii=False)})
    return send_id


def record_reply(db: Database, audit: dict, department_id: int, state: str, user, at: str) -> None:
    """Inside the caller's write transaction: the 課 replied (`state`) on the draft as it reads it now."""
    moved = db.execute("""UPDATE audit_fact_check_replies SET state = ?, seen = ?, replied_at = ?, replied_by = ?,
                          replied_by_name = ? WHERE audit_id = ? AND department_id = ?""",
                       [state, json.dumps(current(db, audit, department_id), ensure_ascii=False),
                        at, user.id, user.display_name, audit["id"], department_id]).rowcount
    if moved != 1:
        from .plans import AuditError

        raise AuditError("この課には事実確認が依頼されていません。")


def reply_states(db: Database, audit: dict, department_ids=None, today: date | None = None) -> list[dict]:
    """Per audited 課 (all, or `department_ids`) of the latest send: its reply as it stands on the current draft.

    Each: department_id, name, state (pending when the 課's draft changed since it replied), state_label,
    changes (since the draft it last replied on, or as sent), unanswered (its comments without an answer),
    answered (may be issued as far as this 課 goes), due_date, overdue."""
    send = latest_send(db, audit["id"])
    if send is None or send["version"] != audit["version"]:
        return []
    today = today or now().date()
    rows = {r["department_id"]: r for r in db.query(
        "SELECT * FROM audit_fact_check_replies WHERE audit_id = ? AND send_id = ?", [audit["id"], send["id"]])}
    out = []
    for department in audit["departments"]:
        department_id = department["department_id"]
        if department_ids is not None and department_id not in department_ids:
            continue
        row = rows.get(department_id)
        changes = diff(json.loads(row["seen"]), current(db, audit, department_id)) if row else []
        state = row["state"] if row and not changes else values.REPLY_PENDING
        unanswered = db.execute("""SELECT COUNT(*) FROM audit_comments WHERE audit_id = ? AND version = ?
                                   AND department_id = ? AND (response IS NULL OR response = '')""",
                                [audit["id"], audit["version"], department_id]).fetchone()[0]
        due = as_date(send["due_date"])
        out.append({
            "department_id": department_id, "name": department["name"],
            "label": f"{department['bureau_name']} {department['name']}", "state": state,
            "state_label": values.REPLY_STATE_LABELS[state] + ("（送付後に変更があります）" if changes else ""),
            "changes": changes, "unanswered": unanswered,
            "answered": state == values.REPLY_NO_COMMENT or (state == values.REPLY_COMMENTED and not unanswered),
            "replied_at": row["replied_at"] if row and not changes else None,
            "due_date": send["due_date"],
            "overdue": state == values.REPLY_PENDING and is_overdue(due, None, today),
        })
    return out


def missing_replies(db: Database, audit: dict) -> list[dict]:
    """The audited 課 whose reply does not yet allow the issue (for workflow.issue)."""
    states = reply_states(db, audit)
    if not states:   # sent before replies were recorded: every 課 is still to reply
        return [{"name": d["name"], "label": f"{d['bureau_name']} {d['name']}"} for d in audit["departments"]]
    return [s for s in states if not s["answered"]]
