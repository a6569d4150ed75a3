"""The activity log screen, for the システム管理者 and the 監査責任者."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional

from .. import roles
from ..access import roles_required
from ..bounds import int_arg
from ..db import get_db
from ..forms import FilterForm, choice_list
from . import describe, service

bp = Blueprint("activity", __name__, url_prefix="/log")
PAGE_SIZE = 100


class LogFilterForm(FilterForm):
    username = StringField("利用者ID")
    department_code = StringField("課コード")
    action = SelectField("操作")  # choices: the app's registered actions (index)
    date_from = DateField("開始日", validators=[Optional()])
    date_to = DateField("終了日", validators=[Optional()])


@bp.route("/")
@roles_required(roles.ADMIN, roles.AUDITOR)
def index():
    form = LogFilterForm(request.args)
    form.action.choices = choice_list([("", "すべて"), *service.action_labels().items()])
    form.validate()
    flt = service.LogFilter(
        username=(form.username.data or "").strip(),
        department_code=(form.department_code.data or "").strip(),
        action=form.action.data or "",
        date_from=form.date_from.data.isoformat() if form.date_from.data else "",
        date_to=form.date_to.data.isoformat() if form.date_to.data else "",
    )
    page = int_arg("page", "ページ") or 1
    rows, total = service.search(get_db(), flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template("activity/index.html", form=form, entries=describe.describe(get_db(), rows), total=total,
                           page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))


@bp.route("/grants")
@roles_required(roles.CHIEF, roles.ADMIN, roles.AUDITOR)
def grants():
    """Every grant and revoke of a role or 課, newest first: the 総括保護管理者 sees what administrators did."""
    from ..auth.service import grant_history

    page = min(max(request.args.get("page", 1, type=int), 1), 10**6)
    rows, total = grant_history(get_db(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template("activity/grants.html", rows=rows, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))
