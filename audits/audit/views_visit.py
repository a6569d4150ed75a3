"""Screens for the visit: the audit overview, the record (日時・場所・手法), 監査項目, per-item checks, notes,
evidence taken on site."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import roles
from ..access import deny, roles_required
from ..bounds import int_arg
from ..db import get_db
from ..departments import service as departments_service
from ..evidence import service as evidence
from ..evidence.storage import EvidenceRejected
from ..forms import EmptyForm, choice_list
from ..revisions import form_fingerprint, form_revision
from ..timeutil import JST, parse_iso
from . import drafting, editing, findings, forms, plans, values, visits, workflow
from .blueprint import bp
from .permissions import get_audit, is_department_member, load_audit
from .plans import AuditError


def _local(value: str | None):
    return parse_iso(value).astimezone(JST).replace(tzinfo=None) if value else None


def _iso(value: datetime | None) -> str:
    return value.replace(tzinfo=JST).isoformat(timespec="seconds") if value else ""


@bp.route("/<id:audit_id>")
@roles_required(roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)
def detail(audit_id: int, evidence_form: forms.EvidenceForm | None = None):
    audit = visits.decoded(get_audit(audit_id))
    db = get_db()
    shown = audit["visible_department_ids"]
    department_form = forms.AuditDepartmentForm(prefix="dept")
    department_form.department_id.choices = _department_choices(db, exclude=audit["department_ids"])
    files = [f for f in evidence.for_owners(db, "audit", [audit_id], include_removed=False)[audit_id]
             if f["department_id"] in shown]
    return render_template(
        "audit/detail.html", audit=audit, team=visits.team(db, audit_id), topics=visits.topics(db, audit_id),
        departments=[d for d in audit["departments"] if d["department_id"] in shown],
        counts=visits.result_counts(db, audit_id, shown),
        findings=findings.findings(db, audit_id, department_ids=shown),
        reports=workflow.issued_reports(db, audit_id), comments=workflow.comments(db, audit_id, department_ids=shown),
        evidence=files, department_view=is_department_member(current_user, audit)
        and not current_user.reads_every_department, department_form=department_form,
        incidents=drafting.incident_annexes(db, audit, shown),
        topic_form=forms.TopicForm(prefix="topic"), evidence_form=evidence_form or forms.EvidenceForm(prefix="ev"),
        button=EmptyForm(), methods_text=values.methods_text(audit["methods_list"]), conflict=int_arg("conflict", "課"),
        notes_base={d["department_id"]: editing.fingerprint(editing.notes_values(db, audit_id, d["department_id"]))
                    for d in audit["departments"] if d["department_id"] in shown})


def _department_choices(db, exclude=()) -> list:
    return choice_list((d["id"], f"{d['name']}（{d['bureau_name']}）")
                       for d in departments_service.list_departments(db, include_inactive=False)
                       if d["id"] not in set(exclude))


@bp.route("/<id:audit_id>/departments", methods=["POST"])
@roles_required(roles.AUDITOR)
def department_add(audit_id: int):
    """Add a 課 to the audit while in the field (independence checked against the team)."""
    audit = get_audit(audit_id, edit=True)
    db = get_db()
    form = forms.AuditDepartmentForm(prefix="dept")
    form.department_id.choices = _department_choices(db, exclude=audit["department_ids"])
    if not form.validate_on_submit():
        flash("追加する課を選んでください。", "error")
    else:
        try:
            visits.add_department(db, audit, form.department_id.data, current_user)
        except AuditError as error:
            flash(str(error), "error")
        else:
            flash("監査対象課を追加しました。", "success")
    return redirect(url_for("audit.detail", audit_id=audit_id) + "#departments")


@bp.route("/<id:audit_id>/departments/<id:department_id>/remove", methods=["POST"])
@roles_required(roles.AUDITOR)
def department_remove(audit_id: int, department_id: int):
    audit = get_audit(audit_id, edit=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        visits.remove_department(get_db(), audit, department_id, current_user)
    except AuditError as error:
        flash(str(error), "error")
    else:
        flash("監査対象課から外しました。", "success")
    return redirect(url_for("audit.detail", audit_id=audit_id) + "#departments")


@bp.route("/<id:audit_id>/record", methods=["GET", "POST"])
@roles_required(roles.AUDITOR)
def record(audit_id: int):
    audit = visits.decoded(get_audit(audit_id, edit=True))
    db = get_db()
    saved = editing.fingerprint(editing.record_values(db, audit_id))
    form = forms.RecordForm(data=None if request.method == "POST" else {
        "started_at": _local(audit["started_at"]), "ended_at": _local(audit["ended_at"]),
        "places": "\n".join(audit["places_list"]), "methods": audit["methods_list"], "attendees": audit["attendees"],
        "base": saved})
    team_form = forms.TeamForm(prefix="team", data=None if request.method == "POST" else {
        "auditors": [m["id"] for m in visits.team(db, audit_id)],
        "lead_id": next((m["id"] for m in visits.team(db, audit_id) if m["lead"]), None)})
    people = plans.auditors(db)
    team_form.auditors.choices = choice_list((p["id"], f"{p['display_name']}（{p['departments'] or '所属なし'}）")
                                             for p in people)
    team_form.lead_id.choices = choice_list((p["id"], p["display_name"]) for p in people)
    part = request.form.get("part", "")
    department_forms = {} if not audit["multi"] else {
        d["department_id"]: _department_record_form(d, request.form if part == f"department-{d['department_id']}"
                                                    else None) for d in audit["departments"]}
    if part.startswith("department-"):
        department_id = int(part[11:]) if part[11:].isdigit() else 0
        department_form = department_forms.get(department_id)
        if department_form is None:
            abort(404)
        if department_form.validate_on_submit():
            try:
                visits.update_department_record(
                    db, audit, department_id, started_at=_iso(department_form.started_at.data),
                    ended_at=_iso(department_form.ended_at.data),
                    places=(department_form.places.data or "").splitlines(), user=current_user,
                    base=form_fingerprint(department_form.base.data))
            except editing.EditConflict as conflict:
                department_form.base.data = editing.fingerprint(
                    editing.department_record_values(db, audit_id, department_id))
                return _record_conflict(audit, form, team_form, department_forms, conflict)
            except AuditError as error:
                department_form.ended_at.errors.append(str(error))
            else:
                flash("課ごとの日時・場所を保存しました。", "success")
                return redirect(url_for("audit.record", audit_id=audit_id))
    elif part == "team":
        if team_form.validate_on_submit():
            lead = team_form.lead_id.data if team_form.lead_id.data in team_form.auditors.data \
                else team_form.auditors.data[0]
            try:
                visits.set_team(db, audit, team_form.auditors.data, lead)
            except AuditError as error:
                team_form.auditors.errors.append(str(error))
            else:
                flash("監査員を変更しました。", "success")
                return redirect(url_for("audit.record", audit_id=audit_id))
    elif form.validate_on_submit():
        try:
            visits.update_record(db, audit, fields={"started_at": _iso(form.started_at.data),
                                                    "ended_at": _iso(form.ended_at.data),
                                                    "attendees": form.attendees.data},
                                 places=(form.places.data or "").splitlines(), methods=form.methods.data or [],
                                 user=current_user, base=form_fingerprint(form.base.data))
        except editing.EditConflict as conflict:
            form.base.data = saved
            return _record_conflict(audit, form, team_form, department_forms, conflict)
        except AuditError as error:
            form.ended_at.errors.append(str(error))
        else:
            flash("監査の記録を保存しました。", "success")
            return redirect(url_for("audit.detail", audit_id=audit_id))
    failed = form.errors or team_form.errors or any(f.errors for f in department_forms.values())
    status = 400 if failed and request.method == "POST" else 200
    return render_template("audit/record.html", audit=audit, form=form, team_form=team_form,
                           department_forms=department_forms), status


def _record_conflict(audit: dict, form, team_form, department_forms, conflict):
    """Someone saved the record meanwhile: keep what was typed, show what is saved (the page's `saved`)."""
    flash(f"{conflict} 保存済みの内容はページの上に表示しています。", "error")
    saved = visits.decoded(load_audit(get_db(), audit["id"]))
    return render_template("audit/record.html", audit=audit, form=form, team_form=team_form,
                           department_forms=department_forms, saved=saved), 409


def _department_record_form(department: dict, formdata) -> forms.DepartmentRecordForm:
    base = editing.fingerprint(editing.department_record_values(get_db(), department["audit_id"],
                                                                department["department_id"]))
    # As with the checks: a posted form never takes its base from the stored row.
    return forms.DepartmentRecordForm(formdata=formdata, prefix=f"d{department['department_id']}",
                                      data=None if formdata is not None else {
        "started_at": _local(department["started_at"]), "ended_at": _local(department["ended_at"]),
        "places": "\n".join(department["places_list"] or []), "base": base})


@bp.route("/<id:audit_id>/topics", methods=["POST"])
@roles_required(roles.AUDITOR)
def topic_add(audit_id: int):
    audit = get_audit(audit_id, edit=True)
    form = forms.TopicForm(prefix="topic")
    if form.validate_on_submit():
        visits.add_topic(get_db(), audit, form.title.data)
        flash("監査項目を追加しました。", "success")
    else:
        flash("監査項目を入力してください。", "error")
    return redirect(url_for("audit.detail", audit_id=audit_id) + "#topics")


@bp.route("/<id:audit_id>/topics/<id:topic_id>", methods=["POST"])
@roles_required(roles.AUDITOR)
def topic_update(audit_id: int, topic_id: int):
    audit = get_audit(audit_id, edit=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_db()
    if request.form.get("delete"):
        visits.delete_topic(db, audit, topic_id)
        flash("監査項目を削除しました。", "success")
    else:
        try:
            visits.update_topic(db, audit, topic_id, request.form.get("title", ""))
        except AuditError as error:
            flash(str(error), "error")
        else:
            flash("監査項目を保存しました。", "success")
    return redirect(url_for("audit.detail", audit_id=audit_id) + "#topics")


@bp.route("/<id:audit_id>/notes", methods=["POST"])
@roles_required(roles.AUDITOR)
def notes(audit_id: int):
    audit = get_audit(audit_id, edit=True)
    form = forms.NotesForm()
    department_id = request.form.get("department_id", type=int) or audit["department_ids"][0]
    if department_id not in audit["department_ids"]:
        abort(404)
    if form.validate_on_submit():
        try:
            visits.save_notes(get_db(), audit, form.interview_notes.data, current_user, department_id,
                              base=form_fingerprint(form.base.data))
        except editing.EditConflict as conflict:
            # The text typed stays in this device's draft (audit_autosave.js) and comes back on the page,
            # which shows the saved record beside it.
            flash(f"{conflict} 保存済みの記録は入力欄の上に表示しています。", "error")
            return redirect(url_for("audit.detail", audit_id=audit_id, conflict=department_id) + "#notes")
        flash("聴き取り調査の記録を保存しました。", "success")
    else:
        flash("記録が長すぎます。", "error")
    return redirect(url_for("audit.detail", audit_id=audit_id) + "#notes")


@bp.route("/<id:audit_id>/items", methods=["GET", "POST"])
@roles_required(roles.AUDITOR)
def items(audit_id: int):
    audit = get_audit(audit_id, edit=True)
    db = get_db()
    topic_rows = visits.topics(db, audit_id)
    department = _chosen_department(audit)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        picked = [int(v) for v in request.form.getlist("item_pk") if v.isdigit()]
        topic = request.form.get("topic_id", "")
        topic_id = int(topic) if topic.isdigit() and int(topic) in {t["id"] for t in topic_rows} else None
        added = visits.add_checks(db, audit, picked, topic_id, current_user, department["department_id"])
        flash(f"{department['name']}の{added}項目を確認の対象に加えました。", "success")
        return redirect(url_for("audit.checks", audit_id=audit_id, department=department["department_id"]))
    return render_template("audit/items.html", audit=audit, department=department,
                           items=visits.candidate_items(db, audit, department["department_id"]),
                           topics=topic_rows, form=EmptyForm())


def _chosen_department(audit: dict) -> dict:
    """The 課 chosen with ?department=ID among those the user may see (default: the first visible one):
    404 for a 課 the audit does not cover, 403 (logged) for another audited 課 than the user's own."""
    visible = audit.get("visible_department_ids", audit["department_ids"])
    wanted = int_arg("department", "課") or (visible[0] if visible else None)
    found = next((d for d in audit["departments"] if d["department_id"] == wanted), None)
    if found is None:
        abort(404)
    if wanted not in visible:
        deny(f"監査（番号 {audit['id']}）：他の課の確認結果は閲覧できません", found["code"])
    return found


def _check_form(check: dict, topic_rows: list[dict], formdata=None) -> forms.CheckForm:
    # A posted form holds only what was posted: a revision left out must not be filled in from the stored row.
    form = forms.CheckForm(formdata=formdata, prefix=f"c{check['id']}", data=None if formdata is not None else {
        "result": check["result"], "note": check["note"], "topic_id": str(check["topic_id"] or ""),
        "revision": str(check["revision"])})
    form.topic_id.choices = choice_list([("", "（未分類）")] + [(t["id"], f"{t['position']}. {t['title']}")
                                                            for t in topic_rows])
    return form


@bp.route("/<id:audit_id>/checks", methods=["GET"])
@roles_required(roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)
def checks(audit_id: int, failed: tuple[int, forms.CheckForm] | None = None, department_id: int | None = None,
           kept_evidence_note: tuple[int, str] | None = None):
    """The visit screen (tablet): one audited 課 at a time (tabs switch between the 課 the user may see),
    each item's self-check answer beside the auditor's 確認結果."""
    audit = get_audit(audit_id)
    db = get_db()
    department = _chosen_department(audit) if department_id is None else \
        next(d for d in audit["departments"] if d["department_id"] == department_id)
    rows = visits.checks(db, audit, [department["department_id"]])
    topic_rows = visits.topics(db, audit_id)
    check_forms = {r["id"]: _check_form(r, topic_rows) for r in rows}
    if failed:
        check_forms[failed[0]] = failed[1]
    answer_ids = [r["answer_id"] for r in rows if r["answer_id"]]
    return render_template(
        "audit/checks.html", audit=audit, checks=rows, check_forms=check_forms, department=department,
        departments=[d for d in audit["departments"] if d["department_id"] in audit["visible_department_ids"]],
        answer_evidence=evidence.for_owners(db, "answer", answer_ids, include_removed=False),
        check_evidence=evidence.for_owners(db, "audit_item", [r["id"] for r in rows], include_removed=False),
        evidence_form=forms.EvidenceForm(prefix="ev"), button=EmptyForm(),
        finding_counts={r["check_id"]: 1 for r in findings.findings(db, audit_id) if r["check_id"]},
        kept_evidence_notes=dict([kept_evidence_note]) if kept_evidence_note else {},
    ), 400 if failed or kept_evidence_note else 200


@bp.route("/<id:audit_id>/checks/<id:check_id>", methods=["POST"])
@roles_required(roles.AUDITOR)
def check_save(audit_id: int, check_id: int):
    audit = get_audit(audit_id, edit=True)
    db = get_db()
    row = next((r for r in visits.checks(db, audit) if r["id"] == check_id), None)
    if row is None:
        abort(404)
    topic_rows = visits.topics(db, audit_id)
    form = _check_form(row, topic_rows, formdata=request.form)
    if request.form.get("remove"):
        try:
            visits.remove_check(db, audit, check_id)
        except AuditError as error:
            flash(str(error), "error")
        return redirect(url_for("audit.checks", audit_id=audit_id, department=row["department_id"]))
    if form.validate_on_submit():
        topic = form.topic_id.data
        try:
            visits.save_check(db, audit, check_id, result=form.result.data, note=form.note.data,
                              topic_id=int(topic) if topic and topic.isdigit() else None,
                              revision=form_revision(form.revision.data),
                              user=current_user)
        except AuditError as error:
            form.note.errors.append(str(error))
        else:
            flash(f"{row['department_name']} {row['item_id']} の確認結果を保存しました。", "success")
            return redirect(url_for("audit.checks", audit_id=audit_id, department=row["department_id"])
                            + f"#check-{check_id}")
    return checks(audit_id, failed=(check_id, form), department_id=row["department_id"])


@bp.route("/<id:audit_id>/evidence", methods=["POST"])
@roles_required(roles.AUDITOR)
def evidence_upload(audit_id: int):
    """A photo or file taken on site: for the whole audit, or for one check (?check=ID)."""
    audit = get_audit(audit_id, edit=True)
    db = get_db()
    check_id = int_arg("check", "確認項目")
    if check_id:
        found = db.execute("SELECT department_id FROM audit_checks WHERE id = ? AND audit_id = ?",
                           [check_id, audit_id]).fetchone()
        if not found:
            abort(404)
        department_id = found[0]
    else:
        department_id = request.form.get("department_id", type=int) or audit["department_ids"][0]
        if department_id not in audit["department_ids"]:
            abort(404)
    department_code = next(d["code"] for d in audit["departments"] if d["department_id"] == department_id)
    form = forms.EvidenceForm(prefix="ev")
    back = url_for("audit.checks", audit_id=audit_id, department=department_id) + f"#check-{check_id}" if check_id \
        else url_for("audit.detail", audit_id=audit_id) + "#evidence"
    if form.validate_on_submit():
        try:
            evidence.attach(db, form.file.data, owner="audit_item" if check_id else "audit",
                            owner_id=check_id or audit_id, department_id=department_id, user=current_user,
                            note=form.note.data, department_code=department_code)
        except EvidenceRejected as error:
            flash(f"「{form.file.data.filename}」を添付できませんでした。{error}", "error")
        else:
            flash("証跡を添付しました。", "success")
            return redirect(back)
    else:
        flash("ファイルを選んでください。", "error")
    # Refused: the page is shown again at once (not redirected) so that the note typed with the file is kept.
    if check_id:
        return checks(audit_id, department_id=department_id, kept_evidence_note=(check_id, form.note.data or ""))
    return detail(audit_id, evidence_form=form), 400


@bp.route("/<id:audit_id>/evidence/<id:evidence_id>/remove", methods=["POST"])
@roles_required(roles.AUDITOR)
def evidence_remove(audit_id: int, evidence_id: int):
    audit = get_audit(audit_id, edit=True)
    db = get_db()
    row = evidence.load(db, evidence_id)
    owned = row and (row["owner"] == "audit" and row["owner_id"] == audit_id or row["owner"] == "audit_item"
                     and db.execute("SELECT 1 FROM audit_checks WHERE id = ? AND audit_id = ?",
                                    [row["owner_id"], audit_id]).fetchone())
    if not owned or not EmptyForm().validate_on_submit():
        abort(404)
    evidence.remove(db, evidence_id, current_user, department_code=audit["department_code"])
    flash("証跡を削除しました（記録は残ります）。", "success")
    return redirect(request.referrer or url_for("audit.detail", audit_id=audit_id))
