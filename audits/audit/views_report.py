"""Screens for the 監査報告書: the prose with proposed sentences, 事実確認, issue, revise and the PDF."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import roles
from ..access import deny, roles_required
from ..activity import service as activity
from ..bounds import InvalidParameter, int_arg
from ..db import get_db
from ..forms import EmptyForm
from ..revisions import form_fingerprint
from . import cover, drafting, editing, forms, values, visits, workflow
from .factcheck import reply_states
from .blueprint import bp, municipality
from .permissions import get_audit, load_audit, may_read_audit, may_read_issued_report, member_department_ids
from .plans import AuditError


def _prose_page(audit, form, status=200, *, options_form=None, issue_form=None, send_form=None):
    db = get_db()
    topic_rows = visits.topics(db, audit["id"])
    texts = {t["id"]: request.form.get(f"topic-{t['id']}", t["result_text"] or "") for t in topic_rows}
    proposals = drafting.proposals(db, audit, municipality())
    other_text = request.form.get("other_text", audit.get("other_text") or "")
    return render_template("audit/report.html", audit=audit, form=form, topics=topic_rows, texts=texts,
                           proposals=proposals, other_text=other_text,
                           show_other=bool(proposals["other"] or (audit.get("other_text") or "").strip()),
                           other_position=len(topic_rows) + 1, content=drafting.report_content(
                               db, audit, municipality()), comments=workflow.comments(db, audit["id"], audit["version"]),
                           reports=workflow.issued_reports(db, audit["id"]), button=EmptyForm(),
                           respond_form=forms.RespondForm(), options_form=options_form or forms.ReportOptionsForm(
                               data={"report_number": audit.get("report_number") or "",
                                     "show_annex": bool(audit["show_annex"]),
                                     "show_findings": bool(audit["show_findings"])}),
                           issue_form=issue_form or forms.IssueForm(),
                           send_form=send_form or forms.SendForm(data={"reply_due": workflow.default_reply_due()}),
                           replies=reply_states(db, audit), cover_form=forms.CoverForm(),
                           cover_settings=cover.CoverSettings.from_config(current_app.config)), status


def _prose_form(audit) -> forms.ProseForm:
    """The prose form as saved (for a page shown again after another form's error)."""
    return forms.ProseForm(data={**audit, "base": editing.fingerprint(editing.prose_values(get_db(), audit["id"]))})


@bp.route("/<id:audit_id>/report", methods=["GET", "POST"])
@roles_required(roles.CHIEF, roles.AUDITOR)
def report(audit_id: int):
    audit = get_audit(audit_id, edit=request.method == "POST")
    db = get_db()
    saved = editing.fingerprint(editing.prose_values(db, audit_id))
    form = forms.ProseForm(data=None if request.method == "POST" else {**audit, "base": saved})
    if request.method == "POST" and form.validate_on_submit():
        topic_texts = {t["id"]: request.form.get(f"topic-{t['id']}", "") for t in visits.topics(db, audit_id)}
        extra = {"other_text": request.form["other_text"]} if "other_text" in request.form else {}
        try:
            drafting.save_prose(db, audit, theme=form.theme.data, selection_reason=form.selection_reason.data,
                                conclusion=form.conclusion.data, closing=form.closing.data, topic_texts=topic_texts,
                                user=current_user, base=form_fingerprint(form.base.data), **extra)
        except editing.EditConflict as conflict:
            # What was typed stays in the form; the preview below shows the saved text.
            flash(f"{conflict} 保存済みの内容は下の報告書の案に表示しています。", "error")
            form.base.data = saved
            return _prose_page(audit, form, 409)
        flash("文案を保存しました。", "success")
        return redirect(url_for("audit.report", audit_id=audit_id))
    return _prose_page(audit, form, 400 if form.errors else 200)


@bp.route("/<id:audit_id>/report/propose", methods=["POST"])
@roles_required(roles.AUDITOR)
def report_propose(audit_id: int):
    audit = get_audit(audit_id, edit=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    filled = drafting.apply_proposals(get_db(), audit, current_user, overwrite=request.form.get("overwrite") == "1",
                                      municipality=municipality())
    flash(f"提案した文案を{filled}か所に反映しました。内容を確認して編集してください。", "success")
    return redirect(url_for("audit.report", audit_id=audit_id))


@bp.route("/<id:audit_id>/send", methods=["POST"])
@roles_required(roles.AUDITOR)
def send(audit_id: int):
    audit = get_audit(audit_id, edit=True)
    form = forms.SendForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _prose_page(audit, _prose_form(audit), 400, send_form=form)
    try:
        workflow.send_for_fact_check(get_db(), audit, current_user, form.reply_due.data)
    except AuditError as error:
        flash(str(error), "error")
    else:
        flash("監査報告書の案を監査対象課に送り、事実確認を依頼しました。", "success")
    return redirect(url_for("audit.report", audit_id=audit_id))


@bp.route("/<id:audit_id>/issue", methods=["POST"])
@roles_required(roles.AUDITOR)
def issue(audit_id: int):
    audit = get_audit(audit_id, edit=True)
    form = forms.IssueForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _prose_page(audit, _prose_form(audit), 400, issue_form=form)
    problem = form.issued_on.data and workflow.issue_date_problem(audit, form.issued_on.data, form.reason.data)
    if problem:
        form.issued_on.errors.append(problem)
        return _prose_page(audit, _prose_form(audit), 400, issue_form=form)
    try:
        workflow.issue(get_db(), audit, current_user, municipality(), issued_on=form.issued_on.data,
                       reason=form.reason.data or "", override_reason=form.override_reason.data or "")
    except AuditError as error:
        flash(str(error), "error")
    else:
        flash("監査報告書を発行しました。発行した版は変更できません。", "success")
    return redirect(url_for("audit.report", audit_id=audit_id))


@bp.route("/<id:audit_id>/report/options", methods=["POST"])
@roles_required(roles.AUDITOR)
def report_options(audit_id: int):
    """報告資料の番号, 別表 and 指摘事項の一覧: what this report prints beside its body."""
    audit = get_audit(audit_id, edit=True)
    form = forms.ReportOptionsForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _prose_page(audit, _prose_form(audit), 400, options_form=form)
    try:
        drafting.save_report_options(get_db(), audit, current_user, report_number=form.report_number.data or "",
                                     show_annex=form.show_annex.data, show_findings=form.show_findings.data)
    except AuditError as error:
        flash(str(error), "error")
    else:
        flash("報告書の印字内容を保存しました。", "success")
    return redirect(url_for("audit.report", audit_id=audit_id))


@bp.route("/<id:audit_id>/revise", methods=["POST"])
@roles_required(roles.AUDITOR)
def revise(audit_id: int):
    db = get_db()
    audit = get_audit(audit_id)
    if current_user.id not in {m["id"] for m in visits.team(db, audit_id)} or not EmptyForm().validate_on_submit():
        deny(f"監査（番号 {audit_id}）を変更する権限がありません", audit["department_code"])
    try:
        workflow.revise(db, audit, current_user)
    except AuditError as error:
        flash(str(error), "error")
    else:
        flash("改訂版の作成を始めました。発行済みの版はそのまま残ります。", "success")
    return redirect(url_for("audit.report", audit_id=audit_id))


@bp.route("/<id:audit_id>/factcheck", methods=["GET", "POST"])
@roles_required(roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)
def factcheck(audit_id: int):
    """The audited 課 reads the draft and comments (manager/staff of the 課 only may comment)."""
    audit = get_audit(audit_id)
    db = get_db()
    form = forms.CommentForm()
    own = member_department_ids(current_user, audit)
    organisation = current_user.has_role(roles.CHIEF, roles.AUDITOR)
    if request.method == "POST":
        if not own:
            deny(f"監査（番号 {audit_id}）に意見を出せるのは監査対象課だけです", audit["department_code"])
        department_id = request.form.get("department_id", type=int) or own[0]
        if department_id not in own:
            deny(f"監査（番号 {audit_id}）：他の課として意見を出すことはできません", audit["department_code"])
        if form.validate_on_submit():
            try:
                workflow.add_comment(db, audit, form.body.data, current_user, department_id)
            except AuditError as error:
                form.body.errors.append(str(error))
            else:
                flash("意見を送りました。監査責任者が回答します。", "success")
                return redirect(url_for("audit.factcheck", audit_id=audit_id))
    shown = None if organisation else own
    return render_template("audit/factcheck.html", audit=audit, form=form, button=EmptyForm(),
                           replies=reply_states(db, audit, shown),
                           content=drafting.report_content(db, audit, municipality(), department_ids=shown),
                           comments=workflow.comments(db, audit_id, department_ids=shown),
                           own_departments=[d for d in audit["departments"] if d["department_id"] in own],
                           may_comment=bool(own) and audit["status"] == values.FACT_CHECK), 400 if form.errors else 200


@bp.route("/<id:audit_id>/factcheck/confirm", methods=["POST"])
@roles_required(roles.MANAGER, roles.STAFF)
def factcheck_confirm(audit_id: int):
    """The audited 課 answers 「確認しました（意見なし）」 on the draft as it reads it now."""
    audit = get_audit(audit_id)
    own = member_department_ids(current_user, audit)
    department_id = request.form.get("department_id", type=int) or (own[0] if own else None)
    if department_id not in own:
        deny(f"監査（番号 {audit_id}）：他の課の事実確認には回答できません", audit["department_code"])
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        workflow.confirm_no_comment(get_db(), audit, current_user, department_id)
    except AuditError as error:
        flash(str(error), "error")
    else:
        flash("「確認しました（意見なし）」と回答しました。", "success")
    return redirect(url_for("audit.factcheck", audit_id=audit_id))


@bp.route("/<id:audit_id>/comments/<id:comment_id>/respond", methods=["POST"])
@roles_required(roles.AUDITOR)
def respond(audit_id: int, comment_id: int):
    audit = get_audit(audit_id, edit=True)
    form = forms.RespondForm()
    if form.validate_on_submit():
        try:
            workflow.respond(get_db(), audit, comment_id, form.response.data, current_user)
        except AuditError as error:
            flash(str(error), "error")
        else:
            flash("意見に回答しました。", "success")
    else:
        flash("回答を入力してください。", "error")
    return redirect(url_for("audit.report", audit_id=audit_id) + "#comments")


def _readable_report(audit_id: int) -> tuple[dict, bool, list[int] | None]:
    """The rule for the report's PDF and its cover: the issued report (latest or ?version=N) for every 課; the
    draft (?draft=1, or a report not issued yet) only for who reads the audit. Returns (audit, draft, the 課
    whose part of a draft the user reads: None for all)."""
    audit = load_audit(get_db(), audit_id)
    if audit is None:
        abort(404)
    wants_draft = request.args.get("draft") == "1" or not audit["issued_at"]
    if wants_draft and not may_read_audit(current_user, audit):
        deny(f"監査（番号 {audit_id}）の報告書の案を閲覧する権限がありません", audit["department_code"])
    if not wants_draft and not may_read_issued_report(current_user):
        deny(f"監査（番号 {audit_id}）の報告書を閲覧する権限がありません", audit["department_code"])
    shown = None if current_user.has_role(roles.CHIEF, roles.AUDITOR) else member_department_ids(current_user, audit)
    return audit, wants_draft, shown if wants_draft else None


def _pdf_response(pdf: bytes, name: str, fallback: str) -> Response:
    from ..downloads import content_disposition

    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(name, fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<id:audit_id>/report.pdf")
@roles_required(roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)
def report_pdf(audit_id: int):
    """The 監査報告書 as _readable_report allows it."""
    db = get_db()
    audit, wants_draft, shown = _readable_report(audit_id)
    version = int_arg("version", "版")
    try:
        pdf, name = workflow.report_pdf_bytes(db, audit, municipality(), version=version, draft=wants_draft,
                                              department_ids=shown)
    except AuditError:
        abort(404)
    activity.record(db, "audit.report_export", department_code=audit["department_code"], object_type="audit",
                    object_id=audit_id, detail={"draft": wants_draft, "version": version})
    return _pdf_response(pdf, name, f"audit-{audit_id}.pdf")


@bp.route("/<id:audit_id>/cover.pdf")
@roles_required(roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)
def cover_pdf(audit_id: int):
    """The cover 報告 (報告資料No.6-1) of the same report, read as the report is (_readable_report); the
    number line and 報告第N号 come from the query (a GET form: nothing is stored)."""
    db = get_db()
    audit, wants_draft, shown = _readable_report(audit_id)
    version = int_arg("version", "版")
    form = forms.CoverForm(request.args)
    if not form.validate():
        raise InvalidParameter(" ".join(e for errors in form.errors.values() for e in errors))
    try:
        content = cover.cover_content(db, audit, municipality(), cover.CoverSettings.from_config(current_app.config),
                                      version=version, draft=wants_draft, material=form.material.data or "",
                                      number=form.number_value(), department_ids=shown)
    except AuditError:
        abort(404)
    activity.record(db, "audit.report_export", department_code=audit["department_code"], object_type="audit",
                    object_id=audit_id, detail={"cover": True, "draft": content["draft"], "version": version})
    return _pdf_response(cover.render(content), cover.file_name(audit, content), f"audit-{audit_id}-cover.pdf")
