"""The 監査報告書's content: facts filled from the record, prose written by the auditor, draft sentences.

`report_content()` gathers everything the PDF shows into one plain dict (what an issued report freezes).
`proposals()` suggests sentences from the recorded results: the overall conclusion, one 「…を確認した。」
per group of 適正/概ね適正 items (same 監査項目 and checklist section), one 「…取り組まれたい。」 per finding.
"""
from __future__ import annotations

from itertools import groupby

from sqlite_utils import Database

from ..activity import service as activity
from ..db import transaction
from ..timeutil import now_iso
from ..wareki import nendo, wareki_date, wareki_span, zenkaku
from . import findings as findings_service
from . import values, visits

CONCLUSION_FINE = "監査対象課における保有個人情報を取り扱う事務については、概ね適正であると判断する。以下にその理由を記載する。"
CONCLUSION_IMPROPER = ("監査対象課における保有個人情報を取り扱う事務については、一部に不適正な取扱いが認められた。"
                       "以下にその内容と理由を記載する。")
CLOSING_DEFAULT = ("各課においては、本報告書の内容を参考に、日々の業務や各種研修・自己点検等を通じて、"
                   "保有個人情報の取扱いが管理基準に即して行われているかをあらためて確認し、"
                   "個人情報の適正な取扱いに着実に取り組まれたい。")
_VERB_ENDINGS = tuple("るすうくぐむぶつぬ")


def _strip_period(text: str) -> str:
    return (text or "").strip().rstrip("。").strip()


def finding_sentence(finding: dict) -> str:
    """「…が見受けられた。監査対象課においては、…よう取り組まれたい。」"""
    title, request = _strip_period(finding["title"]), _strip_period(finding["request"])
    found = f"{title}。" if title.endswith(("た", "る", "い", "ない")) else f"{title}が見受けられた。"
    if request.endswith("たい"):
        asked = f"{request}。"
    elif request.endswith(_VERB_ENDINGS):
        asked = f"{request}よう取り組まれたい。"
    else:
        asked = f"{request}に取り組まれたい。"
    return f"{found}監査対象課においては、{asked}"


def confirmed_sentence(section_title: str, checks: list[dict]) -> str:
    """One 「…を確認した。」 for a group of items found 適正 / 概ね適正."""
    ids = "、".join(c["item_id"] for c in checks)
    notes = [_strip_period(c["note"]) for c in checks if (c["note"] or "").strip()]
    manner = "適正に" if all(c["result"] == "適正" for c in checks) else "概ね適正に"
    if notes:
        return f"{section_title}（{ids}）について、{'。'.join(notes)}。これらの取組が{manner}行われていることを確認した。"
    return f"{section_title}（{ids}）について、自己点検の回答のとおり{manner}取り扱われていることを確認した。"


def _topic_proposal(checks: list[dict], topic_findings: list[dict]) -> str:
    good = [c for c in checks if c["result"] in values.GOOD_RESULTS]
    parts = []
    if good:
        parts.append("① 確認した事項")
        for section_title, group in groupby(sorted(good, key=lambda c: (c["section_id"], c["position"])),
                                            key=lambda c: c["section_title"]):
            parts.append(confirmed_sentence(section_title, list(group)))
    if topic_findings:
        kinds = {f["request_kind"] for f in topic_findings}
        heading = "改善を求める事項" if "改善を求める事項" in kinds else "要望"
        parts.append(f"{'②' if good else '①'} {heading}")
        parts.extend(finding_sentence(f) for f in topic_findings)
    return "\n\n".join(parts)


def proposals(db: Database, audit: dict) -> dict:
    """Draft sentences from the recorded results: {'conclusion', 'closing', 'topics': {topic_id: text}}."""
    all_checks = visits.checks(db, audit)
    all_findings = findings_service.findings(db, audit["id"])
    improper = any(c["result"] == "不適正" for c in all_checks)
    topic_texts = {}
    for topic in visits.topics(db, audit["id"]):
        topic_texts[topic["id"]] = _topic_proposal([c for c in all_checks if c["topic_id"] == topic["id"]],
                                                   [f for f in all_findings if f["topic_id"] == topic["id"]])
    return {"conclusion": CONCLUSION_IMPROPER if improper else CONCLUSION_FINE, "closing": CLOSING_DEFAULT,
            "topics": topic_texts}


