"""Screens for findings (指摘事項) and corrective actions (改善措置): record, answer, accept or return."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from checklists.sources import sources_text

from .. import duties, roles
from ..access import roles_required
from ..bounds import int_arg
from ..db import get_db
from ..departments.service import department_code
from ..evidence import service as evidence
from ..evidence.storage import EvidenceRejected
from ..forms import EmptyForm, choice_list
from ..paging import page_arg
from ..revisions import form_fingerprint, form_revision
from . import editing, findings, forms, values, visits, workflow
from .blueprint import DEPARTMENT_NAMES, awaiting_review, bp
from .permissions import get_action, get_audit, get_finding, is_action_department_member
from .plans import AuditError

EVERYONE = (roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)


def _finding_form(db, audit, data=None) -> forms.FindingForm:
    form = forms.FindingForm(data=data)
    form.department_id.choices = choice_list([("", "（選んでください）")] * audit["multi"] + [
        (d["department_id"], d["name"]) for d in audit["departments"]])
    form.topic_id.choices = choice_list([("", "（監査項目に属さない）")] + [
        (t["id"], f"{t['position']}. {t['title']}") for t in visits.topics(db, audit["id"])])
    form.check_id.choices = choice_list([("", "（特定の点検項目に属さない）")] + [
        (c["id"], f"{c['department_name'] + ' ' if audit['multi'] else ''}{c['item_id']}"
                   f"（{values.RESULT_LABELS[c['result']]}）")
        for c in visits.checks(db, audit)])
    return form


def _date_or_none(value) -> str | None:
    return value.isoformat() if value else None


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.route("/<id:audit_id>/findings/new", methods=["GET", "POST"])
@roles_required(roles.AUDITOR)
def finding_new(audit_id: int):
    audit = get_audit(audit_id, edit=True)
    db = get_db()
    check_id = int_arg("check", "確認項目")
    initial = None
    if request.method == "GET" and check_id:
        row = next((c for c in visits.checks(db, audit) if c["id"] == check_id), None)
        if row:
            initial = {"check_id": str(check_id), "department_id": str(row["department_id"]),
                       "topic_id": str(row["topic_id"] or ""), "title": row["note"] or "",
                       "clause": sources_text(row["sources"]), "severity": row["severity"] if row["severity"] in
                       values.SEVERITIES else values.MEDIUM, "request_kind": values.REQUEST_IMPROVEMENT}
    form = _finding_form(db, audit, initial)
    if form.validate_on_submit():
        try:
            findings.create_finding(db, audit, form.data, due_date=_date_or_none(form.due_date.data), user=current_user,
                                    check_id=_int_or_none(form.check_id.data),
                                    topic_id=_int_or_none(form.topic_id.data),
                                    department_id=_int_or_none(form.department_id.data))
        except AuditError as error:
            (form.department_id if "課" in str(error) else form.title).errors.append(str(error))
        else:
            flash("指摘事項を登録しました。" + ("改善措置が課に設定されます。" if form.request_kind.data ==
                                               values.REQUEST_IMPROVEMENT else ""), "success")
            return redirect(url_for("audit.detail", audit_id=audit_id) + "#findings")
    return render_template("audit/finding_form.html", audit=audit, form=form, finding=None), \
        400 if form.errors else 200


@bp.route("/findings/<id:finding_id>/edit", methods=["GET", "POST"])
@roles_required(roles.AUDITOR)
def finding_edit(finding_id: int):
    finding, audit = get_finding(finding_id, edit=True)
    db = get_db()
    action = next(db.query("SELECT * FROM corrective_actions WHERE finding_id = ?", [finding_id]), None)
    data = None
    if request.method == "GET":
        from datetime import date

        data = {**finding, "topic_id": str(finding["topic_id"] or ""), "check_id": str(finding["check_id"] or ""),
                "department_id": str(finding["department_id"]),
                "due_date": date.fromisoformat(action["due_date"]) if action else None}
    saved = editing.fingerprint(editing.finding_values(db, finding_id))
    if data is not None:
        data["base"] = saved
    form = _finding_form(db, audit, data)
    if form.validate_on_submit():
        try:
            findings.update_finding(db, audit, finding_id, form.data, due_date=_date_or_none(form.due_date.data),
                                    user=current_user, topic_id=_int_or_none(form.topic_id.data),
                                    base=form_fingerprint(form.base.data))
        except editing.EditConflict as conflict:
            flash(f"{conflict} 保存済みの内容はページの上に表示しています。", "error")
            form.base.data = saved
            return render_template("audit/finding_form.html", audit=audit, form=form, finding=finding,
                                   saved={**finding, "due_date": action["due_date"] if action else ""}), 409
        except AuditError as error:
            form.title.errors.append(str(error))
        else:
            flash("指摘事項を保存しました。", "success")
            return redirect(url_for("audit.detail", audit_id=audit["id"]) + "#findings")
    return render_template("audit/finding_form.html", audit=audit, form=form, finding=finding), \
        400 if form.errors else 200


@bp.route("/findings/<id:finding_id>/withdraw", methods=["POST"])
@roles_required(roles.AUDITOR)
def finding_withdraw(finding_id: int):
    finding, audit = get_finding(finding_id, edit=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        findings.withdraw_finding(get_db(), audit, finding_id, current_user)
    except AuditError as error:
        flash(str(error), "error")
    else:
        flash("指摘事項を取り下げました。", "success")
    return redirect(url_for("audit.detail", audit_id=audit["id"]) + "#findings")


@bp.route("/actions/<id:action_id>")
@roles_required(*EVERYONE)
def action(action_id: int):
    row, finding, audit = get_action(action_id)
    return _action_page(row, finding, audit, *_stored_forms(row))


def _stored_forms(row) -> tuple[forms.ActionSubmitForm, forms.ReviewForm]:
    """The answer and review forms as the stored action fills them."""
    return (forms.ActionSubmitForm(data={"response": row["response"], "revision": row["revision"]}),
            forms.ReviewForm(data={"revision": row["revision"]}))


def _action_page(row, finding, audit, submit_form, review_form, status: int = 200, *, unsent: str = "",
                 unsent_form: str = "", evidence_form: forms.EvidenceForm | None = None):
    """The corrective action with its history. The forms keep what was typed when a save was refused; when the
    action's state no longer offers that form ('answer' or 'review'), the typed text is shown as `unsent`."""
    db = get_db()
    may_answer = is_action_department_member(current_user, row) and row["status"] != values.ACTION_CLOSED
    reviewer = current_user.has_role(duties.action_reviewer_role(row))
    review_refused = (duties.action_review_problem(db, current_user.id, row, audit)
                      if reviewer and row["status"] == values.ACTION_SUBMITTED else None)
    may_review = reviewer and row["status"] == values.ACTION_SUBMITTED and review_refused is None
    return render_template(
        "audit/action.html", action=row, finding=finding, audit=audit, events=findings.events(db, row["id"]),
        files=evidence.for_owners(db, "action", [row["id"]], include_removed=False)[row["id"]],
        may_answer=may_answer, may_review=may_review, review_refused=review_refused, submit_form=submit_form,
        review_form=review_form,
        evidence_form=evidence_form or forms.EvidenceForm(prefix="ev"),
        unsent="" if {"answer": may_answer, "review": may_review}.get(unsent_form, True) else unsent), status


