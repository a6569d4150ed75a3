from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField

from ..forms import Form, choice_list
from .values import KIND_LABELS


class AssessmentForm(Form):
    """Carries the CSRF token and the fields of one 評価書; the rules (Japanese messages) live in service.py."""

    name = StringField("事務の名称（評価書の名称）")
    kind = SelectField("評価の種類", choices=choice_list([("", "選んでください"), *KIND_LABELS.items()]),
                       validate_choice=False)
    published_on = StringField("公表日（任意）", render_kw={"type": "date"})   # the browser's date picker posts ISO
    active = BooleanField("有効（点検票を作成する）", default=True)
    revision = HiddenField()    # the 評価書's revision when the form was loaded (revisions.py)
