"""The answer page and everything done to a sheet: answers, evidence, status changes, Excel, PDF."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import roles
from ..access import may_list_sheets
from ..bounds import parse_int
from ..catalogue.service import decode_item
from ..db import get_db
from ..evidence import service as evidence
from ..evidence.storage import EvidenceRejected, allowed_extensions_text
from ..forms import EmptyForm
from ..revisions import form_revision
from ..screen_dates import date_text
from ..timeutil import display, now
from ..web import wants_json
from . import listing, review, service, workflow
from .answers import AnswerInput, display_value, scale_of, unit_of
from .forms import AnswerForm, EvidenceForm, ReasonForm, SheetImportForm

bp = Blueprint("sheets", __name__, url_prefix="/sheets")


@bp.app_template_filter("answer_value")
def _answer_value(value, item):
    return display_value(item, value, date_text=date_text)


@bp.app_context_processor
def _sheet_helpers():
    return {"scale_of": scale_of, "unit_of": unit_of, "SHEET_STATUS": workflow.STATUS_LABELS, "item_url": item_url}


def item_url(sheet_id: int, item_id: str) -> str:
    """The item's card on the answer page (the page of its 区分)."""
    return url_for("sheets.show", sheet_id=sheet_id, item=item_id, _anchor=f"item-{item_id}")


def _to_item(sheet_id: int, item_id: str):
    """Back to the item's card on the answer page."""
    return redirect(item_url(sheet_id, item_id))


def _find_item(sheet: dict, item_id: str) -> dict:
    row = next(get_db().query("SELECT * FROM checklist_items WHERE version_id = ? AND item_id = ?",
                              [sheet["version_id"], item_id]), None)
    if row is None:
        abort(404)
    return decode_item(row)


@bp.route("/")
@login_required
def index():
    if not may_list_sheets(current_user):
        abort(403)
    return render_template("sheets/index.html", listing=listing.read(get_db(), current_user))


ALL_SECTIONS = "all"


def _page_section(sections: list[service.SheetSection], *, section: str = "", item: str = "") -> str:
    """Which 区分 the page shows: the one holding `item`, else `section` (or ALL_SECTIONS), else the first 区分 with
    an unanswered item (where the work is), else the first. Unknown names fall back quietly (links outlive
    checklist versions)."""
    if item:
        found = next((s.id for s in sections for e in s.items if e.item["item_id"] == item), None)
        if found:
            return found
    if section == ALL_SECTIONS or any(s.id == section for s in sections):
        return section
    first_open = next((s.id for s in sections for e in s.items if e.unanswered), None)
    return first_open or (sections[0].id if sections else ALL_SECTIONS)


def _unanswered_elsewhere(sections: list[service.SheetSection], current: str) -> str | None:
    """The first unanswered item after the shown 区分 (wrapping round to the start), for 「次の未回答へ」."""
    if current == ALL_SECTIONS:
        return None
    at = next((n for n, s in enumerate(sections) if s.id == current), 0)
    for section in sections[at + 1:] + sections[:at]:
        for entry in section.items:
            if entry.unanswered:
                return entry.item["item_id"]
    return None


def render_sheet(sheet: dict, *, edits: dict | None = None, status_code: int = 200, problems=None,
                 kept_notes: dict | None = None, item: str = ""):
    db = get_db()
    sections = service.sheet_items(db, sheet)
    may_edit = workflow.may_edit_answers(current_user, sheet)
    current = _page_section(sections, section=request.args.get("section", ""),
                            item=item or request.args.get("item", ""))
    shown = [s for s in sections if current in (ALL_SECTIONS, s.id)]
    shown_items = {e.item["item_id"] for s in shown for e in s.items}
    remaining = service.completeness(db, sheet, sections) if problems is None and may_edit else []

    def item_href(item_id: str) -> str:
        return f"#item-{item_id}" if item_id in shown_items else item_url(sheet["id"], item_id)

    return render_template(
        "sheets/answer.html", sheet=sheet, sections=sections, may_edit=may_edit, edits=edits or {},
        history=service.history(db, sheet["id"]), **_card_context(db, sheet, kept_notes),
        shown=shown, current_section=current, ALL_SECTIONS=ALL_SECTIONS, item_href=item_href,
        only_unanswered=request.args.get("unanswered") == "1",
        first_unanswered_here=next((e.item["item_id"] for s in shown for e in s.items
                                    if e.unanswered), None),
        unanswered_elsewhere=_unanswered_elsewhere(sections, current),
        blockers=service.blockers_by_kind(problems or remaining), blockers_refused=bool(problems),
        actions=workflow.allowed_actions(current_user, sheet),
        approval_refused=workflow.approval_refused(current_user, sheet), events=service.events(db, sheet["id"]),
        review=review.summary(db, sheet, sections) if workflow.is_reviewer(current_user, sheet) else None,
        answer_form=AnswerForm(formdata=None),
        evidence_form=EvidenceForm(formdata=None), reason_form=ReasonForm(formdata=None),
        import_form=SheetImportForm(formdata=None), empty_form=EmptyForm(),
    ), status_code


