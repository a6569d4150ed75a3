"""Reading 課: the list (each user sees what the role allows) and one 課's profile."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from wtforms import SelectField, StringField

from .. import roles
from ..access import can_read_department_records, get_department
from ..db import get_db
from ..forms import FilterForm, choice_list
from ..sheets.service import progress_rows
from . import service


class DepartmentFilterForm(FilterForm):
    text = StringField("課名・コード")
    bureau = SelectField("部", coerce=str)
    tag = SelectField("タグ", coerce=str)
    active = SelectField("状態", choices=choice_list([("", "すべて"), ("1", "有効のみ")]), coerce=str)


bp = Blueprint("departments", __name__, url_prefix="/departments")


def filter_form(db) -> DepartmentFilterForm:
    form = DepartmentFilterForm(request.args)
    form.bureau.choices = choice_list([("", "すべて")] + [(b["id"], b["name"]) for b in service.list_bureaus(db)])
    form.tag.choices = choice_list([("", "すべて")] + [(t.id, t.label) for t in service.profile_tags().values()])
    return form


@bp.route("/")
@login_required
def index():
    db = get_db()
    form = filter_form(db)
    visible = None if current_user.has_role(roles.CHIEF, roles.AUDITOR, roles.ADMIN) else current_user.department_ids
    rows = service.list_departments(
        db, department_ids=visible, bureau_id=int(form.bureau.data) if form.bureau.data else None,
        tag=form.tag.data or "", text=(form.text.data or "").strip(), include_inactive=form.active.data != "1")
    return render_template("departments/index.html", departments=rows, form=form)


@bp.route("/<id:department_id>")
@login_required
def detail(department_id: int):
    department = get_department(department_id)
    db = get_db()
    rows = (progress_rows(db, department_ids=frozenset({department_id}), overdue_first=True)
            if can_read_department_records(current_user, department_id) else None)
    return render_template(
        "departments/detail.html", department=department, rows=rows,
        tags=service.department_tags(db, department_id),
        members=service.members(db, department_id),
        all_tags=service.profile_tags(),
    )
