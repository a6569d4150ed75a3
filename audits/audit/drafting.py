"""The 監査報告書's content: facts filled from the record, prose written by the auditor, draft sentences.

`report_content()` gathers everything the PDF shows into one plain dict (what an issued report freezes).
`proposals()` suggests sentences from the recorded results (narrative.py): the 総括 with one judgment per
観点, per 監査項目 what was confirmed and what is asked, and ６ from the 年度's material.
"""
from __future__ import annotations

import re

from sqlite_utils import Database

from checklists.sources import human_text

from ..activity import service as activity
from ..timeutil import now_iso
from ..db import transaction
from ..revisions import UNCHECKED
from ..wareki import nendo, wareki_date, wareki_span, zenkaku
from . import findings as findings_service
from . import editing, narrative, values, visits
from .plans import AuditError

OTHER_TITLE = "その他の事項"


def linked_incidents(db: Database, audit_id: int) -> list[dict]:
    """The incidents the audit was planned from (５'s 総括, ６ and the 別添)."""
    from ..incidents import links as incident_links
    from ..incidents import service as incident_service

    return [incident_service.load_incident(db, incident_id)
            for incident_id in incident_links.audit_incident_ids(db, audit_id)]


def proposals(db: Database, audit: dict, municipality: str = "") -> dict:
    """Draft sentences from the recorded results (narrative.py): {'conclusion', 'closing',
    'topics': {topic_id: text}, 'other': text of 「その他の事項」 (findings not attached to a 監査項目; '' when
    there are none)}."""
    multi = bool(audit.get("multi"))
    all_checks = visits.checks(db, audit)
    all_findings = findings_service.findings(db, audit["id"])
    topics = visits.topics(db, audit["id"])
    incidents = linked_incidents(db, audit["id"])
    topic_texts = {topic["id"]: narrative.topic_text([c for c in all_checks if c["topic_id"] == topic["id"]],
                                                     [f for f in all_findings if f["topic_id"] == topic["id"]], multi)
                   for topic in topics}
    return {"conclusion": narrative.conclusion(audit, topics, all_checks, bool(incidents)),
            "closing": narrative.closing(db, audit, municipality, incidents), "topics": topic_texts,
            "other": narrative.other_text([f for f in all_findings if f["topic_id"] is None], multi)}


_KEEP = object()


def save_prose(db: Database, audit: dict, *, theme: str, selection_reason: str, conclusion: str, closing: str,
               topic_texts: dict[int, str], user, other_text=_KEEP, base=UNCHECKED) -> None:
    """Save the auditor's prose; other_text is 「その他の事項」 (empty: use the generated text; omitted: unchanged).

    `base`: the fingerprint the form was loaded with (editing.py); a save over someone else's is refused."""
    row = {"theme": (theme or "").strip(), "selection_reason": (selection_reason or "").strip(),
           "conclusion": (conclusion or "").strip(), "closing": (closing or "").strip()}
    if other_text is not _KEEP:
        row["other_text"] = (other_text or "").strip() or None
    with transaction(db):
        editing.check(db, audit["id"], base, editing.prose_values(db, audit["id"]))
        editing.touch(db, audit["id"], user, row)
        for topic_id, text in topic_texts.items():
            db.execute("UPDATE audit_topics SET result_text = ? WHERE id = ? AND audit_id = ?",
                       [(text or "").strip(), topic_id, audit["id"]])
        activity.record(db, "audit.prose_save", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"])


def apply_proposals(db: Database, audit: dict, user, *, overwrite: bool = False, municipality: str = "") -> int:
    """Put the proposed sentences into the empty prose fields (all of them with overwrite); returns how many."""
    proposed = proposals(db, audit, municipality)
    filled = 0
    with transaction(db):
        row = {}
        for key in ("conclusion", "closing"):
            if overwrite or not (audit[key] or "").strip():
                row[key] = proposed[key]
                filled += 1
        if proposed["other"] and (overwrite or not (audit.get("other_text") or "").strip()):
            row["other_text"] = proposed["other"]
            filled += 1
        if row:
            editing.touch(db, audit["id"], user, row)
        for topic in visits.topics(db, audit["id"]):
            text = proposed["topics"].get(topic["id"], "")
            if text and (overwrite or not (topic["result_text"] or "").strip()):
                db["audit_topics"].update(topic["id"], {"result_text": text})
                filled += 1
        activity.record(db, "audit.prose_save", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"proposals_applied": filled})
    return filled


