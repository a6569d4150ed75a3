"""Checklist screens: the list, one version's items, search, clause coverage, applicability to a 課,
export (YAML / Excel) for every logged-in user, and the import for the システム管理者.

Checklists are not personal data: every role may browse them. Applicability shows a 課's profile,
so the 課 must be readable by the user (access.get_department).
"""
from __future__ import annotations

import io
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from checklists import loader

from .. import roles
from ..access import get_department, roles_required
from ..db import get_db
from ..departments import service as departments
from ..forms import choice_list
from . import diff, service
from .forms import ChecklistImportConfirmForm, ChecklistImportForm, DepartmentPickForm, ItemFilterForm

bp = Blueprint("catalogue", __name__, url_prefix="/checklists")


def get_checklist_version(checklist_id: str, number: int | None = None) -> dict:
    """A stored version (the latest when number is None), or 404."""
    version = service.find_version(get_db(), checklist_id, number)
    if version is None:
        abort(404)
    return version


@bp.app_template_global("checklist_applicability_summary")
def checklist_applicability_summary(department_id: int) -> list[dict]:
    """For the 課 page: per checklist, how many items apply to the 課 (its profile tags)."""
    db = get_db()
    return service.applicability_summary(db, departments.department_tags(db, department_id))


@bp.app_template_filter("scale_view")
def scale_view(item: dict) -> dict:
    return service.describe_scale(item)


@bp.app_template_filter("prevented_cases")
def prevented_cases(item_id: str) -> list:
    """「この項目で防げた事案」: the casebook's cases mapped to this item."""
    return service.cases_for_item(item_id)


@bp.route("/")
@login_required
def index():
    return render_template("catalogue/index.html", checklists=service.list_checklists(get_db()),
                           origin_labels=service.ORIGIN_LABELS)


def _render_version(version: dict):
    db = get_db()
    form = ItemFilterForm(request.args)
    flt = form.item_filter()
    tags = json.loads(version["tags"] or "[]")
    all_items = service.version_items(db, version["id"])
    items = service.filter_items(all_items, flt, tags)
    versions = service.checklist_versions(db, version["checklist_id"])
    previous = service.find_version(db, version["checklist_id"], version["version"] - 1)
    changes = diff.compare(service.version_checklist(db, previous["id"]),
                           service.version_checklist(db, version["id"])) if previous else None
    return render_template(
        "catalogue/detail.html", version=version, checklist_tags=tags, form=form, filtered=flt.active,
        sections=service.group_sections(items), shown=len(items), total=len(all_items), versions=versions,
        latest=versions[0], in_use=next(v["sheet_count"] for v in versions if v["id"] == version["id"]),
        clauses=service.clauses(), source_label=service.source_label(version),
        imported=service.is_imported(version), diff=changes, previous=previous)


@bp.route("/<checklist_id>")
@login_required
def detail(checklist_id: str):
    return _render_version(get_checklist_version(checklist_id))


@bp.route("/<checklist_id>/v<id:number>")
@login_required
def version_detail(checklist_id: str, number: int):
    return _render_version(get_checklist_version(checklist_id, number))


@bp.route("/<checklist_id>/v<id:number>/export.<fmt>")
@login_required
def export(checklist_id: str, number: int, fmt: str):
    if fmt not in service.EXPORT_FORMATS:
        abort(404)
    version = get_checklist_version(checklist_id, number)
    content, filename, mimetype = service.export_version(get_db(), version["id"], fmt)
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename)


@bp.route("/search")
@login_required
def search():
    form = ItemFilterForm(request.args)
    flt = form.item_filter()
    items = service.search_items(get_db(), flt) if flt.active else []
    return render_template("catalogue/search.html", form=form, filtered=flt.active, items=items,
                           clauses=service.clauses())


@bp.route("/coverage")
@login_required
def coverage():
    every_part = request.args.get("parts") == "all"
    parts = tuple(service.PART_LABELS) if every_part else ("A", "B")
    rows = service.clause_coverage(get_db(), parts)
    groups = [{"part": p, "label": service.PART_LABELS[p], "clauses": [r for r in rows if r["part"] == p]}
              for p in parts]
    uncovered = [r for r in rows if not r["items"]]
    return render_template("catalogue/coverage.html", groups=groups, uncovered=uncovered, total=len(rows),
                           every_part=every_part, cases=service.casebook_coverage(get_db()))


