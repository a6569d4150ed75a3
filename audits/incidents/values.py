"""The incident's fixed values: stable English keys stored in the database, Japanese labels shown to people.

The schema's CHECK constraints are generated from these constants (schema.py), so a key that is not here
cannot be stored.
"""
from __future__ import annotations

# 事案の種類 (issue 12): key -> label.
KINDS: dict[str, str] = {
    "misdelivery": "誤送付・誤送信",
    "wrong_issue": "誤交付",
    "wrong_publication": "誤掲載・誤公表",
    "loss_theft": "紛失・盗難",
    "wrong_disposal": "誤廃棄",
    "unauthorized_access": "不正アクセス・不正利用",
    "staff_misuse": "職員による不正な取得・利用",
    "other": "その他",
}

# How the persons were told (法第68条第2項): a notice to each, or the 代替措置 of its 第1号 (公表).
NOTICE_KINDS: dict[str, str] = {
    "notice": "本人への通知",
    "substitute": "通知に代わる措置（公表）",
}


def kind_label(kind: str | None) -> str:
    return KINDS.get(kind or "", kind or "")


def persons_text(incident, digits=str) -> str:
    """本人の数 as people read it: 「約２３０人以上」, 「不明」; `digits` writes the number (zenkaku in reports)."""
    persons = incident.get("persons")
    if persons is None:
        return "不明"
    text = f"{digits(persons)}人" + ("以上" if incident.get("persons_or_more") else "")
    return ("約" if incident.get("persons_estimated") else "") + text


def check_in(column: str, keys, *, nullable: bool = False) -> str:
    """`CHECK (column IN ('a', 'b'))` from a constant's keys, written by audits/constraints.py like every other rule."""
    from ..constraints import Allowed, expression

    return f"CHECK ({expression(column, Allowed(keys, nullable=nullable))})"


def fiscal_year_sql(column: str) -> str:
    """SQL for the 年度 (April to March) of an ISO date or date-time column, e.g. an incident's 覚知."""
    return f"(CAST(substr({column}, 1, 4) AS INTEGER) - (CAST(substr({column}, 6, 2) AS INTEGER) < 4))"