def save_report_options(db: Database, audit: dict, user, *, report_number: str, show_annex: bool,
                        show_findings: bool) -> None:
    """The report's 報告資料 number line, 別表 and 指摘事項の一覧 (an issued version is not changed)."""
    if audit["status"] == values.ISSUED:
        raise AuditError("発行済みの監査報告書は変更できません。改訂版を作成してから変更してください。")
    row = {"report_number": (report_number or "").strip() or None, "show_annex": int(bool(show_annex)),
           "show_findings": int(bool(show_findings))}
    with transaction(db):
        editing.touch(db, audit["id"], user, row)
        activity.record(db, "audit.report_options", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail=row)


def report_subject(municipality: str, basis: str | None) -> str:
    """<団体名><根拠> (みどり市個人情報保護条例): a 根拠 that starts with the 団体名 does not double it."""
    basis = (basis or "").strip() or values.DEFAULT_BASIS
    if municipality and basis.startswith(municipality):
        basis = basis[len(municipality):]
    return f"{municipality}{basis}"


def report_title(fiscal_year: int, municipality: str, basis: str | None) -> str:
    """令和N年度 <団体名><根拠>に基づく監査 報告書."""
    return f"{nendo(fiscal_year)} {report_subject(municipality, basis)}に基づく監査 報告書"


def plan_basis(db: Database, audit: dict) -> str | None:
    """The 根拠 of the audit's plan (None without a plan: the default applies)."""
    if not audit.get("plan_id"):
        return None
    row = db.execute("SELECT basis FROM audit_plans WHERE id = ?", [audit["plan_id"]]).fetchone()
    return row[0] if row else None


def _span(started_at: str | None, ended_at: str | None) -> str:
    return wareki_span(started_at, ended_at) if started_at else "（未記入）"


_SENTENCE = re.compile(r"[^。]*。|[^。]+$")


def for_departments(text: str, own: list[str], others: list[str]) -> str:
    """The prose one 課 of a joint audit reads during 事実確認: a sentence that names another audited 課 (`others`)
    and not this one (`own`) is left out, as is a paragraph left empty; the common sentences stay."""
    others = [o for o in others if not any(o in n for n in own)]    # 「市民課」 inside 「市民課分室」 is one's own
    paragraphs = []
    for paragraph in (text or "").split("\n"):
        sentences = _SENTENCE.findall(paragraph)
        kept = [x for x in sentences if any(n in x for n in own) or not any(o in x for o in others)]
        if kept or not sentences:
            paragraphs.append("".join(kept))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(paragraphs)).strip("\n")


