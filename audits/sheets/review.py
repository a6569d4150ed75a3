"""The 課長's review of a submitted sheet: what to look at before approving or returning it.

The summary shown at the top of the sheet (and, for several sheets at once, on the home page) holds
- the gaps: applicable answers in a gap category (answers.GAP_CATEGORIES) with their 改善予定;
- the evidence: answers that owe evidence (answers.evidence_owed) and how many of them carry a file;
- what changed since last year: answers that differ from the previous 年度's sheet of the same 課 and checklist,
  matched by item id across checklist versions, compared only where both years answered (like with like, as the
  aggregated report's 前年度比). On a choice scale the option chosen is compared; on a date or number scale the
  category (a date or a count changes every year by nature, a judgment from 実施 to 課題あり is the news).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from checklists.model import SEVERITY_LABELS

from ..catalogue import service as catalogue
from ..pia.values import sheet_title
from ..summary.scoring import CATEGORY_LABELS
from ..screen_dates import date_text
from ..wareki import hankaku, nendo
from . import service, workflow
from .answers import GAP_CATEGORIES, display_value, evidence_owed, scale_of


@dataclass(frozen=True)
class Gap:
    item_id: str
    question: str
    severity: str
    category: str
    plan_action: str
    plan_due: str
    plan_owner: str

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)


@dataclass(frozen=True)
class Change:
    item_id: str
    question: str
    before: str          # last year's answer as a person reads it (answer_text)
    after: str


def answer_text(item: dict, answer: dict) -> str:
    """An answer as the summary shows it: the option chosen, or a date or figure with the judgment it led to
    (令和7年5月13日（実施）), since on those scales the value alone does not say whether it is a gap."""
    shown = display_value(item, answer["value"], date_text=date_text)
    if scale_of(item).kind == "choice" or scale_of(item).option(answer["value"]) is not None:
        return shown
    return f"{shown}（{CATEGORY_LABELS[answer['category']]}）"


@dataclass
class ReviewSummary:
    sheet_id: int
    previous_year: int
    previous_sheet_id: int | None
    gaps: list[Gap] = field(default_factory=list)
    evidence_owed: int = 0
    evidence_attached: int = 0
    evidence_missing: list[str] = field(default_factory=list)    # item ids owing a file and having none
    changes: list[Change] = field(default_factory=list)


def previous_sheet(db: Database, sheet: dict) -> dict | None:
    """The previous 年度's sheet of the same 課 and checklist (any version) and, for a pia sheet, the same 評価書."""
    return next(db.query(
        """SELECT h.id, h.version_id FROM sheets h JOIN schedules s ON s.id = h.schedule_id
           JOIN checklist_versions v ON v.id = h.version_id
           WHERE h.department_id = ? AND v.checklist_id = ? AND h.assessment_id IS ? AND s.fiscal_year = ?
             AND h.removed_at IS NULL
           ORDER BY h.id DESC LIMIT 1""",
        [sheet["department_id"], sheet["checklist_id"], sheet["assessment_id"], sheet["fiscal_year"] - 1]), None)


def _compared(item: dict, answer: dict) -> tuple:
    """What makes two years' answers to an item 'the same' (see the module's docstring)."""
    if scale_of(item).kind == "choice":
        return answer["category"], answer["value"]
    return (answer["category"],)


def _answered(answer: dict | None) -> bool:
    return bool(answer and not answer["auto_na"] and answer["value"] is not None and answer["category"])


