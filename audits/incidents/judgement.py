"""判定: which of 施行規則第43条 第1〜5号 apply, hence a report (法第68条第1項) and a notice (同条第2項).

The app proposes from the recorded facts; the privacy office (総括保護管理者) confirms with a reason. Both are
kept: the proposal as it stood at confirmation (JSON) and the confirmed 号. The articles are quoted from
setagaya-council-reports-2025.txt (参考 of 報告第371号).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Mapping

from . import values

# 個人情報の保護に関する法律施行規則 第43条 各号 (as quoted in the seed).
CLAUSE_TEXTS: dict[int, str] = {
    1: "要配慮個人情報が含まれる保有個人情報（高度な暗号化その他の個人の権利利益を保護するために必要な措置を"
       "講じたものを除く。）の漏えい、滅失若しくは毀損（漏えい等）が発生し、又は発生したおそれがある事態",
    2: "不正に利用されることにより財産的被害が生じるおそれがある保有個人情報の漏えい等が発生し、又は発生した"
       "おそれがある事態",
    3: "不正の目的をもって行われたおそれがある保有個人情報の漏えい等が発生し、又は発生したおそれがある事態",
    4: "保有個人情報に係る本人の数が百人を超える漏えい等が発生し、又は発生したおそれがある事態",
    5: "条例要配慮個人情報が含まれる保有個人情報の漏えい等が発生し、又は発生したおそれがある事態（地方公共団体の"
       "機関又は地方独立行政法人が法第六十八条第一項の報告を行う場合であって、当該地方公共団体の機関又は地方独立"
       "行政法人に適用される条例において条例要配慮個人情報について定められているときに限る。）",
}
CLAUSES = tuple(CLAUSE_TEXTS)
LONG_DEADLINE_CLAUSE = 3  # 施行規則第44条第2項: 60 days instead of 30 for 第43条第3号
PERSONS_LIMIT = 100       # 第4号: 「百人を超える」

REPORT_BASIS = "法第６８条第１項及び法施行規則第４４条"
NOTICE_BASIS = "法第６８条第２項（ただし書：通知が困難な場合の代わるべき措置）"

# Not in the seeds: the app's reading, to be confirmed against the source (as checklists/mynumber.yaml M-06-02
# does for the 速報's 目安).
MYNUMBER_READING = (
    "アプリの読み（出典で確認してください）: 特定個人情報の漏えい等は、番号法第２９条の４第１項及び"
    "「特定個人情報の漏えい等に関する報告等に関する規則」第２条に定める事態（不正の目的によるおそれ、"
    "財産的被害のおそれ、不特定多数が閲覧できる状態になったおそれ、本人の数が百人を超えるもの等）に当たるとき、"
    "番号法に基づく委員会への報告の対象になると読んでいます。該当するかは、最新の規則と委員会のガイドライン"
    "（事務対応ガイド・番号法ガイドライン別添２）で確認してください。"
)


@dataclass(frozen=True)
class ClauseResult:
    number: int
    applies: bool
    reason: str


def exceeds_persons_limit(incident: Mapping) -> bool:
    """第4号: more than 100 persons, or possibly so (「100人以上」 may be more than 100)."""
    persons = incident.get("persons")
    if persons is None:
        return False
    return persons > PERSONS_LIMIT or (persons == PERSONS_LIMIT and bool(incident.get("persons_or_more")))


def propose(incident: Mapping) -> list[ClauseResult]:
    """The app's proposal for 第1〜5号, each with its reason, from the recorded facts."""
    def flag(key: str) -> bool:
        return bool(incident.get(key))

    persons = values.persons_text(incident)
    results = [
        ClauseResult(1, flag("sensitive"),
                     "要配慮個人情報が含まれる（登録内容）" if flag("sensitive")
                     else "要配慮個人情報は含まれない（登録内容）"),
        ClauseResult(2, flag("property_damage"),
                     "不正に利用されると財産的被害が生じるおそれがある（登録内容）" if flag("property_damage")
                     else "財産的被害のおそれは登録されていない"),
        ClauseResult(3, flag("wrongful_purpose"),
                     "不正の目的をもって行われたおそれがある（登録内容）" if flag("wrongful_purpose")
                     else "不正の目的のおそれは登録されていない"),
    ]
    if incident.get("persons") is None:
        results.append(ClauseResult(4, False, "本人の数が未確定（分かり次第、判定を見直してください）"))
    elif exceeds_persons_limit(incident):
        results.append(ClauseResult(4, True, f"本人の数が{persons}で、百人を超える（おそれがある）"))
    else:
        results.append(ClauseResult(4, False, f"本人の数が{persons}で、百人以下"))
    results.append(ClauseResult(
        5, flag("ordinance_sensitive"),
        "条例要配慮個人情報が含まれる（登録内容。条例で定めている場合に限る）" if flag("ordinance_sensitive")
        else "条例要配慮個人情報は含まれない（登録内容）"))
    return results


def proposed_clauses(incident: Mapping) -> set[int]:
    return {r.number for r in propose(incident) if r.applies}


def proposal_json(incident: Mapping) -> str:
    return json.dumps([asdict(r) for r in propose(incident)], ensure_ascii=False)


def stored_proposal(incident: Mapping) -> list[ClauseResult]:
    """The proposal kept when the 判定 was confirmed (empty before)."""
    raw = incident.get("judgement_proposal")
    return [ClauseResult(**r) for r in json.loads(raw)] if raw else []


def is_confirmed(incident: Mapping) -> bool:
    return bool(incident.get("judgement_at"))


def confirmed_clauses(incident: Mapping) -> set[int]:
    raw = incident.get("judgement_clauses")
    return set(json.loads(raw)) if raw else set()


def effective_clauses(incident: Mapping) -> set[int]:
    """The 号 that count for deadlines: the confirmed 判定, or the app's proposal until it is confirmed."""
    return confirmed_clauses(incident) if is_confirmed(incident) else proposed_clauses(incident)


def report_required(clauses: set[int]) -> bool:
    """法第68条第1項: a report to the 委員会 when any 号 of 施行規則第43条 applies; 第2項's notice likewise."""
    return bool(clauses)


def mynumber_report_proposed(incident: Mapping) -> bool | None:
    """特定個人情報 involved: the app's reading (MYNUMBER_READING) proposes the 番号法 report when 第2〜4号 apply
    or the information was published by mistake; None when no 特定個人情報 is involved."""
    if not incident.get("mynumber"):
        return None
    clauses = proposed_clauses(incident)
    return bool(clauses & {2, 3, 4}) or incident.get("kind") == "wrong_publication"


def mynumber_report(incident: Mapping) -> bool | None:
    if is_confirmed(incident) and incident.get("judgement_mynumber") is not None:
        return bool(incident["judgement_mynumber"])
    return mynumber_report_proposed(incident)


def clause_label(number: int) -> str:
    return f"施行規則第４３条第{'１２３４５'[number - 1]}号"