def _department_member_or_deny(action):
    from ..access import deny

    if not is_action_department_member(current_user, action):
        deny("他の課の改善措置です（閲覧・回答の権限がありません）", department_code(get_db(), action["department_id"]))


@bp.route("/actions/<id:action_id>/submit", methods=["POST"])
@roles_required(roles.MANAGER, roles.STAFF)
def action_submit(action_id: int):
    row, finding, audit = get_action(action_id)
    _department_member_or_deny(row)
    form = forms.ActionSubmitForm()
    status = 400
    if form.validate_on_submit():
        try:
            findings.submit(get_db(), row, audit, form.response.data, current_user,
                            revision=form_revision(form.revision.data))
        except findings.ActionConflict as conflict:
            flash(str(conflict), "error")
            row, finding, audit = get_action(action_id)          # show what is stored now
            form.revision.data = row["revision"]
            status = 409
        except AuditError as error:
            form.response.errors.append(str(error))
        else:
            flash("改善の状況を報告しました。監査責任者の確認を待ってください。", "success")
            return redirect(url_for("audit.action", action_id=action_id))
    return _action_page(row, finding, audit, form, forms.ReviewForm(data={"revision": row["revision"]}), status,
                        unsent=form.response.data or "", unsent_form="answer")


@bp.route("/actions/<id:action_id>/review", methods=["POST"])
@roles_required(roles.AUDITOR, roles.CHIEF)  # which of them may review this action: duties.action_review_problem
def action_review(action_id: int):
    row, finding, audit = get_action(action_id)
    form = forms.ReviewForm()
    submit_form = forms.ActionSubmitForm(formdata=None, data={"response": row["response"], "revision": row["revision"]})
    if not form.validate_on_submit():
        return _action_page(row, finding, audit, submit_form, form, 400)
    db = get_db()
    try:
        if request.form.get("decision") == "accept":
            findings.accept(db, row, audit, form.comment.data, current_user,
                            revision=form_revision(form.revision.data))
            flash("改善を確認し、完了にしました。", "success")
        else:
            findings.return_for_more(db, row, audit, form.comment.data, current_user,
                                     due_date=form.due_date.data.isoformat() if form.due_date.data else "",
                                     revision=form_revision(form.revision.data))
            flash("追加の対応を依頼しました。", "success")
    except AuditError as error:
        # What was typed stays in the form, shown with the action as stored now.
        flash(str(error), "error")
        row, finding, audit = get_action(action_id)
        form.revision.data = row["revision"]
        status = 409 if isinstance(error, findings.ActionConflict) else 403 if isinstance(
            error, findings.ReviewRefused) else 400
        return _action_page(row, finding, audit, submit_form, form, status, unsent=form.comment.data or "",
                            unsent_form="review")
    return redirect(url_for("audit.action", action_id=action_id))


