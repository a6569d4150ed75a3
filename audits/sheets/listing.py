"""The sheet list (点検票の一覧) for a city of 500 課: filters, search, order and page, all in the query string.

    /sheets/?year=2025&bureau=3&department=41&checklist=general&status=submitted&overdue=1&q=健康&sort=-due&page=2

Numbers (年度, 部, 課, page) are numbers in the URL like any other: malformed or out of range → 400 in Japanese
(bounds.int_arg). A well-formed value the user cannot choose (another 課, an unknown 状態, checklist or order) is
ignored, and the page says which condition it ignored. The 課 the user may see are access.records_department_ids:
the filters only narrow that set.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import request, url_for
from sqlite_utils import Database

from ..access import records_department_ids
from ..bounds import int_arg, year_arg
from ..db import Conditions
from ..paging import Page, Sort, page_arg, sort_arg
from . import service, workflow

TEXT_MAX = 50   # characters of the 課 name search that are used


@dataclass
class SheetListing:
    filter: service.SheetFilter
    sort: Sort
    page: Page
    rows: list[dict]
    years: list[int]
    bureaus: list[tuple[int, str]]
    departments: list[tuple[int, str]]
    checklists: list[tuple[str, str]]
    ignored: list[str] = field(default_factory=list)   # labels of conditions that were not applied

    def sort_options(self) -> list[tuple[str, str]]:
        """(value, label) for the order select: the default, then each key ascending and descending."""
        options = [("", "期限超過を先頭（既定）")]
        for key, (label, _columns) in service.SHEET_SORTS.items():
            options += [(key, f"{label}（昇順）"), (f"-{key}", f"{label}（降順）")]
        return options


def _years(db: Database) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT DISTINCT fiscal_year FROM schedules WHERE status != 'draft' ORDER BY fiscal_year DESC")]


def _departments(db: Database, visible) -> list[dict]:
    """The 課 the user may list, in the organisation's order, with their 部 (id and name only: 500 of them)."""
    where = Conditions()
    if visible is not None:
        where.ids("d.id", visible)
    return list(db.query(f"""SELECT d.id, d.name, d.bureau_id, b.name AS bureau_name
                             FROM departments d JOIN bureaus b ON b.id = d.bureau_id {where.sql()}
                             ORDER BY b.sort_order, b.code, d.sort_order, d.code""", where.params))


def _checklists(db: Database) -> list[tuple[str, str]]:
    """Each checklist with the title of its latest version."""
    return [(r[0], r[1]) for r in db.execute(
        """SELECT v.checklist_id, v.title FROM checklist_versions v
           WHERE v.version = (SELECT max(version) FROM checklist_versions w WHERE w.checklist_id = v.checklist_id)
           ORDER BY v.checklist_id""")]


def query_args(flt: service.SheetFilter) -> dict:
    """The query string that `read` turns back into `flt`: a link to the list showing exactly those sheets."""
    args = {"year": flt.fiscal_year, "bureau": flt.bureau_id, "department": flt.department_id,
            "checklist": flt.checklist_id, "status": flt.status, "unapproved": 1 if flt.unapproved else None,
            "overdue": 1 if flt.overdue else None,
            "q": flt.text}
    return {key: value for key, value in args.items() if value not in (None, "")}


def list_url(flt: service.SheetFilter) -> str:
    return url_for("sheets.index", **query_args(flt))


def read(db: Database, user) -> SheetListing:
    """The page of the sheet list that the query string asks for, as `user` may see it."""
    visible = records_department_ids(user)
    args = request.args
    year = year_arg("year")
    bureau_id = int_arg("bureau", "部")
    department_id = int_arg("department", "課")
    readable = _departments(db, visible)
    bureaus = list(dict.fromkeys((d["bureau_id"], d["bureau_name"]) for d in readable))
    checklists = _checklists(db)
    ignored = []
    if bureau_id and bureau_id not in {b for b, _ in bureaus}:
        bureau_id = None
        ignored.append("部")
    # With a 部 chosen, the 課 select offers that 部's 課; otherwise every readable 課, named with its 部.
    in_bureau = [(d["id"], d["name"] if bureau_id else f"{d['name']}（{d['bureau_name']}）")
                 for d in readable if not bureau_id or d["bureau_id"] == bureau_id]
    if department_id and department_id not in {d for d, _ in in_bureau}:
        department_id = None
        ignored.append("課")
    status = args.get("status", "")
    if status and status not in workflow.STATUS_LABELS:
        status = ""
        ignored.append("状態")
    checklist = args.get("checklist", "")
    if checklist and checklist not in {c for c, _ in checklists}:
        checklist = ""
        ignored.append("チェックリスト")
    raw_sort = args.get("sort", "")
    sort = sort_arg(service.SHEET_SORTS)
    if raw_sort and sort.value != raw_sort:
        ignored.append("並び順")
    flt = service.SheetFilter(fiscal_year=year, bureau_id=bureau_id, department_id=department_id,
                              checklist_id=checklist, status=status, unapproved=args.get("unapproved") == "1",
                              overdue=args.get("overdue") == "1",
                              text=args.get("q", "").strip()[:TEXT_MAX])
    total = service.count_sheets(db, flt, department_ids=visible)
    page = page_arg(total)
    rows = service.sheet_rows(db, flt, department_ids=visible, sort=sort if sort.key else None, overdue_first=True,
                              limit=page.size, offset=page.offset)
    return SheetListing(flt, sort, page, rows, _years(db), bureaus, in_bureau, checklists, ignored)
