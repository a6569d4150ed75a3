"""点検計画 screens: the システム管理者 plans and opens; the 監査責任者 and 総括保護管理者 follow progress."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import roles
from ..access import roles_required
from ..catalogue import service as catalogue
from ..db import get_db
from ..departments import service as departments
from ..forms import EmptyForm, choice_list
from ..sheets import service as sheets
from . import service
from .forms import AddDepartmentForm, DueOverrideForm, RemoveDepartmentForm, ScheduleForm

bp = Blueprint("schedules", __name__, url_prefix="/schedules")
VIEWERS = (roles.ADMIN, roles.CHIEF, roles.AUDITOR)


def get_schedule(schedule_id: int) -> dict:
    schedule = service.get_schedule(get_db(), schedule_id)
    if schedule is None:
        abort(404)
    return schedule


def _schedule_form(db, **kwargs) -> ScheduleForm:
    form = ScheduleForm(**kwargs)
    form.versions.choices = choice_list((v["id"], f"{v['title']}（{v['checklist_id']} 第{v['version']}版・"
                                                  f"{v['item_count']}項目）") for v in catalogue.latest_versions(db))
    form.target_tag.choices = choice_list([("", "選んでください")] + [(t.id, t.label) for t in
                                                                   departments.profile_tags().values()])
    form.departments.choices = choice_list((d["id"], f"{d['bureau_name']} {d['name']}")
                                           for d in departments.list_departments(db, include_inactive=False))
    return form


@bp.route("/")
@roles_required(*VIEWERS)
def index():
    return render_template("schedules/index.html", schedules=service.list_schedules(get_db()),
                           STATUS=service.STATUS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(roles.ADMIN)
def new():
    db = get_db()
    form = _schedule_form(db)
    if request.method == "GET":
        year = service.current_fiscal_year()
        form.fiscal_year.data = year
        form.title.data = f"{year}年度 個人情報保護・特定個人情報保護 自己点検"
        form.versions.data = [v["id"] for v in catalogue.latest_versions(db) if v["origin"] == "builtin"]
    if form.validate_on_submit():
        try:
            schedule_id = service.create_schedule(db, service.ScheduleInput(
                fiscal_year=form.fiscal_year.data, title=form.title.data, open_date=form.open_date.data.isoformat(),
                due_date=form.due_date.data.isoformat(), version_ids=form.versions.data,
                target_mode=form.target_mode.data, target_tag=form.target_tag.data or "",
                department_ids=form.departments.data or []), user_id=current_user.id)
        except service.ScheduleError as error:
            form.title.errors.extend(error.errors)
        else:
            flash("点検計画を作成しました。対象課を確認してから「開始する」を押してください。", "success")
            return redirect(url_for("schedules.show", schedule_id=schedule_id))
    return render_template("schedules/form.html", form=form)


@bp.route("/<id:schedule_id>")
@roles_required(*VIEWERS)
def show(schedule_id: int):
    db = get_db()
    schedule = get_schedule(schedule_id)
    targets = service.schedule_departments(db, schedule_id)
    add_form = AddDepartmentForm()
    taken = {t["id"] for t in targets}
    add_form.department.choices = choice_list((d["id"], f"{d['bureau_name']} {d['name']}")
                                              for d in departments.list_departments(db, include_inactive=False)
                                              if d["id"] not in taken)
    rows = sheets.progress_rows(db, fiscal_year=schedule["fiscal_year"], overdue_first=True)
    rows = [r for r in rows if r.get("schedule_title") == schedule["title"]]
    return render_template("schedules/show.html", schedule=schedule, targets=targets, add_form=add_form,
                           remove_form=RemoveDepartmentForm(), due_form=DueOverrideForm(), empty_form=EmptyForm(),
                           rows=rows, STATUS=service.STATUS_LABELS, MODES=service.TARGET_MODES)


@bp.route("/<id:schedule_id>/open", methods=["POST"])
@roles_required(roles.ADMIN)
def open_(schedule_id: int):
    get_schedule(schedule_id)
    if EmptyForm().validate_on_submit():
        try:
            created = service.open_schedule(get_db(), schedule_id)
        except service.ScheduleError as error:
            flash(str(error), "error")
        else:
            flash(f"点検を開始しました。点検票を {created} 件作成しました。", "success")
    return redirect(url_for("schedules.show", schedule_id=schedule_id))


@bp.route("/<id:schedule_id>/close", methods=["POST"])
@roles_required(roles.ADMIN)
def close(schedule_id: int):
    get_schedule(schedule_id)
    if EmptyForm().validate_on_submit():
        try:
            service.close_schedule(get_db(), schedule_id)
        except service.ScheduleError as error:
            flash(str(error), "error")
        else:
            flash("点検計画を終了しました。", "success")
    return redirect(url_for("schedules.show", schedule_id=schedule_id))


@bp.route("/<id:schedule_id>/copy", methods=["POST"])
@roles_required(roles.ADMIN)
def copy(schedule_id: int):
    get_schedule(schedule_id)
    if EmptyForm().validate_on_submit():
        new_id = service.copy_to_next_year(get_db(), schedule_id, user_id=current_user.id)
        flash("翌年度の点検計画を作成しました（チェックリストは最新の版です）。日付と対象を確認してください。", "success")
        return redirect(url_for("schedules.show", schedule_id=new_id))
    return redirect(url_for("schedules.show", schedule_id=schedule_id))


@bp.route("/<id:schedule_id>/departments", methods=["POST"])
@roles_required(roles.ADMIN)
def add_department(schedule_id: int):
    get_schedule(schedule_id)
    form = AddDepartmentForm()
    form.department.choices = choice_list((d["id"], d["name"]) for d in departments.list_departments(get_db()))
    if form.validate_on_submit():
        created = service.add_department(get_db(), schedule_id, form.department.data,
                                         form.due_date.data.isoformat() if form.due_date.data else None)
        flash(f"課を追加しました（点検票 {created} 件）。", "success")
    else:
        flash("追加する課を選んでください。", "error")
    return redirect(url_for("schedules.show", schedule_id=schedule_id))


@bp.route("/<id:schedule_id>/departments/<id:department_id>/remove", methods=["POST"])
@roles_required(roles.ADMIN)
def remove_department(schedule_id: int, department_id: int):
    get_schedule(schedule_id)
    form = RemoveDepartmentForm()
    if form.validate_on_submit():
        try:
            service.remove_department(get_db(), schedule_id, department_id, confirmed=form.confirmed.data,
                                      user=current_user)
        except service.ScheduleError as error:
            flash(str(error), "error")
        else:
            flash("課を対象から外しました。", "success")
    return redirect(url_for("schedules.show", schedule_id=schedule_id))


@bp.route("/<id:schedule_id>/departments/<id:department_id>/due", methods=["POST"])
@roles_required(roles.ADMIN)
def due_override(schedule_id: int, department_id: int):
    get_schedule(schedule_id)
    form = DueOverrideForm()
    if form.validate_on_submit():
        service.set_due_override(get_db(), schedule_id, department_id,
                                 form.due_date.data.isoformat() if form.due_date.data else None)
        flash("回答期限を変更しました。", "success")
    else:
        flash("日付を正しく入力してください。", "error")
    return redirect(url_for("schedules.show", schedule_id=schedule_id))