def save_prose(db: Database, audit: dict, *, theme: str, selection_reason: str, conclusion: str, closing: str,
               topic_texts: dict[int, str], user) -> None:
    with transaction(db):
        db["audits"].update(audit["id"], {
            "theme": (theme or "").strip(), "selection_reason": (selection_reason or "").strip(),
            "conclusion": (conclusion or "").strip(), "closing": (closing or "").strip(),
            "updated_at": now_iso(), "updated_by": user.id, "revision": audit["revision"] + 1})
        for topic_id, text in topic_texts.items():
            db.execute("UPDATE audit_topics SET result_text = ? WHERE id = ? AND audit_id = ?",
                       [(text or "").strip(), topic_id, audit["id"]])
        activity.record(db, "audit.prose_save", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"])


def apply_proposals(db: Database, audit: dict, user, *, overwrite: bool = False) -> int:
    """Put the proposed sentences into the empty prose fields (all of them with overwrite); returns how many."""
    proposed = proposals(db, audit)
    filled = 0
    with transaction(db):
        row = {}
        for key in ("conclusion", "closing"):
            if overwrite or not (audit[key] or "").strip():
                row[key] = proposed[key]
                filled += 1
        if row:
            db["audits"].update(audit["id"], {**row, "updated_at": now_iso(), "updated_by": user.id,
                                              "revision": audit["revision"] + 1})
        for topic in visits.topics(db, audit["id"]):
            text = proposed["topics"].get(topic["id"], "")
            if text and (overwrite or not (topic["result_text"] or "").strip()):
                db["audit_topics"].update(topic["id"], {"result_text": text})
                filled += 1
        activity.record(db, "audit.prose_save", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"proposals_applied": filled})
    return filled


def report_title(fiscal_year: int, municipality: str, basis: str | None) -> str:
    return f"{nendo(fiscal_year)} {municipality}{basis or values.DEFAULT_BASIS}に基づく監査 報告書"


def report_content(db: Database, audit: dict, municipality: str) -> dict:
    """Everything the 監査報告書 shows, as plain data (frozen as JSON when the report is issued)."""
    audit = visits.decoded(dict(audit))
    plan = db.execute("SELECT basis FROM audit_plans WHERE id = ?", [audit["plan_id"]]).fetchone() \
        if audit["plan_id"] else None
    all_checks = visits.checks(db, audit)
    all_findings = findings_service.findings(db, audit["id"])
    counts = visits.result_counts(db, audit["id"])
    loose = [f for f in all_findings if f["topic_id"] is None]
    topics = [{"position": t["position"], "title": t["title"], "text": t["result_text"] or "", "extra": False}
              for t in visits.topics(db, audit["id"])]
    if loose:
        topics.append({"position": len(topics) + 1, "title": "その他の事項",
                       "text": "\n\n".join(finding_sentence(f) for f in loose), "extra": True})
    counts_text = "、".join(f"{k} {zenkaku(v)}" for k, v in counts.items())
    return {
        "audit_id": audit["id"], "version": audit["version"],
        "title": report_title(audit["fiscal_year"], municipality, plan[0] if plan else None),
        "fiscal_year": audit["fiscal_year"], "fiscal_year_label": nendo(audit["fiscal_year"]),
        "municipality": municipality,
        "theme": audit["theme"] or "", "department": f"{audit['bureau_name']}{audit['department_name']}",
        "department_name": audit["department_name"], "department_code": audit["department_code"],
        "selection_reason": audit["selection_reason"] or "",
        "when": wareki_span(audit["started_at"], audit["ended_at"]) if audit["started_at"] else "（未記入）",
        "places": audit["places_list"], "methods": values.methods_text(audit["methods_list"]),
        "topics": topics, "conclusion": audit["conclusion"] or "", "closing": audit["closing"] or "",
        "counts": counts,
        "counts_text": f"確認した項目 {zenkaku(len(all_checks))}項目（{counts_text}）、"
                       f"指摘事項 {zenkaku(len(all_findings))}件",
        "annex": [[c["item_id"], c["question"], c["answer_text"] or "（回答なし）", c["result"], c["note"] or ""]
                  for c in all_checks],
        "findings": [{"title": f["title"], "severity": f["severity"], "clause": f["clause"] or "",
                      "request_kind": f["request_kind"], "request": f["request"], "due_date": f["due_date"]}
                     for f in all_findings],
        "issued_on": wareki_date(audit["issued_at"]) if audit.get("issued_at") else "",
    }
