"""お知らせ: the in-app list (everyone, with or without e-mail), marking read, and each person's preferences."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..db import get_db
from ..forms import EmptyForm
from . import categories, service
from .forms import PreferencesForm

bp = Blueprint("notify", __name__, url_prefix="/notices")


def preferences_form(user_id: int) -> PreferencesForm:
    """The form of the account page, showing what the person keeps on."""
    off = service.optouts(get_db(), user_id)
    return PreferencesForm(formdata=None, data={"enabled": [c for c in categories.CATEGORIES if c not in off]})


@bp.app_context_processor
def _unread_notices():
    if not current_user.is_authenticated:
        return {}
    return {"unread_notices": service.unread_count(get_db(), current_user.id)}


@bp.route("/")
@login_required
def index():
    db = get_db()
    return render_template("notify/index.html", notices=service.for_user(db, current_user.id), form=EmptyForm(),
                           has_email=bool(db.execute("SELECT email FROM users WHERE id = ?",
                                                     [current_user.id]).fetchone()[0]))


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    if EmptyForm().validate_on_submit():
        service.mark_all_read(get_db(), current_user.id)
        flash("お知らせをすべて既読にしました。", "success")
    return redirect(url_for("notify.index"))


@bp.route("/preferences", methods=["POST"])
@login_required
def preferences():
    form = PreferencesForm()
    if form.validate_on_submit():
        service.set_preferences(get_db(), current_user.id, form.enabled.data or [])
        flash("お知らせの設定を保存しました。", "success")
    else:
        flash("お知らせの設定を保存できませんでした。画面を再読み込みしてから、もう一度操作してください。", "error")
    return redirect(url_for("auth.change_password"))