def report_content(db: Database, audit: dict, municipality: str, *, department_ids=None) -> dict:
    """Everything the 監査報告書 shows, as plain data (frozen as JSON when the report is issued).

    With several 課, ２ lists each 課, ４ gives 日時・場所 per 課 when a 課 was visited apart from the others,
    and the annex is grouped per 課. `department_ids` (the draft shown to one audited 課 for 事実確認) keeps
    the annex and the list of findings to those 課, and in a joint audit the prose to its common sentences and
    those about those 課 (for_departments)."""
    audit = visits.decoded(dict(audit))
    multi = bool(audit.get("multi"))
    if multi and department_ids is not None:
        own = [d["name"] for d in audit["departments"] if d["department_id"] in department_ids]
        others = [d["name"] for d in audit["departments"] if d["department_id"] not in department_ids]
        prose = lambda text: for_departments(text, own, others)  # noqa: E731
    else:
        prose = lambda text: text or ""  # noqa: E731
    all_checks = visits.checks(db, audit, department_ids)
    all_findings = findings_service.findings(db, audit["id"])
    shown_findings = [f for f in all_findings if department_ids is None or f["department_id"] in department_ids]
    counts = visits.result_counts(db, audit["id"], department_ids)
    loose = [f for f in all_findings if f["topic_id"] is None]
    topics = [{"position": t["position"], "title": t["title"], "text": prose(t["result_text"]), "extra": False}
              for t in visits.topics(db, audit["id"])]
    other_text = audit.get("other_text")
    if loose or (other_text or "").strip():
        topics.append({"position": len(topics) + 1, "title": OTHER_TITLE,
                       "text": prose(other_text if other_text is not None else narrative.other_text(loose, multi)),
                       "extra": True})

    def counts_text(rows: list[dict], found: list[dict]) -> str:
        per = {label: sum(1 for c in rows if c["result"] == r) for r, label in values.RESULT_LABELS.items()}
        detail = "、".join(f"{k} {zenkaku(v)}" for k, v in per.items())
        return f"確認した項目 {zenkaku(len(rows))}項目（{detail}）、指摘事項 {zenkaku(len(found))}件"

    def annex_row(c: dict) -> list[str]:
        return [c["item_id"], c["question"], c["answer_text"] or "（回答なし）", values.RESULT_LABELS[c["result"]],
                c["note"] or ""]

    def finding_row(f: dict) -> dict:
        row = {"title": f["title"], "severity": values.SEVERITY_LABELS[f["severity"]],
               "clause": human_text(f["clause"] or ""),
               "request_kind": values.REQUEST_KIND_LABELS[f["request_kind"]], "request": f["request"],
               "due_date": f["due_date"]}
        return {**row, "department": f["department_name"]} if multi else row

    departments = []
    for d in audit["departments"]:
        shown = department_ids is None or d["department_id"] in department_ids
        rows = [c for c in all_checks if c["department_id"] == d["department_id"]]
        found = [f for f in shown_findings if f["department_id"] == d["department_id"]]
        departments.append({
            "code": d["code"], "name": d["name"], "bureau_name": d["bureau_name"],
            "label": f"{d['bureau_name']}{d['name']}",
            "when": _span(d["started_at"], d["ended_at"]) if d["started_at"] else None,
            "places": d["places_list"], "shown": shown,
            "counts_text": counts_text(rows, found), "annex": [annex_row(c) for c in rows]})
    return {
        "audit_id": audit["id"], "version": audit["version"],
        "title": report_title(audit["fiscal_year"], municipality, plan_basis(db, audit)),
        "fiscal_year": audit["fiscal_year"], "fiscal_year_label": nendo(audit["fiscal_year"]),
        "municipality": municipality, "multi": multi,
        "theme": prose(audit["theme"]), "department": "、".join(d["label"] for d in departments),
        "department_name": audit["department_name"], "department_code": audit["department_code"],
        "departments": departments,
        "selection_reason": prose(audit["selection_reason"]),
        "when": _span(audit["started_at"], audit["ended_at"]),
        "places": audit["places_list"], "methods": values.methods_text(audit["methods_list"]),
        "topics": topics, "conclusion": prose(audit["conclusion"]), "closing": prose(audit["closing"]),
        "counts": counts, "counts_text": counts_text(all_checks, shown_findings),
        "annex": [annex_row(c) for c in all_checks],
        "findings": [finding_row(f) for f in (sorted(shown_findings, key=lambda f: (f["department_position"] or 0,
                                                                                   f["position"]))
                                              if multi else shown_findings)],
        "issued_on": wareki_date(audit["issued_at"]) if audit.get("issued_at") else "",
        "report_number": (audit.get("report_number") or "").strip(),
        "show_annex": bool(audit.get("show_annex", 1)), "show_findings": bool(audit.get("show_findings", 1)),
        "incidents": incident_annexes(db, audit, department_ids),
    }


def incident_annexes(db: Database, audit: dict, department_ids=None) -> list[dict]:
    """The incidents the audit was planned from, each as its 審議会 report (incidents/report_pdf.py) attached
    as 別添 (Setagaya's 報告資料No.6-3 beside No.6-2), dated the day of issue (today for a draft). The draft
    shown to one 課 for 事実確認 (`department_ids`) carries only that 課's incidents."""
    from ..incidents import service as incident_service

    on = (audit.get("issued_at") or now_iso())[:10]
    out = []
    for incident in linked_incidents(db, audit["id"]):
        if department_ids is not None and not set(incident["department_ids"]) & set(department_ids):
            continue
        out.append({"incident": incident, "events": incident_service.events(db, incident["id"]), "on": on})
    return out


def when_and_where(content: dict) -> tuple[list[str], list[str]]:
    """Lines of ４（１）日時 and （２）場所: as one when every 課 was visited together, else one line per 課
    (「健康づくり課　令和７年２月２６日（水）午後３時００分から…」), a 課 without its own using the audit's."""
    departments = content.get("departments") or []
    when_lines = [content["when"]]
    place_lines = list(content["places"]) or ["（未記入）"]
    if len(departments) > 1 and any(d["when"] for d in departments):
        when_lines = [f"{d['name']}\u3000{d['when'] or content['when']}" for d in departments]
    if len(departments) > 1 and any(d["places"] for d in departments):
        place_lines = [f"{d['name']}\u3000{'、'.join(d['places'] or content['places']) or '（未記入）'}"
                       for d in departments]
    return when_lines, place_lines
