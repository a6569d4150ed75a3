"""Stored keys of the 評価書 register and the one place that maps the app's categories to the PPC's labels."""
from __future__ import annotations

from ..summary import scoring

# The checklist answered once per 評価書 (checklists/pia.yaml); every other checklist stays one sheet per 課.
PIA_CHECKLIST_ID = "pia"

KIND_FULL = "full"
KIND_FOCUSED = "focused"
KIND_BASIC = "basic"
# The kinds of 特定個人情報保護評価 (番号法 第28条, 特定個人情報保護評価指針).
KIND_LABELS: dict[str, str] = {
    KIND_FULL: "全項目評価",
    KIND_FOCUSED: "重点項目評価",
    KIND_BASIC: "基礎項目評価",
}
# A 評価書 carried forward from a release without the register has no kind until the 課 sets it (never guessed).
KIND_UNSET_LABEL = "評価の種類未設定"
# A pia sheet of a 課 that had no active 評価書 when the sheet was created.
UNREGISTERED_LABEL = "評価書未登録"

# The 委員会's 定期的な報告 (全項目・重点項目報告書) answers each risk measure in these categories
# (ppc-mynumber-periodic-report-2017.txt). 未回答 has no PPC category: it is shown apart, never folded in.
PPC_LABELS: dict[str, str] = {
    scoring.DONE: "評価書どおり実施",
    scoring.PARTIAL: "課題あり",
    scoring.NOT_DONE: "実施していない",
    scoring.NOT_APPLICABLE: "該当しない",
}
PPC_CATEGORIES: tuple[str, ...] = tuple(PPC_LABELS)
GAP_CATEGORIES: tuple[str, ...] = (scoring.PARTIAL, scoring.NOT_DONE)


def ppc_label(category: str | None) -> str:
    """The PPC's word for an answer category; 未回答 (and anything unknown) keeps the app's own label."""
    if category in PPC_LABELS:
        return PPC_LABELS[category]
    return scoring.CATEGORY_LABELS.get(category or scoring.UNANSWERED, scoring.CATEGORY_LABELS[scoring.UNANSWERED])


def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "", KIND_UNSET_LABEL)


def assessment_title(name: str | None, kind: str | None) -> str:
    """How a 評価書 is named everywhere: 「個人住民税の賦課に関する事務（全項目評価）」."""
    if not name:
        return UNREGISTERED_LABEL
    return f"{name}（{kind_label(kind)}）"


def sheet_assessment_title(sheet) -> str:
    """The 評価書 a sheet answers for, for titles and lists; empty for the checklists answered once per 課."""
    get = sheet.get if hasattr(sheet, "get") else sheet.__getitem__
    if get("checklist_id") != PIA_CHECKLIST_ID:
        return ""
    return assessment_title(get("assessment_name"), get("assessment_kind"))


def sheet_title(sheet) -> str:
    """A sheet's name in one line (notices, file metadata): the checklist, and for a pia sheet its 評価書."""
    get = sheet.get if hasattr(sheet, "get") else sheet.__getitem__
    assessment = sheet_assessment_title(sheet)
    return f"{get('checklist_title')}　{assessment}" if assessment else get("checklist_title")
