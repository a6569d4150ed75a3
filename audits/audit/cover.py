"""The cover 報告 that tables a 監査報告書 at the 審議会, in the form of Setagaya's 報告資料No.6-1:

    報告資料Ｎｏ．６－１                                   (optional, entered when printing)
    報告第３７８号                                         (optional, entered when printing)
        <団体名><根拠>に基づく監査の結果について（令和N年度分）
                                            令和７年７月１１日  (the report's issue date; today on a draft)
                                            総務部区政情報課    (setting PRIVACY_OFFICE)
    the legal basis (法第６６条; the city's 条例 and its article from ORDINANCE_AUDIT_ARTICLE, never invented)
                                    記
    ・監査の結果  <the report's 報告資料 number>「<the report's title>」のとおり。
    ※ one line per incident behind the audit that was reported to the 審議会 (setting COUNCIL_NAME)

An issued report's cover refers to the issued version (its frozen title, number line and date); a draft's to
the current draft, dated today and marked 案.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlite_utils import Database

from ..pdf import blocks, document
from ..pdf.linebreak import Paragraph
from ..pdf.styles import BODY_SIZE, styles
from ..timeutil import now
from ..wareki import hankaku, nendo, wareki_date, zenkaku
from . import drafting
from .plans import AuditError

# The amended 個人情報の保護に関する法律 applies to local governments from this day (令和３年法律第３７号 附則).
LAW_APPLIED_ON = date(2023, 4, 1)
NUMBER_MAX = 99999        # the largest N of a 報告第N号 (the cover's own, an incident's report to the 審議会)


@dataclass(frozen=True)
class CoverSettings:
    """What is the city's own on the cover: from the settings of the same names (config.py)."""
    office: str = ""          # PRIVACY_OFFICE, e.g. 総務部区政情報課
    article: str = ""         # ORDINANCE_AUDIT_ARTICLE, e.g. 第５条第５項
    council: str = ""         # COUNCIL_NAME

    @classmethod
    def from_config(cls, config: Mapping) -> "CoverSettings":
        return cls(office=(config.get("PRIVACY_OFFICE") or "").strip(),
                   article=(config.get("ORDINANCE_AUDIT_ARTICLE") or "").strip(),
                   council=(config.get("COUNCIL_NAME") or "").strip())


def opening(subject: str, fiscal_year: int, article: str) -> list[str]:
    """The two opening paragraphs (the wording of 報告資料No.6-1). `subject` is <団体名><根拠>; when it is no
    条例 the paragraphs name the law alone, and without `article` they cite no article of the 条例."""
    ordinance = subject.endswith("条例")
    laws = f"個人情報の保護に関する法律（以下「法」という。）{f'及び{subject}（以下「条例」という。）' if ordinance else ''}"
    first = (f"{laws}の改正に伴い、{wareki_date(LAW_APPLIED_ON, weekday=False)}から、法第６６条の規定に基づく安全管理措置"
             "の一環として、個人情報の管理の状況について監査を実施することとなった。")
    article = zenkaku(article)
    unit = article[-1] if article and article[-1] in "条項号" else ""
    if ordinance and article:
        who = f"条例{article}の規定に基づき設置する監査責任者が{f'同{unit}の規定により' if unit else ''}実施する"
    else:
        who = "監査責任者が実施する"
    second = (f"この度、{who}個人情報の管理の状況についての監査に関して、{nendo(fiscal_year)}の実施結果を下記のとおり"
              "報告する。")
    return [first, second]


def incident_note(incident: Mapping, council: str) -> str | None:
    """The ※ line for an incident reported to the 審議会 (its date and/or number recorded), else None."""
    on, number = incident.get("council_reported_on"), incident.get("council_report_number")
    if not on and not number:
        return None
    reference = (f"{wareki_date(on, weekday=False)}付" if on else "") + (f"報告第{zenkaku(number)}号" if number else "")
    return (f"※監査対象課で発生した漏えい等事案に関する{council or '審議会'}への報告内容については、"
            f"「{incident['title']}について」（{reference}）のとおり。")


