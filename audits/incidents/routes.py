"""Screens of the incident register: list, register, page (経過, 判定, deadlines), edit."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import roles
from ..access import deny, roles_required
from ..activity import service as activity
from ..db import get_db
from ..departments import service as departments
from ..forms import EmptyForm, choice_list
from ..audit import findings
from ..audit.plans import AuditError
from ..revisions import form_revision
from . import judgement, links, ppc_report, report_pdf, service, values
from .forms import DATE_FIELDS, EventForm, IncidentForm, ItemLinkForm, JudgementForm, MeasureForm

bp = Blueprint("incidents", __name__, url_prefix="/incidents")
READERS = (roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)
PAGE_SIZE = 100   # rows of the register's list per page (overdue first, so the first page holds what is urgent)


@bp.app_template_filter("linked_incidents")
def linked_incidents(item_id: str) -> list:
    """The incidents linked to a checklist item that the current user may see (one query per request)."""
    from flask import g

    if not current_user.is_authenticated:
        return []
    if "incidents_by_item" not in g:
        g.incidents_by_item = links.incidents_by_item(get_db(), current_user)
    return g.incidents_by_item.get(item_id, [])


def _department_choices(form: IncidentForm) -> None:
    rows = departments.list_departments(get_db())
    form.department_ids.choices = choice_list((d["id"], f"{d['bureau_name']} {d['name']}") for d in rows)


def _may_register() -> bool:
    return current_user.has_role(roles.CHIEF) or (current_user.has_role(roles.MANAGER, roles.STAFF)
                                                  and bool(current_user.department_ids))


@bp.route("/")
@roles_required(*READERS)
def index():
    show_all = request.args.get("all") == "1"
    rows = service.list_incidents(get_db(), current_user, open_only=not show_all)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    start = (page - 1) * PAGE_SIZE
    return render_template("incidents/index.html", rows=rows[start:start + PAGE_SIZE], total=len(rows), page=page,
                           pages=pages, first=start + 1, show_all=show_all, may_register=_may_register(),
                           kinds=values.KINDS)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(roles.CHIEF, roles.MANAGER, roles.STAFF)
def create():
    if not _may_register():
        deny("所属する課がないため、漏えい等事案を登録できません")
    form = IncidentForm()
    _department_choices(form)
    if request.method == "GET":
        form.department_ids.data = sorted(current_user.department_ids) if not current_user.has_role(roles.CHIEF) \
            else []
    if form.validate_on_submit():
        try:
            incident_id = service.create(get_db(), current_user, form.record_values(), form.department_ids.data)
        except service.IncidentError as error:
            _show_problems(form, error)
        else:
            flash("漏えい等事案を登録しました。", "success")
            return redirect(url_for("incidents.show", incident_id=incident_id))
    return render_template("incidents/form.html", form=form, incident=None), 400 if request.method == "POST" else 200


def _show_problems(form: IncidentForm, error: service.IncidentError) -> None:
    for name, message in error.problems.items():
        getattr(form, name).errors = [*getattr(form, name).errors, message]
    flash(str(error), "error")


@bp.route("/<id:incident_id>")
@roles_required(*READERS)
def show(incident_id: int):
    incident = service.get_incident(incident_id)
    db = get_db()
    service.decorate(incident, service.today(), service.prompt_days())
    events = service.events(db, incident_id)
    judgement_form = None
    if service.may_confirm_judgement(current_user) and not incident["closed_at"]:
        judgement_form = JudgementForm()
        confirmed = judgement.is_confirmed(incident)
        judgement_form.clauses.data = sorted(judgement.effective_clauses(incident))
        report = judgement.mynumber_report(incident)
        judgement_form.mynumber_report.data = "" if report is None else str(int(report))
        judgement_form.reason.data = incident["judgement_reason"] if confirmed else ""
    return render_template(
        "incidents/show.html", incident=incident, events=events, persons_text=values.persons_text,
        ppc_filled=ppc_report.filled_items(incident, events), ppc_stages=ppc_report.STAGES,
        ppc_total=len(ppc_report.ITEM_TEXTS),
        proposal=judgement.propose(incident), stored_proposal=judgement.stored_proposal(incident),
        confirmed=judgement.is_confirmed(incident), confirmed_clauses=judgement.confirmed_clauses(incident),
        clause_texts=judgement.CLAUSE_TEXTS, clause_label=judgement.clause_label,
        mynumber_proposed=judgement.mynumber_report_proposed(incident),
        mynumber_report=judgement.mynumber_report(incident), mynumber_reading=judgement.MYNUMBER_READING,
        report_basis=judgement.REPORT_BASIS, notice_basis=judgement.NOTICE_BASIS,
        judged_by=_user_name(incident["judgement_by"]), kinds=values.KINDS, notice_kinds=values.NOTICE_KINDS,
        event_form=EventForm() if incident["editable"] else None, judgement_form=judgement_form,
        close_form=EmptyForm() if judgement_form else None, **_links(db, incident))


def _measure_form(incident: dict, form: MeasureForm | None = None) -> MeasureForm:
    form = form or MeasureForm(formdata=None)
    form.department_id.choices = choice_list((d["id"], d["name"]) for d in incident["departments"])
    if form.department_id.data is None and len(incident["departments"]) == 1:
        form.department_id.data = incident["departments"][0]["id"]
    return form


def _links(db, incident: dict, measure_form: MeasureForm | None = None) -> dict:
    """What the incident feeds: its 再発防止策 as corrective actions, its checklist items, its audits."""
    items = links.linked_items(db, incident["id"])
    item_form = ItemLinkForm(formdata=None, data={"item_ids": "、".join(i["item_id"] for i in items)}) \
        if incident["editable"] else None
    return {"actions": findings.action_list(db, incident_id=incident["id"]), "linked_items": items,
            "item_form": item_form, "audits": links.incident_audits(db, incident["id"]),
            "measure_form": _measure_form(incident, measure_form) if incident["editable"] else None,
            "may_plan_audit": current_user.has_role(roles.AUDITOR)}


def _user_name(user_id: int | None) -> str:
    if not user_id:
        return ""
    row = get_db().execute("SELECT display_name FROM users WHERE id = ?", [user_id]).fetchone()
    return row[0] if row else ""


def _fill(form: IncidentForm, incident: dict) -> None:
    for name in service.FIELDS:
        field = getattr(form, name)
        value = incident[name]
        if name == "discovered_at":
            value = datetime.fromisoformat(value) if value else None
        elif name in DATE_FIELDS:
            value = date.fromisoformat(value) if value else None
        elif name == "notice_kind":
            value = value or ""
        field.data = value
    form.occurred_unknown.data = incident["occurred_on"] is None
    form.department_ids.data = incident["department_ids"]
    form.revision.data = str(incident["revision"])


def _revision(form: IncidentForm) -> int:
    """The revision the form was loaded with (-1 when missing: the save is then refused as stale)."""
    revision = form_revision(form.revision.data)
    return -1 if revision is None else revision


@bp.route("/<id:incident_id>/edit", methods=["GET", "POST"])
@roles_required(roles.CHIEF, roles.MANAGER, roles.STAFF)
def edit(incident_id: int):
    incident = service.get_incident(incident_id, edit=True)
    form = IncidentForm()
    _department_choices(form)
    saved = None
    if request.method == "GET":
        _fill(form, incident)
    elif form.validate_on_submit():
        try:
            service.update(get_db(), current_user, incident_id, form.record_values(), form.department_ids.data,
                           _revision(form))
        except service.IncidentConflict as conflict:
            saved = conflict.saved
            form.revision.data = str(saved["revision"])  # a second, deliberate save goes through
            flash(str(conflict), "error")
            return render_template("incidents/form.html", form=form, incident=incident, saved=saved), 409
        except service.IncidentError as error:
            _show_problems(form, error)
        else:
            flash("保存しました。", "success")
            return redirect(url_for("incidents.show", incident_id=incident_id))
    status = 400 if request.method == "POST" else 200
    return render_template("incidents/form.html", form=form, incident=incident, saved=saved), status


@bp.route("/<id:incident_id>/events", methods=["POST"])
@roles_required(roles.CHIEF, roles.MANAGER, roles.STAFF)
def add_event(incident_id: int):
    incident = service.get_incident(incident_id, edit=True)
    form = EventForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return redirect(url_for("incidents.show", incident_id=incident_id) + "#events")
    try:
        at_time = form.at_time.data.strftime("%H:%M") if form.at_time.data else None
        service.add_event(get_db(), current_user, incident, form.on_date.data, at_time, form.text.data.strip())
    except service.IncidentError as error:
        flash(str(error), "error")
    else:
        flash("経過を追加しました。", "success")
    return redirect(url_for("incidents.show", incident_id=incident_id) + "#events")


@bp.route("/<id:incident_id>/judgement", methods=["POST"])
@roles_required(roles.CHIEF)
def confirm_judgement(incident_id: int):
    incident = service.get_incident(incident_id, edit=True)
    form = JudgementForm()
    if form.validate_on_submit():
        report = form.mynumber_report.data
        try:
            service.confirm_judgement(get_db(), current_user, incident_id, set(form.clauses.data or []),
                                      None if report == "" else report == "1", form.reason.data)
        except service.IncidentError as error:
            flash(str(error), "error")
        else:
            flash("判定を確定しました。", "success")
    else:
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
    return redirect(url_for("incidents.show", incident_id=incident["id"]) + "#judgement")


@bp.route("/<id:incident_id>/close", methods=["POST"])
@roles_required(roles.CHIEF)
def close(incident_id: int):
    incident = service.get_incident(incident_id, edit=True)
    if EmptyForm().validate_on_submit():
        service.close(get_db(), current_user, incident)
        flash("事案を完結にしました。", "success")
    return redirect(url_for("incidents.show", incident_id=incident_id))


@bp.route("/<id:incident_id>/ppc/<stage>")
@roles_required(*READERS)
def ppc_draft(incident_id: int, stage: str):
    """The draft of the 速報 or the 確報 to the 委員会: the nine items of 施行規則第44条第1項, and the text to copy."""
    if stage not in ppc_report.STAGES:
        abort(404)
    incident = service.get_incident(incident_id)
    service.decorate(incident, service.today(), service.prompt_days())
    items = ppc_report.report_items(incident, service.events(get_db(), incident_id), stage)
    return render_template("incidents/ppc.html", incident=incident, stage=stage, stages=ppc_report.STAGES,
                           items=items, missing=[i for i in items if not i.filled],
                           copy_text=ppc_report.copy_text(items), article_1=ppc_report.ARTICLE_44_1,
                           article_2=ppc_report.ARTICLE_44_2, confirmed=judgement.is_confirmed(incident))


@bp.route("/<id:incident_id>/report.pdf")
@roles_required(*READERS)
def report(incident_id: int):
    """The incident report for the 審議会 (報告第371号 structure), for whoever may read the incident."""
    incident = service.get_incident(incident_id)
    db = get_db()
    pdf = report_pdf.render(incident, service.events(db, incident_id), current_app.config["MUNICIPALITY_NAME"],
                            service.today())
    activity.record(db, "incident.report_export", department_code=incident["department_code"],
                    object_type="incident", object_id=incident_id)
    response = Response(pdf, mimetype="application/pdf")
    name = f"{incident['title']}について.pdf"
    response.headers["Content-Disposition"] = (f"attachment; filename=incident-{incident_id}.pdf; "
                                               f"filename*=UTF-8''{quote(name)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<id:incident_id>/actions", methods=["POST"])
@roles_required(roles.CHIEF, roles.MANAGER, roles.STAFF)
def add_action(incident_id: int):
    """A 再発防止策 becomes a corrective action (改善措置) of one of the incident's 課."""
    incident = service.get_incident(incident_id, edit=True)
    form = _measure_form(incident, MeasureForm())
    if form.validate_on_submit():
        try:
            findings.create_incident_action(get_db(), incident, measure=form.measure.data,
                                            department_id=form.department_id.data,
                                            due_date=form.due_date.data.isoformat(), user=current_user)
        except AuditError as error:
            flash(str(error), "error")
        else:
            flash("再発防止策を改善措置として登録しました。課が実施状況を報告し、総括保護管理者が確認します。", "success")
            return redirect(url_for("incidents.show", incident_id=incident_id) + "#actions")
    else:
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
    return redirect(url_for("incidents.show", incident_id=incident_id) + "#actions")


@bp.route("/<id:incident_id>/items", methods=["POST"])
@roles_required(roles.CHIEF, roles.MANAGER, roles.STAFF)
def set_items(incident_id: int):
    """The checklist items whose failure caused the incident."""
    incident = service.get_incident(incident_id, edit=True)
    form = ItemLinkForm()
    if form.validate_on_submit():
        try:
            linked = links.set_items(get_db(), current_user, incident, form.item_ids.data or "")
        except service.IncidentError as error:
            flash(str(error), "error")
        else:
            flash(f"原因となった点検項目を保存しました（{len(linked)}項目）。", "success")
    else:
        flash("入力を確かめてください（1,000文字以内）。", "error")
    return redirect(url_for("incidents.show", incident_id=incident_id) + "#items")