def _readable_departments(db) -> list[dict]:
    visible = None if current_user.has_role(roles.CHIEF, roles.AUDITOR, roles.ADMIN) else current_user.department_ids
    return departments.list_departments(db, department_ids=visible, include_inactive=False)


@bp.route("/applicability")
@login_required
def applicability_pick():
    db = get_db()
    options = _readable_departments(db)
    form = DepartmentPickForm(request.args)
    form.department.choices = choice_list([("", "課を選んでください")] + [
        (d["id"], f"{d['bureau_name']} {d['name']}") for d in options])
    if form.department.data and form.department.data.isdigit():
        return redirect(url_for(".applicability", department_id=int(form.department.data)))
    if len(options) == 1:
        return redirect(url_for(".applicability", department_id=options[0]["id"]))
    return render_template("catalogue/applicability_pick.html", form=form)


@bp.route("/applicability/<id:department_id>")
@login_required
def applicability(department_id: int):
    department = get_department(department_id)
    db = get_db()
    tags = departments.department_tags(db, department_id)
    checklist_id = request.args.get("checklist") or None
    rows = service.department_applicability(db, tags, checklist_id)
    if checklist_id and not rows:
        abort(404)
    return render_template("catalogue/applicability.html", department=department, tags=tags, rows=rows,
                           checklist_id=checklist_id)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(roles.ADMIN)
def import_checklist():
    """Step 1: upload and validate; a valid file is shown as a preview of what the import will change."""
    form = ChecklistImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            checklist = service.parse_upload(upload.filename or "", upload.read())
        except loader.ChecklistError as error:
            errors = error.errors
        else:
            return _preview(checklist, service.upload_name(upload.filename))
    return _import_page(form, errors)


@bp.route("/import/confirm", methods=["POST"])
@roles_required(roles.ADMIN)
def import_confirm():
    """Step 2: store exactly what was previewed (validated again; the content hash must match)."""
    form = ChecklistImportConfirmForm()
    name = service.upload_name(form.name.data)
    checklist, problem = None, ""
    if not form.validate_on_submit():
        problem = "確認した内容を受け取れませんでした。"
    else:
        try:
            checklist = loader.parse_data(json.loads(form.content.data), name, service.vocabulary())
        except (ValueError, TypeError, loader.ChecklistError):
            problem = "確認した内容を読み取れませんでした。"
        else:
            if checklist.content_hash() != form.content_hash.data:
                problem = "確認した内容と異なります。"
    if problem:
        return _import_page(ChecklistImportForm(formdata=None), [problem + "もう一度ファイルを選んでください。"])
    try:
        result = service.import_checklists(get_db(), [(checklist, name)], username=current_user.username)[0]
    except loader.ChecklistError as error:
        return _preview(checklist, name, error.errors)
    flash(f"チェックリストを取り込みました: {result.message}", "success")
    return redirect(url_for(".version_detail", checklist_id=result.checklist_id, number=result.version))


def _import_page(form: ChecklistImportForm, errors: list[str]):
    return render_template("catalogue/import.html", form=form, errors=errors,
                           columns=[c[0] for c in loader.ITEM_COLUMNS],
                           sheets=(loader.SHEET_CHECKLIST, loader.SHEET_ITEMS))


def _preview(checklist: loader.Checklist, name: str, errors: list[str] | None = None):
    db = get_db()
    plan, changes = service.preview(db, checklist)
    errors = errors if errors is not None else service.import_problems(db, [(checklist, name)])
    confirm = ChecklistImportConfirmForm(formdata=None, content=json.dumps(checklist.to_data(), ensure_ascii=False),
                                         name=name, content_hash=checklist.content_hash())
    return render_template("catalogue/import_preview.html", checklist=checklist, name=name, plan=plan,
                           base_version=plan.latest["version"] if plan.latest else None,
                           diff=changes, errors=errors, form=confirm)
