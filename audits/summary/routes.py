"""全庁の集計: the dashboard of the 総括保護管理者 and the 監査責任者, one 課's part for its members,
the charts as PNG images, and the PDF / Excel downloads."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from checklists.sources import sources_text

from .. import roles
from ..access import can_read_department_records, deny, roles_required
from ..activity import service as activity
from ..db import connect, get_db
from ..downloads import content_disposition, file_name
from ..departments import service as departments
from ..forms import choice_list
from ..screen_dates import nendo_text
from ..wareki import hankaku, nendo
from . import charts, ppc, ppc_pdf, ppc_xlsx, queries, report_csv, report_pdf, report_xlsx, scoring
from .forms import DepartmentYearForm, SummaryFilterForm, sort_choices, year_choices
from .queries import Scope
from .report import build

ACTION_LABELS = {"summary.export": "全庁集計の出力", "summary.ppc_export": "委員会への定期的な報告（回答案）の出力"}


def init_app(app) -> None:
    activity.register_action_labels(app, ACTION_LABELS)


bp = Blueprint("summary", __name__, url_prefix="/summary")
ORGANISATION_ROLES = (roles.CHIEF, roles.AUDITOR)
CHART_KINDS = ("completion", "sections", "years")
DEPARTMENT_ITEM_LIMIT = 50


def _render(template: str, **context):
    """Render a summary page with the helpers its templates use (not made global for every page)."""
    from ..audit.values import ACTION_STATUS_LABELS, AUDIT_STATUS_LABELS

    return render_template(
        template, percent=scoring.percent, points=scoring.points, rate_with_n=scoring.rate_with_n, sources_text=sources_text,
        CATEGORY_LABELS=scoring.CATEGORY_LABELS, METHOD_TEXT=scoring.method_text(), SORT_KEYS=queries.SORT_KEYS,
        heat_class=charts.heatmap_class, AUDIT_STATUS_LABELS=AUDIT_STATUS_LABELS,
        ACTION_STATUS_LABELS=ACTION_STATUS_LABELS, **context)


# --------------------------------------------------------------------------- filters

def _filters(db) -> tuple[SummaryFilterForm, Scope, str]:
    """Read the GET filter; an unknown value is ignored (the filter falls back to 'all')."""
    form = SummaryFilterForm(request.args)
    years = queries.report_years(db)
    default = queries.default_year(db)
    form.year.choices = year_choices(years, default)
    form.bureau.choices = choice_list([("", "すべて")] + [(b["id"], b["name"]) for b in departments.list_bureaus(db)])
    form.tag.choices = choice_list([("", "すべて")] + [(t.id, t.label) for t in departments.profile_tags().values()])
    form.sort.choices = sort_choices()
    year = _int(form.year.data) or default
    if not 1900 < year < 3000:
        year = default
    bureau_id = _int(form.bureau.data)
    if bureau_id and bureau_id not in {b["id"] for b in departments.list_bureaus(db)}:
        bureau_id = None
    tag = form.tag.data if form.tag.data in departments.profile_tags() else ""
    sort = form.sort.data if form.sort.data in queries.SORT_KEYS else "score"
    form.year.data, form.bureau.data, form.tag.data, form.sort.data = str(year), str(bureau_id or ""), tag, sort
    return form, Scope(year, bureau_id, tag), sort


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _filter_args(scope: Scope, sort: str | None = None) -> dict:
    args = {"year": scope.year}
    if scope.bureau_id:
        args["bureau"] = scope.bureau_id
    if scope.tag:
        args["tag"] = scope.tag
    if sort and sort != "score":
        args["sort"] = sort
    return args


def _municipality() -> str:
    return current_app.config["MUNICIPALITY_NAME"]


# --------------------------------------------------------------------------- organisation-wide

# A large city's 課 table is long: the first rows in the chosen order (weakest first by default)
# are shown, the rest on request and always in the Excel.
DEPARTMENT_ROWS_SHOWN = 60


@bp.route("/")
@roles_required(*ORGANISATION_ROLES)
def organisation():
    db = get_db()
    form, scope, sort = _filters(db)
    report = build(db, scope, municipality=_municipality(), sort=sort, digits=hankaku)
    heat_limit = None if request.args.get("heat") == "all" else charts.HEATMAP_MAX_ROWS
    row_limit = None if request.args.get("rows") == "all" else DEPARTMENT_ROWS_SHOWN
    return _render("summary/index.html", report=report, form=form, args=_filter_args(scope, sort),
                   chart_args=_filter_args(scope), heat_limit=heat_limit, row_limit=row_limit)


@bp.route("/charts/<kind>.png")
@roles_required(*ORGANISATION_ROLES)
def organisation_chart(kind: str):
    db = get_db()
    _form, scope, _sort = _filters(db)
    return _chart_response(db, scope, kind, request.args.get("checklist", ""))


@bp.route("/report.<fmt>")
@roles_required(*ORGANISATION_ROLES)
def organisation_export(fmt: str):
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    db = get_db()
    _form, scope, sort = _filters(db)
    data = export(db, scope, fmt, municipality=_municipality(), author=current_user.display_name, sort=sort)
    mimetype = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = file_name("全庁集計", nendo(scope.year, digits=hankaku), _scope_name(db, scope), extension=fmt)
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(name, f"summary-{scope.year}.{fmt}"), "Cache-Control": "no-store"})


def _scope_name(db, scope: Scope) -> str:
    """The 部 a filtered report covers, for its file name (全庁 is already in the name)."""
    if not scope.bureau_id:
        return ""
    row = db.execute("SELECT name FROM bureaus WHERE id = ?", [scope.bureau_id]).fetchone()
    return row[0] if row else ""


@bp.route("/answers.csv")
@roles_required(*ORGANISATION_ROLES)
def answers_csv():
    """Every answer of the 年度 in scope, streamed (the Excel's last sheet, for a city too large for Excel)."""
    db = get_db()
    _form, scope, _sort = _filters(db)
    record_export(db, scope, "csv")
    return Response(_stream_answers(current_app.config["DATABASE"], scope), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=answers-{scope.year}.csv", "Cache-Control": "no-store"})


def _stream_answers(database: str, scope: Scope):
    # Its own connection: the request's one is closed when the response starts streaming.
    db = connect(database)
    try:
        yield from report_csv.render(queries.raw_answers(db, scope))
    finally:
        db.conn.close()


def export(db, scope: Scope, fmt: str, *, municipality: str, author: str = "", sort: str = "score") -> bytes:
    """The organisation-wide report as PDF or Excel bytes; the export is logged (web and CLI)."""
    report = build(db, scope, municipality=municipality, sort=sort)
    if fmt == "pdf":
        data = report_pdf.render(report, author=author)
    else:
        data = report_xlsx.render(report, queries.raw_answers(db, scope), author=author)
    record_export(db, scope, fmt, departments=report.completion.departments)
    return data


@bp.route("/ppc.<fmt>")
@roles_required(*ORGANISATION_ROLES)
def ppc_export(fmt: str):
    """The 委員会's 定期的な報告 (回答案) of the 年度 chosen on the dashboard, per 機関."""
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    db = get_db()
    _form, scope, _sort = _filters(db)
    data = export_ppc(db, scope.year, fmt, municipality=_municipality(), author=current_user.display_name)
    mimetype = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=ppc-{scope.year}.{fmt}", "Cache-Control": "no-store"})


def export_ppc(db, year: int, fmt: str, *, municipality: str, author: str = "") -> bytes:
    """The 定期的な報告 as PDF or Excel bytes; the export is logged (web and CLI)."""
    report = ppc.build(db, year, municipality=municipality)
    data = ppc_pdf.render(report, author=author) if fmt == "pdf" else ppc_xlsx.render(report)
    activity.record(db, "summary.ppc_export", object_type="summary", object_id=year,
                    detail={"format": fmt, "year": year, "agencies": len(report.blocks)})
    return data


def record_export(db, scope: Scope, fmt: str, **detail) -> None:
    activity.record(db, "summary.export", object_type="summary", object_id=scope.year,
                    detail={"format": fmt, "year": scope.year, "bureau_id": scope.bureau_id, "tag": scope.tag,
                            **detail})


# --------------------------------------------------------------------------- one 課's part

def _department_for_summary(department_id: int) -> dict:
    """A 課 whose part the current user may read: organisation readers any, members their own (403 logged)."""
    db = get_db()
    department = next(db.query(
        """SELECT d.*, b.name AS bureau_name FROM departments d JOIN bureaus b ON b.id = d.bureau_id
           WHERE d.id = ?""", [department_id]), None)
    if department is None:
        abort(404)
    if not can_read_department_records(current_user, department_id):
        deny("他の課の集計を閲覧する権限がありません", department["code"])
    return department


def _department_scope(db, department: dict) -> tuple[DepartmentYearForm, Scope]:
    form = DepartmentYearForm(request.args)
    default = queries.default_year(db)
    form.year.choices = year_choices(queries.available_years(db), default)
    year = _int(form.year.data) or default
    if not 1900 < year < 3000:
        year = default
    form.year.data = str(year)
    mine = departments.list_departments(db, department_ids=current_user.department_ids) \
        if current_user.department_ids else []
    form.department.choices = choice_list([(d["id"], d["name"]) for d in mine])
    form.department.data = str(department["id"])
    return form, Scope(year, department_ids=frozenset({department["id"]}))


@bp.route("/departments/<id:department_id>")
@login_required
def department_part(department_id: int):
    department = _department_for_summary(department_id)
    db = get_db()
    form, scope = _department_scope(db, department)
    report = build(db, scope, municipality=_municipality(), department=department, item_limit=DEPARTMENT_ITEM_LIMIT,
                   digits=hankaku)
    return _render("summary/department.html", report=report, form=form, department=department,
                   chart_args={"year": scope.year})


@bp.route("/departments/<id:department_id>/charts/<kind>.png")
@login_required
def department_chart(department_id: int, kind: str):
    department = _department_for_summary(department_id)
    db = get_db()
    _form, scope = _department_scope(db, department)
    return _chart_response(db, scope, kind, request.args.get("checklist", ""))


@bp.route("/mine")
@login_required
def mine():
    """The nav link of a 保護管理者 / 保護担当者: their (first) 課's part."""
    if not current_user.department_ids or not current_user.has_role(roles.MANAGER, roles.STAFF):
        deny("所属する課がありません")
    first = departments.list_departments(get_db(), department_ids=current_user.department_ids)[0]
    # The filters ride along; never the route's own argument or url_for's options (_external, _scheme …).
    kept = {k: v for k, v in request.args.items() if k != "department_id" and not k.startswith("_")}
    return redirect(url_for("summary.department_part", department_id=first["id"], **kept))


# --------------------------------------------------------------------------- charts

def _chart_response(db, scope: Scope, kind: str, checklist_id: str) -> Response:
    if kind not in CHART_KINDS:
        abort(404)
    if kind == "completion":
        completion = queries.completion(db, scope)
        data, draw = completion, lambda: charts.completion_bar(completion)
    else:
        sections = queries.section_distribution(db, scope)
        if checklist_id not in {s.checklist_id for s in sections}:
            abort(404)
        shown = [s for s in sections if s.checklist_id == checklist_id]
        if kind == "sections":
            data, draw = shown, lambda: charts.section_bars(shown)
        else:
            previous = queries.section_rates_previous(db, scope)
            labels = nendo_text(scope.year), nendo_text(scope.year - 1)
            data = (shown, previous, labels)
            draw = lambda: charts.year_comparison(shown, previous, year_label=labels[0],  # noqa: E731
                                                  previous_label=labels[1])
    return Response(charts.cached_png((kind, data), draw), mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=300"})
