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


def check_in(column: str, keys, *, nullable: bool = False) -> str:
    """`CHECK (column IN ('a', 'b'))` from a constant's keys (keys are plain ASCII words)."""
    listed = ", ".join(f"'{key}'" for key in keys)
    return f"CHECK ({column} IN ({listed}){f' OR {column} IS NULL' if nullable else ''})"


def fiscal_year_sql(column: str) -> str:
    """SQL for the 年度 (April to March) of an ISO date or date-time column, e.g. an incident's 覚知."""
    return f"(CAST(substr({column}, 1, 4) AS INTEGER) - (CAST(substr({column}, 6, 2) AS INTEGER) < 4))"
