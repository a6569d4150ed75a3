"""The 評価書 register of a 課 and the report per 評価書 (page, Excel, PDF)."""
from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from .. import roles
from ..access import can_maintain_assessments, deny, get_department, roles_required
from ..activity import service as activity
from ..bounds import year_arg
from ..db import get_db
from ..revisions import form_revision
from ..summary.queries import default_year
from ..wareki import nendo
from . import report, report_files, service, values
from .forms import AssessmentForm

bp = Blueprint("pia", __name__, url_prefix="/pia")


@bp.app_context_processor
def _pia_helpers():
    return {"sheet_assessment_title": values.sheet_assessment_title, "PIA_KIND_LABEL": values.kind_label}


def _input(form: AssessmentForm) -> service.AssessmentInput:
    return service.AssessmentInput(name=form.name.data or "", kind=form.kind.data or "",
                                   published_on=(form.published_on.data or "").strip(), active=bool(form.active.data))


def _register_page(department: dict, form: AssessmentForm, errors=(), status: int = 200):
    db = get_db()
    return render_template("pia/register.html", department=department, form=form, errors=list(errors),
                           assessments=service.department_assessments(db, department["id"]),
                           may_edit=can_maintain_assessments(current_user, department["id"])), status


@bp.route("/departments/<id:department_id>", methods=["GET", "POST"])
@login_required
def register(department_id: int):
    department = get_department(department_id)
    form = AssessmentForm()
    if not form.is_submitted():
        return _register_page(department, AssessmentForm(formdata=None))
    if not can_maintain_assessments(current_user, department_id):
        deny("この課の特定個人情報保護評価書の登録を変更する権限がありません", department["code"])
    if not form.validate():
        return _register_page(department, form, ["入力内容を確認できませんでした。もう一度保存してください。"], 400)
    try:
        service.create_assessment(get_db(), department_id, _input(form), user=current_user)
    except service.AssessmentError as error:
        return _register_page(department, form, error.errors, 422)
    flash(f"「{values.assessment_title(form.name.data.strip(), form.kind.data)}」を登録しました。", "success")
    return redirect(url_for("pia.register", department_id=department_id))


@bp.route("/<id:assessment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(assessment_id: int):
    assessment = service.get_assessment(assessment_id, for_edit=True)
    form = AssessmentForm()
    errors: list[str] = []
    status = 200
    if not form.is_submitted():
        form = AssessmentForm(formdata=None, data={
            "name": assessment["name"], "kind": assessment["kind"] or "",
            "published_on": assessment["published_on"] or "", "active": bool(assessment["active"]),
            "revision": assessment["revision"]})
    elif not form.validate():
        errors, status = ["入力内容を確認できませんでした。もう一度保存してください。"], 400
    else:
        try:
            service.update_assessment(get_db(), assessment_id, _input(form), user=current_user,
                                      expected_revision=form_revision(form.revision.data))
        except service.AssessmentConflict as conflict:
            errors, status = conflict.errors, 409
        except service.AssessmentError as error:
            errors, status = error.errors, 422
        else:
            flash("評価書を更新しました。", "success")
            return redirect(url_for("pia.register", department_id=assessment["department_id"]))
    return render_template("pia/edit.html", assessment=assessment, form=form, errors=errors), status


def _year() -> int:
    return year_arg("year") or default_year(get_db())


@bp.route("/report")
@roles_required(roles.CHIEF, roles.AUDITOR)
def report_page():
    year = _year()
    results = report.assessment_results(get_db(), year)
    return render_template("pia/report.html", year=year, results=results, columns=report.COLUMNS,
                           column_label=values.ppc_label, explanation=report.explanation(),
                           no_gaps=report.no_gaps_text())


def _download(kind: str):
    db = get_db()
    year = _year()
    municipality = current_app.config["MUNICIPALITY_NAME"]
    results = report.assessment_results(db, year)
    render = report_files.to_xlsx if kind == "xlsx" else report_files.to_pdf
    data = render(results, year, municipality)
    activity.record(db, "pia.report_export", detail={"year": year, "format": kind})
    mimetype = ("application/pdf" if kind == "pdf"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, max_age=0,
                     download_name=f"評価書ごとの点検結果_{nendo(year)}.{kind}")


@bp.route("/report.xlsx")
@roles_required(roles.CHIEF, roles.AUDITOR)
def report_xlsx():
    return _download("xlsx")


@bp.route("/report.pdf")
@roles_required(roles.CHIEF, roles.AUDITOR)
def report_pdf():
    return _download("pdf")
