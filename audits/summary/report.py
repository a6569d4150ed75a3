"""Everything the dashboard, the PDF and the Excel show, gathered once per request by `build()`."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import has_app_context
from sqlite_utils import Database

from ..timeutil import now_iso
from ..wareki import Digits, nendo, zenkaku
from . import incidents as incident_stats
from . import queries
from .queries import Scope


@dataclass
class SummaryReport:
    scope: Scope
    municipality: str
    completion: queries.Completion
    overall: "queries.Counts"
    sections: list[queries.SectionRow]
    checklists: list[queries.ChecklistInfo]
    departments: list[queries.DepartmentRow]
    heat: queries.Heatmap
    weakest: list[queries.ItemRow]
    measurements: list[queries.MeasurementRow]
    yoy: queries.YearOverYear
    previous_sections: dict
    audits: list[queries.AuditRow]
    actions: queries.ActionSummary
    incidents: incident_stats.IncidentSummary | None = None   # organisation-wide report only
    bureau_name: str | None = None
    tag_label: str | None = None
    department: dict | None = None          # set for one 課's part
    sort: str = "score"                     # the order of the 課 tables (queries.SORT_KEYS)
    generated_at: str = field(default_factory=now_iso)
    digits: Digits = zenkaku                # the 年度's digits: full-width in documents, hankaku on screens

    @property
    def year_label(self) -> str:
        return nendo(self.scope.year, digits=self.digits)

    @property
    def document_title(self) -> str:
        """The title of the PDF and of the Excel workbook (their file properties)."""
        return f"{self.year_label} 自己点検及び監査の結果（総括報告）"

    @property
    def previous_label(self) -> str:
        return nendo(self.scope.year - 1, digits=self.digits)

    @property
    def scope_label(self) -> str:
        """全庁 / 市民生活部 / タグ「窓口」 / 市民課 — what the numbers cover."""
        if self.department:
            return self.department["name"]
        parts = []
        if self.bureau_name:
            parts.append(self.bureau_name)
        if self.tag_label:
            parts.append(f"タグ「{self.tag_label}」の課")
        return "・".join(parts) if parts else "全庁"

    @property
    def key_points(self) -> list:
        """The 要点 of page 1 and of the dashboard's top (keypoints.py)."""
        from .keypoints import key_points

        return key_points(self)

    def sections_of(self, checklist_id: str) -> list[queries.SectionRow]:
        return [s for s in self.sections if s.checklist_id == checklist_id]


def build(db: Database, scope: Scope, *, municipality: str, sort: str = "score",
          department: dict | None = None, item_limit: int = 20, digits: Digits = zenkaku) -> SummaryReport:
    """Run every aggregate of the report for `scope` (one 課's part when `department` is given).

    The cells of the 年度 and of the one before are computed once for all the aggregates."""
    queries.materialize(db, scope)
    try:
        return _assemble(db, scope, municipality, sort, department, item_limit, digits)
    finally:
        queries.release(db)


def _prompt_days() -> int:
    """The 速報's target in days: the app's setting, or its default when the report is built outside the app."""
    from ..config import DEFAULTS
    from ..incidents import service as incident_service

    return incident_service.prompt_days() if has_app_context() else int(DEFAULTS["INCIDENT_PROMPT_DAYS"])


def _assemble(db: Database, scope: Scope, municipality: str, sort: str, department: dict | None,
              item_limit: int, digits: Digits) -> SummaryReport:
    from ..departments.service import tag_label

    department_view = department is not None
    sections = queries.section_distribution(db, scope)
    departments = queries.department_rows(db, scope, sort)
    measurements = queries.measurements(db, scope)
    return SummaryReport(
        scope=scope, municipality=municipality,
        completion=queries.completion(db, scope),
        overall=queries.overall(db, scope),
        sections=sections,
        checklists=queries.checklists_of(sections),
        departments=departments,
        heat=queries.heatmap(db, scope, sections, departments),
        weakest=queries.weakest_items(db, scope, item_limit),
        measurements=measurements,
        yoy=queries.year_over_year(db, scope, item_limit),
        previous_sections=queries.section_rates_previous(db, scope),
        audits=queries.audits_of_year(db, scope, department_view=department_view),
        actions=queries.corrective_actions(db, scope, department_view=department_view),
        incidents=None if department_view else incident_stats.incident_summary(db, scope, measurements,
                                                                               _prompt_days(), digits),
        bureau_name=queries.bureau_name(db, scope.bureau_id),
        tag_label=tag_label(scope.tag) if scope.tag else None,
        department=department,
        sort=sort,
        digits=digits,
    )
