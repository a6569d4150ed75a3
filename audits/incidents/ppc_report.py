"""The draft of the report to the 個人情報保護委員会 (法第68条第1項): the nine items of 施行規則第44条第1項 一〜九,
filled from what the register holds, for the 速報 (第1項) and the 確報 (第2項).

The item texts are quoted from setagaya-council-reports-2025.txt (参考 of 報告第371号). `report_items()` is the one
place that decides which item holds what and whether it is filled; the incident page, the draft pages and the
text to copy all read it.

- 速報: 「報告をしようとする時点において把握しているものに限る」, so an empty item is allowed but shown; the 経過
  is the one recorded up to the 速報's date (all of it while the 速報 is not yet made).
- 確報: 第2項 asks for 「前項各号に定める事項」, all nine: an empty item is a gap to fill before reporting.
The register keeps the incident's current values, not a copy of what was sent: the 速報's draft shows today's
values (except the 経過, cut at the 速報's date).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..wareki import wareki_date, wareki_time
from . import judgement
from .deadlines import as_date
from .report_pdf import event_heading, persons_text
from .values import NOTICE_KINDS, kind_label

PRELIMINARY = "preliminary"
FINAL = "final"
STAGES: dict[str, str] = {PRELIMINARY: "速報", FINAL: "確報"}

# 施行規則第44条 (as quoted in the seed).
ARTICLE_44_1 = ("第四十四条　行政機関の長等は、法第六十八条第一項の規定による報告をする場合には、前条各号に定める事態を"
                "知った後、速やかに、当該事態に関する次に掲げる事項（報告をしようとする時点において把握しているものに"
                "限る。）を報告しなければならない。")
ARTICLE_44_2 = ("２　前項の場合において、行政機関の長等は、当該事態を知った日から三十日以内（当該事態が前条第三号に定める"
                "ものである場合にあっては、六十日以内）に、当該事態に関する前項各号に定める事項を報告しなければならない。")
ITEM_TEXTS: dict[int, str] = {
    1: "概要",
    2: "漏えい等が発生し、又は発生したおそれがある保有個人情報の項目",
    3: "漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数",
    4: "原因",
    5: "二次被害又はそのおそれの有無及びその内容",
    6: "本人への対応の実施状況",
    7: "公表の実施状況",
    8: "再発防止のための措置",
    9: "その他参考となる事項",
}
KANJI = "一二三四五六七八九"
EMPTY = "（未記入）"


@dataclass(frozen=True)
class ReportItem:
    number: int
    heading: str          # 一　概要
    text: str             # what the register holds for the item ('' when nothing)
    source: str           # where in the register it comes from (the fields to fill when empty)

    @property
    def filled(self) -> bool:
        return bool(self.text.strip())


def _persons(incident: Mapping) -> str:
    return "" if incident.get("persons") is None else persons_text(incident)


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p and p.strip())


def _flags(incident: Mapping) -> str:
    kinds = [label for key, label in (("sensitive", "要配慮個人情報"), ("ordinance_sensitive", "条例要配慮個人情報"),
                                      ("mynumber", "特定個人情報")) if incident.get(key)]
    return f"（{'・'.join(kinds)}を含む）" if kinds else ""


def _overview(incident: Mapping) -> str:
    """一 概要: the summary, with the kind, the dates, the medium and the 課 (empty while no summary is written)."""
    summary = (incident.get("summary") or "").strip()
    if not summary:
        return ""
    known = incident["discovered_at"]
    occurred = incident.get("occurred_on")
    return _lines(summary, f"種類：{kind_label(incident.get('kind'))}",
                  f"発生日：{wareki_date(occurred) if occurred else '不明'}",
                  f"覚知日時：{wareki_date(known)}{wareki_time(known) if 'T' in known else ''}",
                  incident.get("medium") and f"媒体・経路：{incident['medium']}",
                  incident.get("department_name") and f"課：{incident['department_name']}")


def _event_line(event: Mapping) -> str:
    return f"{event_heading(event)}　{event['text']}"


def stage_events(incident: Mapping, events: list[Mapping], stage: str) -> list[Mapping]:
    """The 経過 a stage's report can carry: for the 速報, what happened up to its date (when it was made)."""
    if stage == PRELIMINARY and (day := as_date(incident.get("preliminary_reported_on"))):
        return [e for e in events if as_date(e["on_date"]) <= day]
    return list(events)


def report_items(incident: Mapping, events: list[Mapping], stage: str = FINAL) -> list[ReportItem]:
    """The nine items of 施行規則第44条第1項 in order, each with what the register holds for it."""
    overview = _overview(incident)
    items_text = incident.get("items") or ""
    notice = ""
    if incident.get("notified_on"):
        kind = NOTICE_KINDS.get(incident.get("notice_kind") or "", "本人への通知又は代替措置")
        notice = f"{kind}：{wareki_date(incident['notified_on'])}"
    shown = stage_events(incident, events, stage)
    clauses = judgement.effective_clauses(incident)
    other = _lines(
        incident.get("discovery_how") and f"覚知の経緯：{incident['discovery_how']}",
        "事案の経過：\n" + "\n".join(_event_line(e) for e in shown) if shown else "",
    )
    if other:
        basis = "、".join(judgement.clause_label(n) for n in sorted(clauses)) or "該当なし"
        other += f"\n該当する事態：{basis}（{'確定' if judgement.is_confirmed(incident) else '判定案'}）"
    texts = {
        1: (overview, "事案の概要（と種類・発生日・覚知日時・媒体）"),
        2: (_lines(items_text, items_text and _flags(incident)), "個人情報の項目"),
        3: (_persons(incident), "本人の数"),
        4: (incident.get("cause") or "", "発生の原因"),
        5: (incident.get("secondary_harm") or "", "二次被害又はそのおそれ"),
        6: (_lines(incident.get("response_to_persons") or "", notice), "本人への対応・本人通知の日"),
        7: (incident.get("publication") or "", "公表"),
        8: (incident.get("prevention") or "", "再発防止策"),
        9: (other, "覚知の経緯・事案の経過（記入があれば判定を添えます）"),
    }
    return [ReportItem(n, f"{KANJI[n - 1]}　{ITEM_TEXTS[n]}", texts[n][0], texts[n][1]) for n in ITEM_TEXTS]


def filled_items(incident: Mapping, events: list[Mapping]) -> dict[str, set[int]]:
    """Per stage (速報 / 確報), the numbers of the items the register fills: what the incident page tracks."""
    return {stage: {i.number for i in report_items(incident, events, stage) if i.filled} for stage in STAGES}


def copy_text(items: list[ReportItem]) -> str:
    """The draft as plain text, to paste into the 委員会's form item by item."""
    return "\n\n".join(f"{i.heading}\n{i.text if i.filled else EMPTY}" for i in items)