def _card_context(db, sheet: dict, kept_notes: dict | None = None) -> dict:
    """What templates/sheets/_item.html needs besides the item, its history and the edits."""
    return {"allowed_types": allowed_extensions_text(), "max_mb": evidence.max_upload_bytes() // (1024 * 1024),
            "format_size": evidence.format_size, "kept_notes": kept_notes or {}, **_incidents(db, sheet)}


def render_card(db, sheet: dict, item: dict) -> str:
    """The item's card as the page shows it now (sheet_answer.js takes its badges, evidence notes and history)."""
    return render_template("sheets/_item.html", sheet=sheet, entry=service.sheet_entry(db, sheet, item),
                           may_edit=workflow.may_edit_answers(current_user, sheet), edits={},
                           history=service.history(db, sheet["id"], item["item_id"]), **_card_context(db, sheet))


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
    """Save one answer. A form posted by the page script (Accept: application/json) gets JSON and the page stays
    as it is (save_reply); a plain form post gets the page back, as without JavaScript."""
    db = get_db()
    sheet = service.get_sheet(sheet_id)
    item = _find_item(sheet, item_id)
    form = AnswerForm()
    typed = AnswerInput.from_mapping(request.form)
    if wants_json():
        return save_reply(db, sheet, item, form, typed)
    if not form.validate_on_submit():
        return render_sheet(sheet, edits={item_id: {"values": typed.as_dict(), "errors": {
            "value": "入力内容を確認できませんでした。もう一度保存してください。"}}}, status_code=400, item=item_id)
    try:
        result = service.save_answer(db, sheet, item, typed, base_revision=form_revision(form.revision.data),
                                     user=current_user)
    except service.AnswerInvalid as invalid:
        flash(f"{item_id} を保存できませんでした。入力内容を確認してください。", "error")
        return render_sheet(service.get_sheet(sheet_id),
                            edits={item_id: {"values": typed.as_dict(), "errors": invalid.errors}}, status_code=422,
                            item=item_id)
    except service.AnswerConflict as conflict:
        flash(f"{item_id} は、あなたが画面を開いた後に他の人が保存しました。あなたの入力は下に残してあります。"
              "相手の回答を確認し、必要なら内容を統合して保存し直してください。", "error")
        return render_sheet(service.get_sheet(sheet_id), edits={item_id: {
            "values": typed.as_dict(), "errors": {}, "conflict": conflict.current}}, status_code=409, item=item_id)
    except service.SheetLocked as locked:
        flash(str(locked), "error")
        return render_sheet(service.get_sheet(sheet_id), edits={item_id: {"values": typed.as_dict(), "errors": {}}},
                            status_code=409, item=item_id)
    flash(f"{item_id} を保存しました。" if result.changed else f"{item_id} に変更はありません。", "success")
    return _to_item(sheet_id, item_id)


