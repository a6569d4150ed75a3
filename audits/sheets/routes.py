"""The answer page and everything done to a sheet: answers, evidence, status changes, Excel, PDF."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import roles
from ..bounds import year_arg
from ..catalogue.service import decode_item
from ..db import get_db
from ..evidence import service as evidence
from ..evidence.storage import EvidenceRejected, allowed_extensions_text
from ..forms import EmptyForm
from ..revisions import form_revision
from . import service, workflow
from ..screen_dates import date_text
from .answers import AnswerInput, display_value, scale_of, unit_of
from .forms import AnswerForm, EvidenceForm, ReasonForm, SheetImportForm

bp = Blueprint("sheets", __name__, url_prefix="/sheets")


@bp.app_template_filter("answer_value")
def _answer_value(value, item):
    return display_value(item, value, date_text=date_text)


@bp.app_context_processor
def _sheet_helpers():
    return {"scale_of": scale_of, "unit_of": unit_of, "SHEET_STATUS": workflow.STATUS_LABELS}


def _to_item(sheet_id: int, item_id: str):
    """Back to the item's card on the answer page."""
    return redirect(url_for("sheets.show", sheet_id=sheet_id, _anchor=f"item-{item_id}"))


def _find_item(sheet: dict, item_id: str) -> dict:
    row = next(get_db().query("SELECT * FROM checklist_items WHERE version_id = ? AND item_id = ?",
                              [sheet["version_id"], item_id]), None)
    if row is None:
        abort(404)
    return decode_item(row)


@bp.route("/")
@login_required
def index():
    db = get_db()
    visible = None if current_user.reads_every_department else current_user.department_ids
    if current_user.has_role(roles.ADMIN) and not current_user.reads_every_department and not \
            current_user.has_role(roles.MANAGER, roles.STAFF):
        abort(403)
    year = year_arg("year")
    status = request.args.get("status", "")
    rows = service.progress_rows(db, department_ids=visible, fiscal_year=year,
                                 status=status if status in workflow.STATUS_LABELS else "", overdue_first=True)
    years = [r[0] for r in db.execute("SELECT DISTINCT fiscal_year FROM schedules ORDER BY fiscal_year DESC")]
    return render_template("sheets/index.html", rows=rows, years=years, year=year, status=status)


def render_sheet(sheet: dict, *, edits: dict | None = None, status_code: int = 200, problems=None,
                 kept_notes: dict | None = None):
    db = get_db()
    sections = service.sheet_items(db, sheet)
    may_edit = workflow.may_edit_answers(current_user, sheet)
    return render_template(
        "sheets/answer.html", sheet=sheet, sections=sections, may_edit=may_edit, edits=edits or {},
        actions=workflow.allowed_actions(current_user, sheet),
        approval_refused=workflow.approval_refused(current_user, sheet), events=service.events(db, sheet["id"]),
        history=service.history(db, sheet["id"]), problems=problems, answer_form=AnswerForm(formdata=None),
        evidence_form=EvidenceForm(formdata=None), reason_form=ReasonForm(formdata=None),
        import_form=SheetImportForm(formdata=None), empty_form=EmptyForm(),
        allowed_types=allowed_extensions_text(), max_mb=evidence.max_upload_bytes() // (1024 * 1024),
        format_size=evidence.format_size, kept_notes=kept_notes or {}, **_incidents(db, sheet),
    ), status_code


def _incidents(db, sheet: dict) -> dict:
    """The 課's 漏えい等事案 beside the sheet, and per item those linked to it (for those who read the 課's records)."""
    from ..access import can_read_department_records
    from ..incidents import links

    if not can_read_department_records(current_user, sheet["department_id"]):
        return {"department_incidents": [], "item_incidents": {}}
    return {"department_incidents": links.department_incidents(db, sheet["department_id"]),
            "item_incidents": links.incidents_by_item(db, current_user, department_id=sheet["department_id"])}


@bp.route("/<id:sheet_id>")
@login_required
def show(sheet_id: int):
    return render_sheet(service.get_sheet(sheet_id))


@bp.route("/<id:sheet_id>/items/<item_id>", methods=["POST"])
@login_required
def save_item(sheet_id: int, item_id: str):
    db = get_db()
    sheet = service.get_sheet(sheet_id)
    item = _find_item(sheet, item_id)
    form = AnswerForm()
    typed = AnswerInput.from_mapping(request.form)
    if not form.validate_on_submit():
        return render_sheet(sheet, edits={item_id: {"values": typed.as_dict(), "errors": {
            "value": "入力内容を確認できませんでした。もう一度保存してください。"}}}, status_code=400)
    try:
        result = service.save_answer(db, sheet, item, typed, base_revision=form_revision(form.revision.data),
                                     user=current_user)
    except service.AnswerInvalid as invalid:
        flash(f"{item_id} を保存できませんでした。入力内容を確認してください。", "error")
        return render_sheet(service.get_sheet(sheet_id),
                            edits={item_id: {"values": typed.as_dict(), "errors": invalid.errors}}, status_code=422)
    except service.AnswerConflict as conflict:
        flash(f"{item_id} は、あなたが画面を開いた後に他の人が保存しました。あなたの入力は下に残してあります。"
              "相手の回答を確認し、必要なら内容を統合して保存し直してください。", "error")
        return render_sheet(service.get_sheet(sheet_id), edits={item_id: {
            "values": typed.as_dict(), "errors": {}, "conflict": conflict.current}}, status_code=409)
    except service.SheetLocked as locked:
        flash(str(locked), "error")
        return render_sheet(service.get_sheet(sheet_id), edits={item_id: {"values": typed.as_dict(), "errors": {}}},
                            status_code=409)
    flash(f"{item_id} を保存しました。" if result.changed else f"{item_id} に変更はありません。", "success")
    return _to_item(sheet_id, item_id)