def _issued(db: Database, audit_id: int, version: int | None) -> dict | None:
    sql = "SELECT version, content, issued_at FROM audit_reports WHERE audit_id = ?"
    params: list = [audit_id]
    if version is not None:
        sql += " AND version = ?"
        params.append(version)
    row = db.execute(sql + " ORDER BY version DESC LIMIT 1", params).fetchone()
    return {"version": row[0], "content": json.loads(row[1]), "issued_at": row[2]} if row else None


def cover_content(db: Database, audit: dict, municipality: str, settings: CoverSettings, *,
                  version: int | None = None, draft: bool = False, material: str = "", number: int | None = None,
                  department_ids=None) -> dict:
    """Everything the cover shows, as plain data. `draft` (or a report not yet issued): the current draft,
    dated today; else the issued version (`version`, default the latest). `material` is the cover's own
    報告資料 number line, `number` its 報告第N号; `department_ids` keeps a draft's incidents to those 課."""
    issued = None if draft else _issued(db, audit["id"], version)
    if issued is None and version is not None and not draft:
        raise AuditError(f"第{version}版は発行されていません。")
    basis = drafting.plan_basis(db, audit)
    if issued:
        report, on, department_ids = issued["content"], issued["issued_at"], None
    else:      # the draft's title and number line, as report_content() gives them
        report = {"title": drafting.report_title(audit["fiscal_year"], municipality, basis),
                  "report_number": (audit.get("report_number") or "").strip()}
        on = now().date()
    subject = drafting.report_subject(municipality, basis)
    incidents = [a["incident"] for a in drafting.incident_annexes(db, audit, department_ids)]
    return {
        "draft": issued is None, "version": issued["version"] if issued else None,
        "material": (material or "").strip(), "number": f"報告第{zenkaku(number)}号" if number else "",
        "title": f"{subject}に基づく監査の結果について（{nendo(audit['fiscal_year'])}分）",
        "date": wareki_date(on, weekday=False), "office": settings.office,
        "paragraphs": opening(subject, audit["fiscal_year"], settings.article),
        "result": f"{report.get('report_number') or ''}「{report['title']}」のとおり。",
        "notes": [n for n in (incident_note(i, settings.council) for i in incidents) if n],
        "municipality": municipality,
    }


def _title(text: str) -> Paragraph:
    """The title on one line when it fits, else broken before 「（令和N年度分）」, never inside it."""
    style = ParagraphStyle("cover-title", parent=styles().title, fontSize=13, leading=20)
    if stringWidth(text, style.fontName, style.fontSize) > document.FRAME_WIDTH and "（" in text:
        head, _, tail = text.rpartition("（")
        return Paragraph(f"{blocks.esc(head)}<br/>{blocks.esc('（' + tail)}", style)
    return Paragraph(blocks.esc(text), style)


def story(cover: dict) -> list:
    st = styles()
    note = ParagraphStyle("cover-note", parent=st.plain, leftIndent=BODY_SIZE, firstLineIndent=-BODY_SIZE,
                          spaceBefore=6)
    items = [Paragraph(blocks.esc(line), st.right) for line in (cover["material"], cover["number"]) if line]
    items += [blocks.spacer(8), _title(cover["title"]), Paragraph(blocks.esc(cover["date"]), st.right),
              Paragraph(blocks.esc(cover["office"] or "\u3000"), st.right), blocks.spacer(8)]
    items += [Paragraph(blocks.esc(p), st.body[0]) for p in cover["paragraphs"]]
    items += [blocks.spacer(6), Paragraph("記", st.subtitle), blocks.spacer(4),
              Paragraph("・監査の結果", st.plain), *blocks.body(cover["result"], 1)]
    items += [Paragraph(blocks.esc(n), note) for n in cover["notes"]]
    return items


def render(cover: dict) -> bytes:
    return document.render(story(cover), title=cover["title"], author=cover["municipality"],
                           options=document.PageOptions(page_numbers="", draft_mark="案" if cover["draft"] else ""))


def file_name(audit: dict, cover: dict) -> str:
    """監査の結果について_令和7年度_健康づくり課_第1版.pdf (案 for a draft)."""
    from ..downloads import file_name as safe_name

    names = [d["name"] for d in audit.get("departments") or []] or [audit.get("department_name") or ""]
    return safe_name("監査の結果について", nendo(audit["fiscal_year"], digits=hankaku), "・".join(names),
                     "案" if cover["draft"] else f"第{cover['version']}版", extension="pdf")
