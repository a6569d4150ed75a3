"""The incident report for the 審議会, in the structure of Setagaya's 報告第371/373/374号:

    <件名>について
    （<根拠>）
                                         令和N年M月D日
                                         <課>（共同の事案は各課）
    １ 事案の概要      （１）個人情報の項目 （２）本人の数
    ２ 事案の経過      （１）（２）… 和暦・曜日・時刻
    ３ 本事案における二次被害又はそのおそれの有無について
    ４ 発生の原因
    ５ 今後の対応      （１）再発防止策 （２）本人への対応
    参考               the articles that applied (施行規則第43条 各号, 法第68条), quoted
"""
from __future__ import annotations

from datetime import date
from typing import Mapping

from ..pdf import blocks, document
from ..pdf.blocks import esc
from ..pdf.linebreak import Paragraph
from ..pdf.styles import styles
from ..wareki import wareki_date, wareki_time, zenkaku
from . import judgement, values
from .deadlines import as_date

BASIS_REPORTED = "個人情報の保護に関する法律第６８条第１項の規定による報告の対象となる事態"
BASIS_OTHER = "漏えい等事案の報告"

LAW_68 = ("第六十八条　行政機関の長等は、保有個人情報の漏えい、滅失、毀損その他の保有個人情報の安全の確保に係る事態で"
          "あって個人の権利利益を害するおそれが大きいものとして個人情報保護委員会規則で定めるものが生じたときは、"
          "個人情報保護委員会規則で定めるところにより、当該事態が生じた旨を個人情報保護委員会に報告しなければならない。\n"
          "２　前項に規定する場合には、行政機関の長等は、本人に対し、個人情報保護委員会規則で定めるところにより、"
          "当該事態が生じた旨を通知しなければならない。ただし、次の各号のいずれかに該当するときは、この限りでない。\n"
          "一　本人への通知が困難な場合であって、本人の権利利益を保護するため必要なこれに代わるべき措置をとるとき。\n"
          "二　当該保有個人情報に第七十八条第一項各号に掲げる情報のいずれかが含まれるとき。")
KANJI_NUMBERS = "一二三四五"


def persons_text(incident: Mapping) -> str:
    return values.persons_text(incident, digits=zenkaku)


def event_heading(event: Mapping) -> str:
    """令和６年８月５日（月）午後３時１５分 (time only when recorded)."""
    text = wareki_date(event["on_date"])
    if event.get("at_time"):
        text += wareki_time(f"{event['on_date']}T{event['at_time']}")
    return text


def story(incident: Mapping, events: list[Mapping], on: date) -> list:
    st = styles()
    clauses = sorted(judgement.effective_clauses(incident))
    required = judgement.report_required(set(clauses))
    items: list = [blocks.title(f"{incident['title']}について"),
                   Paragraph(esc(f"（{BASIS_REPORTED if required else BASIS_OTHER}）"), st.subtitle),
                   blocks.spacer(6), Paragraph(esc(wareki_date(on, weekday=False)), st.right)]
    items += [Paragraph(esc(d["name"]), st.right) for d in incident["departments"]]
    items.append(blocks.spacer(6))

    items.append(blocks.heading(1, 1, "事案の概要"))
    items += blocks.body(incident["summary"], 1)
    items.append(blocks.labelled(2, 1, "個人情報の項目", incident["items"] or "（未記入）"))
    items.append(blocks.labelled(2, 2, "本人の数", persons_text(incident)))

    items.append(blocks.heading(1, 2, "事案の経過"))
    if not events:
        items += blocks.body("（経過の記録はありません）", 1)
    for n, event in enumerate(events, start=1):
        items.append(blocks.heading(2, n, event_heading(event)))
        items += blocks.body(event["text"], 2)

    items.append(blocks.heading(1, 3, "本事案における二次被害又はそのおそれの有無について"))
    items += blocks.body(incident["secondary_harm"] or "（未記入）", 1)
    items.append(blocks.heading(1, 4, "発生の原因"))
    items += blocks.body(incident["cause"] or "（未記入）", 1)
    items.append(blocks.heading(1, 5, "今後の対応"))
    items.append(blocks.heading(2, 1, "再発防止策"))
    items += blocks.body(incident["prevention"] or "（未記入）", 2)
    items.append(blocks.heading(2, 2, "本人への対応"))
    items += blocks.body(incident["response_to_persons"] or "（未記入）", 2)

    items += [blocks.spacer(8), blocks.heading(1, None, "参考")]
    state = "確定した判定" if judgement.is_confirmed(incident) else "判定案（総括保護管理者の確定前）"
    if clauses:
        items += blocks.body(f"本事案は、{'、'.join(judgement.clause_label(n) for n in clauses)}に掲げる事態に"
                             f"該当する（{state}）。", 1)
        reports = [("速報", incident.get("preliminary_reported_on")), ("確報", incident.get("final_reported_on"))]
        done = "、".join(f"{label}：{wareki_date(day)}" for label, day in reports if day)
        if done:
            items += blocks.body(f"個人情報保護委員会への報告　{done}", 1)
        items += blocks.body("個人情報の保護に関する法律（抜粋）", 1)
        items += blocks.body(LAW_68, 1)
        items += blocks.body("個人情報の保護に関する法律施行規則（抜粋）第四十三条", 1)
        items += blocks.body("\n".join(f"{KANJI_NUMBERS[n - 1]}　{judgement.CLAUSE_TEXTS[n]}" for n in clauses), 1)
    else:
        items += blocks.body(f"本事案は、法施行規則第４３条各号に掲げる事態のいずれにも該当しない（{state}）。", 1)
    if incident.get("mynumber"):
        items += blocks.body("特定個人情報を含む。" + judgement.MYNUMBER_READING, 1)
    return items


def render(incident: Mapping, events: list[Mapping], municipality: str, on: date) -> bytes:
    return document.render(story(incident, events, as_date(on)), title=f"{incident['title']}について",
                           author=municipality, subject=incident["department_name"],
                           options=document.PageOptions(page_numbers="dash"))
