"""システム管理者の画面: users, their roles and 課, and the 課 themselves (incl. the org-chart import)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlite_utils.db import NotFoundError

from .. import roles
from ..access import get_department, roles_required
from ..auth import service as users
from ..auth.sessions import user_sessions
from ..db import get_db
from ..departments import service as departments
from ..forms import EmptyForm, choice_list
from .forms import BureauAgencyForm, DepartmentForm, OrganisationImportForm, PasswordResetForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _department_choices(db):
    return choice_list((d["code"], f"{d['bureau_name']} {d['name']}（{d['code']}）")
                       for d in departments.list_departments(db))


def get_user(user_id: int) -> dict:
    """Load a user for the admin screens (the decorator has already checked the role)."""
    try:
        return get_db()["users"].get(user_id)
    except NotFoundError:
        abort(404)


@bp.route("/users")
@roles_required(roles.ADMIN)
def users_index():
    db = get_db()
    text = request.args.get("text", "").strip()
    role = request.args.get("role", "")
    active = request.args.get("active") == "1"
    return render_template("admin/users.html", users=users.list_users(db, text=text, role=role, active_only=active),
                           text=text, role=role, active=active, form=EmptyForm())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(roles.ADMIN)
def user_new():
    db = get_db()
    form = UserForm()
    form.departments.choices = _department_choices(db)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append("初期パスワードを入力してください。")
        else:
            try:
                user_id = users.create_user(db, form.username.data, form.display_name.data, form.password.data,
                                            form.roles.data, form.departments.data, email=form.email.data or "")
            except users.UserError as error:
                form.username.errors.append(str(error))
            else:
                flash(f"利用者 {form.username.data} を登録しました。", "success")
                return redirect(url_for("admin.user_edit", user_id=user_id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@roles_required(roles.ADMIN)
def user_edit(user_id: int):
    db = get_db()
    user = get_user(user_id)
    summary = users.user_summary(db, user_id)
    form = UserForm(data={"username": user["username"], "display_name": user["display_name"],
                          "roles": summary["roles"], "departments": summary["departments"], "email": summary["email"]})
    form.departments.choices = _department_choices(db)
    if request.method == "POST":
        form.username.data = user["username"]  # the id never changes
    if form.validate_on_submit():
        try:
            users.update_user(db, user_id, form.display_name.data, form.roles.data, form.departments.data,
                              actor_id=current_user.id, email=form.email.data or "")
        except users.UserError as error:
            form.roles.errors.append(str(error))
        else:
            flash("利用者の情報を更新しました。", "success")
            return redirect(url_for("admin.user_edit", user_id=user_id))
    return render_template("admin/user_form.html", form=form, user=user, summary=summary,
                           reset_form=PasswordResetForm(formdata=None), toggle_form=EmptyForm(),
                           sessions=_sessions_of(db, user_id))


@bp.route("/users/<id:user_id>/password", methods=["POST"])
@roles_required(roles.ADMIN)
def user_password(user_id: int):
    db = get_db()
    user = get_user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        users.set_password(db, user_id, form.new_password.data)
        flash(f"{user['username']} のパスワードを再設定しました。本人に安全な方法で伝えてください。", "success")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    summary = users.user_summary(db, user_id)
    edit_form = UserForm(data={"username": user["username"], "display_name": user["display_name"],
                               "roles": summary["roles"], "departments": summary["departments"],
                               "email": summary["email"]})
    edit_form.departments.choices = _department_choices(db)
    return render_template("admin/user_form.html", form=edit_form, user=user, summary=summary,
                           reset_form=form, toggle_form=EmptyForm(), sessions=_sessions_of(db, user_id)), 400


@bp.route("/users/<id:user_id>/active", methods=["POST"])
@roles_required(roles.ADMIN)
def user_toggle_active(user_id: int):
    user = get_user(user_id)
    if EmptyForm().validate_on_submit():
        if user_id == current_user.id:
            flash("自分自身を無効にすることはできません。", "error")
        else:
            users.set_active(get_db(), user_id, not user["active"])
            flash(f"{user['username']} を{'無効' if user['active'] else '有効'}にしました。", "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.route("/users/<id:user_id>/sessions/end", methods=["POST"])
@roles_required(roles.ADMIN)
def user_end_sessions(user_id: int):
    user = get_user(user_id)
    if EmptyForm().validate_on_submit():
        ended = users.end_sessions(get_db(), user_id)
        flash(f"{user['username']} をすべての端末からログアウトさせました（{ended} 件のセッションを終了）。", "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


def _sessions_of(db, user_id: int) -> list[dict]:
    return user_sessions(db, user_id, int(current_app.config["IDLE_TIMEOUT_MINUTES"]))


# --- 課 ---------------------------------------------------------------------------------------

def _department_form(db, **kwargs) -> DepartmentForm:
    form = DepartmentForm(**kwargs)
    form.bureau.choices = choice_list([("", "選んでください")] + [(b["code"], f"{b['name']}（{b['code']}）")
                                                                   for b in departments.list_bureaus(db)])
    form.tags.choices = choice_list((t.id, t.label) for t in departments.profile_tags().values())
    return form


@bp.route("/departments/new", methods=["GET", "POST"])
@roles_required(roles.ADMIN)
def department_new():
    db = get_db()
    form = _department_form(db)
    if form.validate_on_submit():
        try:
            department_id = departments.create_department(db, form.code.data, form.name.data, form.bureau.data,
                                                          form.tags.data)
        except departments.DepartmentError as error:
            form.code.errors.extend(error.errors)
        else:
            flash(f"{form.name.data} を登録しました。", "success")
            return redirect(url_for("departments.detail", department_id=department_id))
    return render_template("admin/department_form.html", form=form, department=None)


@bp.route("/departments/<id:department_id>/edit", methods=["GET", "POST"])
@roles_required(roles.ADMIN)
def department_edit(department_id: int):
    db = get_db()
    department = get_department(department_id, for_edit=True)
    form = _department_form(db, data={
        "code": department["code"], "name": department["name"], "bureau": department["bureau_code"],
        "tags": departments.department_tags(db, department_id), "active": bool(department["active"])})
    if request.method == "POST":
        form.code.data = department["code"]
    if form.validate_on_submit():
        try:
            departments.update_department(db, department_id, name=form.name.data, bureau_code=form.bureau.data,
                                          tags=form.tags.data, active=form.active.data)
        except departments.DepartmentError as error:
            form.name.errors.extend(error.errors)
        else:
            flash("課の情報を更新しました。", "success")
            return redirect(url_for("departments.detail", department_id=department_id))
    return render_template("admin/department_form.html", form=form, department=department)


# --- 部 and their 機関 ----------------------------------------------------------------------------

def _agency_form(**kwargs) -> BureauAgencyForm:
    from ..departments.agencies import AGENCY_LABELS

    form = BureauAgencyForm(**kwargs)
    form.agency.choices = choice_list(AGENCY_LABELS.items())
    return form


@bp.route("/bureaus")
@roles_required(roles.ADMIN)
def bureaus():
    """The 部 with the 機関 each belongs to (the 委員会's 定期的な報告 is answered per 機関), one form per 部."""
    rows = [(b, _agency_form(formdata=None, data={"agency": b["agency"]})) for b in departments.list_bureaus(get_db())]
    return render_template("admin/bureaus.html", rows=rows)


@bp.route("/bureaus/<id:bureau_id>/agency", methods=["POST"])
@roles_required(roles.ADMIN)
def bureau_agency(bureau_id: int):
    db = get_db()
    bureau = db.execute("SELECT name FROM bureaus WHERE id = ?", [bureau_id]).fetchone()
    if bureau is None:
        abort(404)
    form = _agency_form()
    if form.validate_on_submit():
        try:
            departments.set_bureau_agency(db, bureau_id, form.agency.data)
        except departments.DepartmentError as error:
            for message in error.errors:
                flash(message, "error")
        else:
            flash(f"{bureau[0]} の機関を更新しました。", "success")
    else:
        for message in [m for messages in form.errors.values() for m in messages]:
            flash(f"{bureau[0]}: {message}", "error")
    return redirect(url_for("admin.bureaus"))


@bp.route("/departments/import", methods=["GET", "POST"])
@roles_required(roles.ADMIN)
def organisation_import():
    form = OrganisationImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            summary = departments.import_organisation(get_db(), upload.filename, upload.read())
        except departments.DepartmentError as error:
            errors = error.errors
        else:
            flash(f"組織図を取り込みました（新規 {summary.created} 課、更新 {summary.updated} 課、部 {summary.bureaus}）。",
                  "success")
            return redirect(url_for("departments.index"))
    return render_template("admin/organisation_import.html", form=form, errors=errors,
                           columns=departments.ORG_COLUMNS, tags=departments.profile_tags().values())