def save_reply(db, sheet: dict, item: dict, form: AnswerForm, typed: AnswerInput):
    """The in-place save: the same rules as the form post, answered in JSON for sheet_answer.js.

    ok → 200 with the message shown beside the item, the new revision and category and the progress figures;
    refused → 400 / 422 / 409 with a message, the errors by field and the values as typed (nothing typed is lost);
    a conflict also carries the other person's answer and its revision (saving again replaces it, as on the page)."""
    def refused(status: int, message: str, errors: dict | None = None, **extra):
        return jsonify(ok=False, message=message, values=typed.as_dict(), errors=errors or {}, **extra), status

    if not form.validate_on_submit():
        return refused(400, "入力内容を確認できませんでした。もう一度保存してください。")
    try:
        result = service.save_answer(db, sheet, item, typed, base_revision=form_revision(form.revision.data),
                                     user=current_user)
    except service.AnswerInvalid as invalid:
        return refused(422, "保存できませんでした。赤字の欄を確認してください。", errors=invalid.errors)
    except service.AnswerConflict as conflict:
        other = conflict.current
        return refused(409, "あなたが画面を開いた後に、他の人がこの項目を保存しました。あなたの入力はそのまま残してあります。"
                            "相手の回答を確認し、必要なら内容を統合してから保存し直してください。", conflict={
            "revision": other["revision"], "value": display_value(item, other["value"], date_text=date_text) or "（未選択）",
            "detail": other["detail"] or "", "plan_action": other["plan_action"] or "",
            "plan_due": other["plan_due"] or "", "plan_owner": other["plan_owner"] or "",
            "updated_at": display(other["updated_at"])})
    except service.SheetLocked as locked:
        return refused(409, str(locked))
    at = now().strftime("%H:%M")
    return jsonify(ok=True, changed=result.changed, revision=result.revision,
                   message=f"保存しました（{at}）" if result.changed else f"変更はありません（{at}）",
                   card=render_card(db, sheet, item), **service.progress(db, sheet, item["section_id"]))


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
        return render_sheet(sheet, status_code=400, kept_notes={item_id: form.note.data or ""}, item=item_id)
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


@bp.route("/approve", methods=["POST"])
@login_required
def approve_many():
    """Approve several submitted sheets from the home page, each ticked inside its own review summary."""
    if not current_user.has_role(roles.MANAGER):
        abort(403)
    if not EmptyForm().validate_on_submit():
        flash("画面の有効期限が切れました。もう一度操作してください。", "error")
        return redirect(url_for("home.index"))
    picks = [_bulk_pick(raw) for raw in request.form.getlist("sheet")]
    if not picks:
        flash("承認する点検票を選んでください（各点検票の概要を開いて、確認した点検票にチェックを付けます）。", "error")
        return redirect(url_for("home.index", _anchor="home-approval"))
    if len(picks) > review.BULK_LIMIT:
        flash(f"一度に承認できるのは {review.BULK_LIMIT} 件までです。", "error")
        return redirect(url_for("home.index", _anchor="home-approval"))
    result = review.approve_many(get_db(), current_user, [p for p in picks if p[0] is not None])
    malformed = sum(1 for p in picks if p[0] is None)
    if result.approved:
        flash(f"{len(result.approved)} 件の点検票を承認しました：{'、'.join(result.approved)}", "success")
    if result.refused or malformed:
        lines = [f"{name}（{why}）" for name, why in result.refused]
        lines += ["指定の正しくない点検票（画面を更新してやり直してください）"] * bool(malformed)
        flash(f"次の {len(result.refused) + malformed} 件は承認されませんでした：{'／'.join(lines)}", "error")
    return redirect(url_for("home.index", _anchor="home-approval"))


def _bulk_pick(raw: str) -> tuple[int | None, int | None]:
    """A ticked box: "<sheet id>:<status revision shown with its summary>"; (None, None) when malformed."""
    sheet_id, _, revision = raw.partition(":")
    parsed = parse_int(sheet_id, 1)
    return (parsed, form_revision(revision)) if parsed is not None else (None, None)


@bp.route("/<id:sheet_id>/export.xlsx")
@login_required
def export_xlsx(sheet_id: int):
    from . import excel

    sheet = service.get_sheet(sheet_id)
    data = excel.export(get_db(), sheet, author=current_app.config["MUNICIPALITY_NAME"])
    return _download(data, sheet, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


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
    return _download(data, sheet, "pdf", "application/pdf")


def _download(data: bytes, sheet: dict, extension: str, mimetype: str):
    """点検票_令和7年度_保健部_健康づくり課_全課共通.pdf: names, not codes (sheet-12.pdf for old clients)."""
    from ..downloads import content_disposition, sheet_file_name

    name = sheet_file_name(sheet, extension)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name, f"sheet-{sheet['id']}.{extension}")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