@bp.route("/<id:sheet_id>/items/<item_id>/evidence", methods=["POST"])
@login_required
def upload_evidence(sheet_id: int, item_id: str):
    db = get_db()
    sheet = service.get_sheet(sheet_id)
    item = _find_item(sheet, item_id)
    if not workflow.may_edit_answers(current_user, sheet):
        flash("この点検票には証跡を添付できません（提出済・承認済の点検票、又は回答の権限がありません）。", "error")
        return _to_item(sheet_id, item_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        message = next(iter(form.errors.values()))[0] if form.errors else "ファイルを選んでください。"
        flash(f"{item_id}: {message}", "error")
        return _to_item(sheet_id, item_id)
    answer = service.ensure_answer_row(db, sheet, item)
    if answer["auto_na"]:
        abort(409)
    try:
        row = evidence.attach(db, form.file.data, owner="answer", owner_id=answer["id"],
                              department_id=sheet["department_id"], sheet_id=sheet_id, note=form.note.data or "",
                              user=current_user, department_code=sheet["department_code"])
    except EvidenceRejected as rejected:
        flash(f"{item_id}: 「{form.file.data.filename}」を添付できませんでした。{rejected}", "error")
        # Shown again at once (not redirected) so that the note typed with the file is kept.
        return render_sheet(sheet, status_code=400, kept_notes={item_id: form.note.data or ""})
    else:
        flash(f"{item_id}: 「{row['original_name']}」を添付しました（SHA-256 {row['sha256'][:16]}…）。", "success")
    return _to_item(sheet_id, item_id)


@bp.route("/<id:sheet_id>/evidence/<id:evidence_id>/remove", methods=["POST"])
@login_required
def remove_evidence(sheet_id: int, evidence_id: int):
    db = get_db()
    sheet = service.get_sheet(sheet_id)
    row = evidence.load(db, evidence_id)
    if row is None or row["owner"] != "answer" or row["sheet_id"] != sheet_id:
        abort(404)
    if not workflow.may_edit_answers(current_user, sheet):
        abort(403)
    if EmptyForm().validate_on_submit() and not row["removed_at"]:
        evidence.remove(db, evidence_id, current_user, department_code=sheet["department_code"])
        flash(f"「{row['original_name']}」を削除しました（記録は残ります）。", "success")
    item_id = db.execute("SELECT item_id FROM answers WHERE id = ?", [row["owner_id"]]).fetchone()[0]
    return _to_item(sheet_id, item_id)


@bp.route("/<id:sheet_id>/<any(submit, withdraw, approve, return, reopen):action>", methods=["POST"])
@login_required
def change_status(sheet_id: int, action: str):
    db = get_db()
    sheet = service.get_sheet(sheet_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("入力内容を確認してください。", "error")
        return redirect(url_for("sheets.show", sheet_id=sheet_id))
    try:
        status = service.transition(db, sheet, action, current_user, reason=form.reason.data or "",
                                    expected_status_revision=form_revision(form.status_revision.data))
    except service.TransitionError as error:
        flash(str(error), "error")
        if error.problems:
            return render_sheet(service.get_sheet(sheet_id), problems=error.problems, status_code=422)
        return redirect(url_for("sheets.show", sheet_id=sheet_id))
    flash(f"点検票を「{workflow.STATUS_LABELS[status]}」にしました。", "success")
    return redirect(url_for("sheets.show", sheet_id=sheet_id))


@bp.route("/<id:sheet_id>/export.xlsx")
@login_required
def export_xlsx(sheet_id: int):
    from . import excel

    sheet = service.get_sheet(sheet_id)
    data = excel.export(get_db(), sheet)
    return _download(data, f"点検票_{sheet['fiscal_year']}_{sheet['department_code']}_{sheet['checklist_id']}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/<id:sheet_id>/import", methods=["POST"])
@login_required
def import_xlsx(sheet_id: int):
    from . import excel

    db = get_db()
    sheet = service.get_sheet(sheet_id)
    if not workflow.may_edit_answers(current_user, sheet):
        abort(403)
    form = SheetImportForm()
    if not form.validate_on_submit():
        flash("取り込む Excel ファイルを選んでください。", "error")
        return redirect(url_for("sheets.show", sheet_id=sheet_id))
    upload = form.file.data
    try:
        summary = excel.import_workbook(db, sheet, upload.read(), upload.filename or "file.xlsx", current_user)
    except excel.ImportRejected as rejected:
        return render_template("sheets/import_errors.html", sheet=sheet, errors=rejected.errors,
                               filename=upload.filename), 422
    flash(f"Excel から {summary.changed} 項目を取り込みました（変更のない項目 {summary.unchanged}）。", "success")
    return redirect(url_for("sheets.show", sheet_id=sheet_id))


@bp.route("/<id:sheet_id>/report.pdf")
@login_required
def report_pdf(sheet_id: int):
    from flask import current_app

    from ..activity import service as activity
    from . import report_pdf as pdf

    db = get_db()
    sheet = service.get_sheet(sheet_id)
    data = pdf.build(db, sheet, current_app.config["MUNICIPALITY_NAME"])
    activity.record(db, "sheet.export", department_code=sheet["department_code"], object_type="sheet",
                    object_id=sheet_id, detail={"format": "pdf"})
    return _download(data, f"点検票_{sheet['fiscal_year']}_{sheet['department_code']}_{sheet['checklist_id']}.pdf",
                     "application/pdf")


def _download(data: bytes, filename: str, mimetype: str):
    import io

    from flask import send_file

    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