def changes_since_last_year(db: Database, sheet: dict, sections) -> tuple[int | None, list[Change]]:
    before = previous_sheet(db, sheet)
    if before is None:
        return None, []
    old_items = {i["id"]: i for i in catalogue.version_items(db, before["version_id"])}
    old = {old_items[a["item_pk"]]["item_id"]: (old_items[a["item_pk"]], a)
           for a in db.query("SELECT * FROM answers WHERE sheet_id = ?", [before["id"]])
           if a["item_pk"] in old_items}
    found = []
    for section in sections:
        for entry in section.items:
            old_item, old_answer = old.get(entry.item["item_id"], (None, None))
            if not (_answered(entry.answer) and _answered(old_answer)):
                continue
            if _compared(old_item, old_answer) != _compared(entry.item, entry.answer):
                found.append(Change(entry.item["item_id"], entry.item["question"], answer_text(old_item, old_answer),
                                    answer_text(entry.item, entry.answer)))
    return before["id"], found


def summary(db: Database, sheet: dict, sections=None) -> ReviewSummary:
    """The review summary of `sheet` (`sections` as service.sheet_items gives them, read again when omitted)."""
    sections = sections if sections is not None else service.sheet_items(db, sheet)
    previous_id, changes = changes_since_last_year(db, sheet, sections)
    result = ReviewSummary(sheet["id"], sheet["fiscal_year"] - 1, previous_id, changes=changes)
    for section in sections:
        for entry in section.items:
            if not (entry.applies and entry.answered):
                continue
            answer = entry.answer
            if answer["category"] in GAP_CATEGORIES:
                result.gaps.append(Gap(entry.item["item_id"], entry.item["question"], entry.item["severity"],
                                       answer["category"], answer["plan_action"] or "", answer["plan_due"] or "",
                                       answer["plan_owner"] or ""))
            if evidence_owed(entry.item, answer["category"]):
                result.evidence_owed += 1
                if entry.missing_evidence:
                    result.evidence_missing.append(entry.item["item_id"])
                else:
                    result.evidence_attached += 1
    return result


# --- approving several sheets in one pass (the home page) -----------------------------------

BULK_LIMIT = 200    # more sheets than any 課 has awaiting approval at once; a larger post is refused as a whole


@dataclass
class BulkResult:
    approved: list[str] = field(default_factory=list)                 # sheet names
    refused: list[tuple[str, str]] = field(default_factory=list)      # (sheet name or id, why)


def sheet_name(sheet: dict) -> str:
    """健康づくり課 全課共通 令和7年度: how a message and the home page's list name a sheet (with its 評価書)."""
    return f"{sheet['department_name']} {sheet_title(sheet)} {nendo(sheet['fiscal_year'], digits=hankaku)}"


def approve_many(db: Database, user, picks: list[tuple[int, int | None]]) -> BulkResult:
    """Approve each (sheet id, status revision shown with its summary) as a single approval would be: each checked by
    the workflow and the separation of duties inside its own write transaction (service.transition), and refused
    when the sheet changed after its summary was shown. One refusal does not stop the others."""
    result = BulkResult()
    for sheet_id, revision in picks:
        sheet = service.load_sheet(db, sheet_id)
        if sheet is None or sheet["removed_at"] or not workflow.is_member(user, sheet["department_id"]):
            result.refused.append((f"点検票 {sheet_id}", "見つからないか、承認する権限のない点検票です。"))
            continue
        try:
            service.transition(db, sheet, "approve", user, expected_status_revision=revision)
        except service.TransitionError as refused:
            result.refused.append((sheet_name(sheet), str(refused)))
        else:
            result.approved.append(sheet_name(sheet))
    return result


@dataclass
class Pending:
    sheet: dict
    review: ReviewSummary
    refused: str | None         # why this user may not approve it (they submitted it), else None

    @property
    def name(self) -> str:
        return sheet_name(self.sheet)


def pending(db: Database, user, sheet_ids) -> list[Pending]:
    """The submitted sheets among `sheet_ids` that `user` reviews, each with its summary (the home page's list)."""
    found = []
    for sheet_id in sheet_ids:
        sheet = service.load_sheet(db, sheet_id)
        if sheet and not sheet["removed_at"] and workflow.is_reviewer(user, sheet):
            found.append(Pending(sheet, summary(db, sheet), workflow.approval_refused(user, sheet)))
    return found
