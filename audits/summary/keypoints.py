"""The 要点 of the aggregated report (noun-ending sentences, no です・ます): what a reader grasps in one minute, on page 1 of the PDF and at the top
of the dashboard. Built only from the SummaryReport's own figures (no query of its own), so the key points
say what the later pages show.
"""
from __future__ import annotations

from dataclasses import dataclass

from checklists.model import severity_label

from . import scoring

NAMED_LIMIT = 10          # 課 named in one key point; the rest as 「ほかN課」
GAPS_LISTED = 3           # the most serious gaps quoted
QUESTION_CHARS = 30       # a quoted question is cut to this length (the full text is in the ranking)


@dataclass(frozen=True)
class KeyPoint:
    heading: str
    text: str
    alert: bool = False   # needs the reader's action (overdue, late, high-severity gaps)


def _by_bureau(departments) -> str:
    """課 grouped by their 部, in the order given: 「道路管理課・住宅課（都市整備部）、学務課（教育部）」 (five
    健康づくり課 are told apart by their 部); at most NAMED_LIMIT 課 named."""
    named = list(departments)[:NAMED_LIMIT]
    groups: dict[str, list[str]] = {}
    for bureau, name in named:
        groups.setdefault(bureau, []).append(name)
    text = "、".join(f"{'・'.join(names)}（{bureau}）" for bureau, names in groups.items())
    rest = len(departments) - len(named)
    return text + (f"ほか{rest}課" if rest > 0 else "")


def _short(text: str) -> str:
    return text if len(text) <= QUESTION_CHARS else text[:QUESTION_CHARS - 1] + "…"


def _submission(report) -> KeyPoint:
    c = report.completion
    if not c.sheets:
        return KeyPoint("提出状況", f"{report.year_label}の点検票なし。")
    text = (f"{c.departments}課の点検票{c.sheets}件のうち{c.submitted}件が提出済（うち承認済{c.approved}件）、"
            f"未提出{c.not_submitted}件。")
    overdue = sorted((d for d in report.departments if d.overdue), key=lambda d: (d.bureau_name, d.code))
    if overdue:
        text += f"提出期限を過ぎた課（{len(overdue)}課）: " + _by_bureau(
            [(d.bureau_name, d.name) for d in overdue]) + "。"
    else:
        text += "提出期限を過ぎた点検票なし。"
    return KeyPoint("提出状況", text, alert=bool(overdue))


def _incidents(report) -> KeyPoint | None:
    s = report.incidents
    if s is None:
        return None
    if s.count is None:
        return KeyPoint("漏えい等事案", f"{report.year_label}の事案は登録簿になく、点検票の件数の回答もなし。")
    if not s.register_in_use:
        return KeyPoint("漏えい等事案", f"{s.count}件（点検票で各課が入力した特定個人情報の事案の件数の合計。登録簿には"
                                   "なし）。")
    required = s.by_judgement.get("required", 0)
    text = f"{s.count}件（うち特定個人情報を含む{s.mynumber}件）。委員会への報告を要するもの{required}件"
    unconfirmed = s.by_judgement.get("unconfirmed", 0)
    if unconfirmed:
        text += f"、判定が未確定のもの{unconfirmed}件"
    late = [f"{r.label}の期限超過{r.overdue}件" for r in s.reports if r.overdue]
    late += [f"{r.label}の遅れ{r.late}件" for r in s.reports if r.late]
    text += "。" + ("、".join(late) + "。" if late else "報告の期限超過・遅れなし。")
    text += f"未完結の事案{s.open}件、再発防止策が未記入の事案{s.without_prevention}件。"
    return KeyPoint("漏えい等事案", text, alert=bool(late))


def _actions(report) -> KeyPoint:
    a = report.actions
    text = (f"{report.year_label}の指摘事項{a.findings_this_year}件。改善措置は対応中{a.open}件"
            f"（うち期限超過{a.overdue}件）、{report.year_label}中に完了{a.closed_this_year}件。")
    overdue = sorted({(r.bureau_name, r.department_code, r.department_name) for r in a.rows if r.overdue})
    if overdue:
        text += "期限を過ぎた課: " + _by_bureau([(bureau, name) for bureau, _code, name in overdue]) + "。"
    return KeyPoint("改善措置", text, alert=bool(a.overdue))


def _gaps(report) -> KeyPoint:
    items = report.weakest[:GAPS_LISTED]
    if not items:
        return KeyPoint("重大な課題", "課題あり・実施していないの回答なし。")
    parts = [f"{i.item_id}「{_short(i.question)}」（重要度{severity_label(i.severity)}、{i.counts.gaps}/{i.counts.applicable}課）"
             for i in items]
    return KeyPoint("重大な課題", "重要度で重み付けした課題の大きい順に、" + "、".join(parts) + "。",
                    alert=any(i.severity == scoring.ALWAYS_LISTED_SEVERITY for i in items))


def _change(report) -> KeyPoint:
    o, yoy = report.overall, report.yoy
    text = f"実施率{scoring.percent(o.rate)}、評点{'—' if o.score is None else f'{o.score:.1f}'}。"
    if not yoy.has_previous:
        return KeyPoint("前年度との比較", text + f"{report.previous_label}の提出済の点検票がないため比較できない。")
    if not yoy.common.pairs:
        return KeyPoint("前年度との比較", text + f"{report.previous_label}の実施率は"
                                           f"{scoring.percent(yoy.previous_overall.rate)}（同じ課・項目の比較はできない）。")
    change = yoy.common.change or 0.0
    text += (f"同じ課・項目（{yoy.common.pairs}件）で比べると"
             f"{scoring.change_text(yoy.common.rate_before, yoy.common.rate_now, change)}")
    fallen = [d for d in yoy.departments if d.change is not None and d.change < 0]
    if fallen:
        text += (f"。低下した課は{len(fallen)}課で、最も低下したのは{fallen[0].name}（{fallen[0].bureau_name}）の"
                 f"{abs(fallen[0].change):.1f}ポイント")
    return KeyPoint("前年度との比較", text + "。", alert=change < 0)


def key_points(report) -> list[KeyPoint]:
    """The 要点, in reading order: submission, incidents (organisation-wide report only), corrective actions,
    the most serious gaps, the change since last year."""
    points = [_submission(report), _incidents(report), _actions(report), _gaps(report), _change(report)]
    return [p for p in points if p is not None]
