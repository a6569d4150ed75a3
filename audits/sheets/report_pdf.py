"""The sheet as an A4 PDF for the 課's own file: answers, notes, evidence with hashes, approval history."""
from __future__ import annotations

from sqlite_utils import Database

from ..pdf import blocks
from ..pdf.document import PageOptions, render
from ..pdf.styles import styles
from ..pia.values import sheet_assessment_title, sheet_title
from ..summary import scoring
from ..timeutil import JST, now, parse_iso
from ..wareki import nendo, wareki_date, wareki_datetime
from . import service, workflow
from .answers import display_value


def build(db: Database, sheet: dict, municipality: str) -> bytes:
    st = styles()
    today = now().date()
    overdue = "　【期限超過】" if workflow.is_overdue(sheet, today.isoformat()) else ""
    assessment = sheet_assessment_title(sheet)
    story = [
        blocks.title(f"{nendo(sheet['fiscal_year'])} 個人情報の安全管理に関する自己点検票"),
        blocks.Paragraph(blocks.esc(f"{sheet['checklist_title']}（第{sheet['checklist_version']}版）"), st.subtitle),
        # the pia checklist is answered once per 特定個人情報保護評価書: name it
        *([blocks.Paragraph(blocks.esc(assessment), st.subtitle)] if assessment else []),
        blocks.Paragraph(blocks.esc(f"{municipality} {sheet['bureau_name']} {sheet['department_name']}"), st.right),
        blocks.Paragraph(blocks.esc(f"状態：{workflow.STATUS_LABELS[sheet['status']]}　回答期限："
                                    f"{wareki_date(sheet['due_date'], weekday=False)}{overdue}"), st.right),
        blocks.Paragraph(blocks.esc(f"出力日：{wareki_date(today, weekday=False)}"), st.right),
        blocks.spacer(4),
    ]
    sections = service.sheet_items(db, sheet)
    total = sum(s.applicable for s in sections)
    answered = sum(s.answered for s in sections)
    counts: dict[str, int] = {}
    for section in sections:
        for entry in section.items:
            if entry.applies and entry.answered:
                counts[entry.answer["category"]] = counts.get(entry.answer["category"], 0) + 1
    story.append(blocks.heading(1, 1, "回答の概要"))
    story += blocks.body(answer_summary(total, answered, counts))
    story.append(blocks.heading(1, 2, "回答"))
    for section in sections:
        story.append(blocks.Paragraph(blocks.esc(f"{section.id} {section.title}"), st.heading[1]))
        not_applicable = [e for e in section.items if not e.applies]
        if not_applicable:
            # Items the 課's profile excludes take one line, not a table row each.
            ids = "、".join(e.item["item_id"] for e in not_applicable)
            story += blocks.body(f"該当しない項目（{ids}）：{not_applicable[0].answer['na_reason']}", level=2)
        rows = []
        for entry in section.items:
            item, answer = entry.item, entry.answer or {}
            if not entry.applies:
                continue
            note_parts = []
            if answer.get("detail"):
                note_parts.append(answer["detail"])
            if answer.get("na_reason"):
                note_parts.append("理由：" + answer["na_reason"])
            if answer.get("plan_action"):
                note_parts.append(f"改善予定：{answer['plan_action']}（期限 {_date(answer['plan_due'])}、"
                                  f"担当 {answer['plan_owner']}）")
            for f in entry.evidence:
                state = "（削除済）" if f["removed_at"] else ""
                note_parts.append(f"証跡：{f['original_name']}{state} SHA-256 {f['sha256']}")
            result = (display_value(item, answer.get("value"), date_text=lambda v: wareki_date(v, weekday=False))
                      if entry.answered else "未回答")
            if entry.answered and answer.get("category"):
                result += f"\n〔{scoring.CATEGORY_LABELS.get(answer['category'], answer['category'])}〕"
            rows.append([item["item_id"], item["question"], result, "\n".join(note_parts)])
        if rows:
            story.append(blocks.table(["項目", "点検項目", "回答", "具体的な実施内容・改善予定・証跡"], rows, [16, 62, 26, 62]))
    story.append(blocks.heading(1, 3, "提出・承認の履歴"))
    history = service.events(db, sheet["id"])
    if history:
        story.append(blocks.table(
            ["日時", "操作者", "状態", "理由"],
            [[wareki_datetime(parse_iso(e["at"]).astimezone(JST)), e["person"],
              f"{workflow.STATUS_LABELS.get(e['from_status'], '')}→{workflow.STATUS_LABELS.get(e['to_status'], '')}",
              e["reason"] or ""] for e in history], [32, 32, 40, 62]))
    else:
        story += blocks.body("記録はありません。")
    return render(story, title=f"{sheet['department_name']} {sheet_title(sheet)}", author=municipality,
                  subject="自己点検票", options=PageOptions(page_numbers="fraction"))


def _date(value: str | None) -> str:
    return wareki_date(value, weekday=False) if value else "未定"


def answer_summary(total: int, answered: int, counts: dict[str, int]) -> str:
    """対象項目 12 件のうち回答済 10 件（実施 7 件、課題あり（一部実施） 2 件、該当しない 1 件）: the categories always
    in the one order of scoring.BAR_CATEGORIES, each with its label; categories without answers are left out."""
    parts = [f"{scoring.CATEGORY_LABELS[c]} {counts[c]} 件" for c in scoring.BAR_CATEGORIES if counts.get(c)]
    parts += [f"{c} {n} 件" for c, n in counts.items() if c not in scoring.BAR_CATEGORIES and n]
    return f"対象項目 {total} 件のうち回答済 {answered} 件" + (f"（{'、'.join(parts)}）。" if parts else "。")
