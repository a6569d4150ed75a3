"""Screens for planning: the audit list, the plan of a 年度 with the risk ranking, 中期監査計画, a new audit."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import roles
from ..access import roles_required
from ..bounds import int_arg, parse_int, year_arg
from ..db import get_db
from ..departments import service as departments
from ..forms import EmptyForm, choice_list
from ..timeutil import now
from ..wareki import fiscal_year_of, nendo
from . import forms, plans, risk, values, visits
from .blueprint import DEPARTMENT_NAMES, bp
from .plans import AuditError

READERS = (roles.CHIEF, roles.AUDITOR)


def _department_choices(db) -> list:
    return choice_list((d["id"], f"{d['name']}（{d['bureau_name']}）")
                       for d in departments.list_departments(db, include_inactive=False))


@bp.route("/")
@roles_required(roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)
def index():
    if not current_user.has_role(*READERS):
        return redirect(url_for("audit.department_findings"))
    db = get_db()
    audits = list(db.query(
        f"""SELECT a.*, {DEPARTMENT_NAMES} AS department_name,
                  (SELECT COUNT(*) FROM audit_departments ad WHERE ad.audit_id = a.id) AS department_count,
                  (SELECT COUNT(*) FROM audit_findings f WHERE f.audit_id = a.id AND f.status != 'withdrawn') AS findings
           FROM audits a
           ORDER BY a.fiscal_year DESC, a.started_at IS NULL, a.started_at DESC, a.id DESC"""))
    current = fiscal_year_of(now().date())
    years = sorted(set(plans.plan_years(db)) | {current, current + 1}, reverse=True)
    return render_template("audit/index.html", audits=audits, years=years, cycles=plans.list_cycles(db),
                           current_year=current)


@bp.route("/plans/<year:year>", methods=["GET", "POST"])
@roles_required(*READERS)
def plan(year: int):
    db = get_db()
    existing = plans.get_plan(db, year)
    form = forms.PlanForm(obj=None if request.method == "POST" else _PlanObj(existing))
    target_form = forms.TargetForm(prefix="target")
    target_form.department_id.choices = _department_choices(db)
    if request.method == "POST" and current_user.has_role(roles.AUDITOR) and form.validate_on_submit():
        try:
            plans.save_plan(db, year, theme=form.theme.data, basis=form.basis.data, notes=form.notes.data,
                            user=current_user)
        except AuditError as error:
            form.theme.errors.append(str(error))
        else:
            flash(f"{nendo(year)}の監査計画を保存しました。", "success")
            return redirect(url_for("audit.plan", year=year))
    elif request.method == "POST" and not current_user.has_role(roles.AUDITOR):
        abort(403)
    return _plan_page(db, year, existing, form, target_form)


class _PlanObj:
    def __init__(self, plan):
        self.theme = plan["theme"] if plan else ""
        self.basis = plan["basis"] if plan else values.DEFAULT_BASIS
        self.notes = plan["notes"] if plan else ""


def _plan_page(db, year, existing, form, target_form, status=200):
    sheet_year = year_arg("sheet_year", "比較する点検の年度") or risk.latest_sheet_year(db, year)
    ranking = risk.ranking(db, year, sheet_year=sheet_year)
    targets = plans.plan_targets(db, existing["id"]) if existing else []
    reasons = {r["department_id"]: risk.reason_text(r, nendo(sheet_year)) for r in ranking}
    pick = int_arg("pick", "課")
    if pick and pick in reasons and not target_form.reason.data:
        target_form.department_id.data = pick
        target_form.reason.data = reasons[pick]
    return render_template("audit/plan.html", year=year, plan=existing, form=form, target_form=target_form,
                           ranking=ranking, targets=targets, sheet_year=sheet_year, weights=risk.WEIGHTS,
                           incident_years=risk.INCIDENT_YEARS,
                           button=EmptyForm()), status


@bp.route("/plans/<year:year>/targets", methods=["POST"])
@roles_required(roles.AUDITOR)
def plan_target(year: int):
    db = get_db()
    existing = plans.get_plan(db, year)
    target_form = forms.TargetForm(prefix="target")
    target_form.department_id.choices = _department_choices(db)
    if existing is None:
        flash("先に監査の観点を入力して計画を保存してください。", "error")
        return redirect(url_for("audit.plan", year=year))
    if target_form.validate_on_submit():
        try:
            plans.set_target(db, existing["id"], target_form.department_id.data, target_form.reason.data)
        except AuditError as error:
            target_form.reason.errors.append(str(error))
        else:
            flash("監査対象課を保存しました。", "success")
            return redirect(url_for("audit.plan", year=year))
    form = forms.PlanForm(obj=_PlanObj(existing))
    return _plan_page(db, year, existing, form, target_form, 400)


@bp.route("/plans/<year:year>/targets/<id:department_id>/remove", methods=["POST"])
@roles_required(roles.AUDITOR)
def plan_target_remove(year: int, department_id: int):
    db = get_db()
    existing = plans.get_plan(db, year)
    if existing is None or not EmptyForm().validate_on_submit():
        abort(400)
    plans.remove_target(db, existing["id"], department_id)
    flash("監査対象課から外しました。", "success")
    return redirect(url_for("audit.plan", year=year))


@bp.route("/cycles/new", methods=["GET", "POST"])
@roles_required(roles.AUDITOR)
def cycle_new():
    db = get_db()
    current = fiscal_year_of(now().date())
    form = forms.CycleForm(data=None if request.method == "POST" else
                           {"title": "中期監査計画", "start_year": current, "end_year": current + 2})
    if form.validate_on_submit():
        try:
            cycle_id = plans.save_cycle(db, title=form.title.data, start_year=form.start_year.data,
                                        end_year=form.end_year.data, notes=form.notes.data, user=current_user)
        except AuditError as error:
            form.end_year.errors.append(str(error))
        else:
            flash("中期監査計画を作成しました。各課の予定年度を設定してください。", "success")
            return redirect(url_for("audit.cycle", cycle_id=cycle_id))
    return render_template("audit/cycle_new.html", form=form), 400 if form.errors else 200


@bp.route("/cycles/<id:cycle_id>", methods=["GET", "POST"])
@roles_required(*READERS)
def cycle(cycle_id: int):
    db = get_db()
    found = next(db.query("SELECT * FROM audit_cycles WHERE id = ?", [cycle_id]), None)
    if found is None:
        abort(404)
    years = list(range(found["start_year"], found["end_year"] + 1))
    if request.method == "POST":
        if not current_user.has_role(roles.AUDITOR) or not EmptyForm().validate_on_submit():
            abort(403 if not current_user.has_role(roles.AUDITOR) else 400)
        planned = {}
        for row in plans.cycle_coverage(db, cycle_id):
            value = request.form.get(f"year-{row['id']}", "")
            planned[row["id"]] = int(value) if value.isdigit() and int(value) in years else None
        plans.set_planned_years(db, cycle_id, planned)
        flash("予定年度を保存しました。", "success")
        return redirect(url_for("audit.cycle", cycle_id=cycle_id))
    coverage = plans.cycle_coverage(db, cycle_id)
    not_reached = [r for r in coverage if not r["audited_year"]]
    unplanned = [r for r in not_reached if not r["planned_year"]]
    return render_template("audit/cycle.html", cycle=found, coverage=coverage, years=years,
                           not_reached=not_reached, unplanned=unplanned, form=EmptyForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(roles.AUDITOR)
def new():
    db = get_db()
    year = year_arg("year") or fiscal_year_of(now().date())
    picked = [v for v in map(parse_int, request.args.getlist("department_id")) if v]
    plan_row = plans.get_plan(db, year)
    targets = plans.plan_targets(db, plan_row["id"]) if plan_row else []
    initial = {"fiscal_year": year, "auditors": [current_user.id], "lead_id": current_user.id,
               "theme": plan_row["theme"] if plan_row else ""}
    if picked:
        reasons = [t["reason"] for t in targets if t["department_id"] in picked]
        initial.update({"department_ids": picked, "selection_reason": "\n\n".join(reasons)})
    incident = None
    if request.args.get("incident", type=int):  # 「この事案から監査を計画」: readable as the incident is
        from ..incidents import links as incident_links
        from ..incidents.service import get_incident

        incident = get_incident(request.args.get("incident", type=int))
        initial.update({"department_ids": incident["department_ids"], **incident_links.audit_proposal(incident)})
    form = forms.AuditForm(data=None if request.method == "POST" else initial)
    # the plan's targets first (with a mark), then every other active 課
    target_ids = [t["department_id"] for t in targets]
    choices = {d["id"]: f"{d['name']}（{d['bureau_name']}）"
               for d in departments.list_departments(db, include_inactive=False)}
    form.department_ids.choices = choice_list(
        [(i, f"★{choices[i]}") for i in target_ids if i in choices]
        + [(i, label) for i, label in choices.items() if i not in target_ids])
    people = plans.auditors(db)
    form.auditors.choices = choice_list((p["id"], f"{p['display_name']}（{p['departments'] or '所属なし'}）")
                                        for p in people)
    form.lead_id.choices = choice_list((p["id"], p["display_name"]) for p in people)
    if form.validate_on_submit():
        chosen_plan = plans.get_plan(db, form.fiscal_year.data)
        lead = form.lead_id.data if form.lead_id.data in form.auditors.data else form.auditors.data[0]
        try:
            audit_id = visits.create_audit(
                db, fiscal_year=form.fiscal_year.data, department_ids=form.department_ids.data,
                auditor_ids=form.auditors.data, lead_id=lead, theme=form.theme.data or
                (chosen_plan["theme"] if chosen_plan else ""), selection_reason=form.selection_reason.data,
                user=current_user, plan_id=chosen_plan["id"] if chosen_plan else None)
        except AuditError as error:
            (form.department_ids if "監査対象課を" in str(error) else form.auditors).errors.append(str(error))
        else:
            if incident:
                incident_links.link_audit(db, audit_id, incident["id"], current_user)
            flash("監査を登録しました。実施日時・場所と監査項目を記録してください。", "success")
            return redirect(url_for("audit.detail", audit_id=audit_id))
    return render_template("audit/new.html", form=form, incident=incident), 400 if form.errors else 200