@bp.route("/actions/<id:action_id>/evidence", methods=["POST"])
@roles_required(roles.MANAGER, roles.STAFF)
def action_evidence(action_id: int):
    row, finding, audit = get_action(action_id)
    _department_member_or_deny(row)
    form = forms.EvidenceForm(prefix="ev")
    if row["status"] == values.ACTION_CLOSED:
        flash("完了した改善措置には添付できません。", "error")
        return redirect(url_for("audit.action", action_id=action_id))
    if form.validate_on_submit():
        try:
            evidence.attach(get_db(), form.file.data, owner="action", owner_id=action_id,
                            department_id=row["department_id"], user=current_user, note=form.note.data,
                            department_code=department_code(get_db(), row["department_id"]))
        except EvidenceRejected as error:
            flash(f"「{form.file.data.filename}」を添付できませんでした。{error}", "error")
        else:
            flash("証跡を添付しました。", "success")
            return redirect(url_for("audit.action", action_id=action_id))
    else:
        flash("ファイルを選んでください。", "error")
    # Refused: the page is shown again at once (not redirected) so that the note typed with the file is kept.
    return _action_page(row, finding, audit, *_stored_forms(row), 400, evidence_form=form)


@bp.route("/actions")
@roles_required(roles.CHIEF, roles.AUDITOR)
def actions():
    """Every corrective action (open first, overdue on top), 50 a page; ?open=1 for open ones, ?overdue=1 for
    overdue ones, ?review=1 for those reported by the 課 and awaiting this user's review (as counted on the home
    page)."""
    shown = "overdue" if request.args.get("overdue") == "1" else "review" if request.args.get("review") == "1" \
        else "open" if request.args.get("open") == "1" else ""
    rows = findings.action_list(get_db(), overdue_only=shown == "overdue", open_only=shown in ("open", "review"))
    if shown == "review":
        rows = awaiting_review(rows, current_user)
    page = page_arg(len(rows))
    return render_template("audit/actions.html", rows=page.of(rows), page=page, shown=shown)


@bp.route("/department")
@roles_required(roles.MANAGER, roles.STAFF)
def department_findings():
    """監査・指摘事項 of the user's own 課: audits sent for 事実確認 or issued, findings and their actions."""
    db = get_db()
    ids = sorted(current_user.department_ids) or [-1]
    marks = ",".join("?" * len(ids))
    audits = list(db.query(
        f"""SELECT a.*, {DEPARTMENT_NAMES} AS department_name
            FROM audits a WHERE a.fact_check_sent_at IS NOT NULL AND a.id IN (
                SELECT audit_id FROM audit_departments WHERE department_id IN ({marks}))
            ORDER BY a.fiscal_year DESC, a.id DESC""", ids))
    rows = findings.action_list(db, department_ids=current_user.department_ids)
    shared = list(db.query(
        f"""SELECT a.id, a.fiscal_year, a.issued_at, {DEPARTMENT_NAMES} AS department_name FROM audits a
            WHERE a.issued_at IS NOT NULL ORDER BY a.fiscal_year DESC, a.issued_at DESC"""))
    return render_template("audit/department.html", audits=audits, rows=rows, shared=shared,
                           status_labels=values.AUDIT_STATUS_LABELS, workflow=workflow)
