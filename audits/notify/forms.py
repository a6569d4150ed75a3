from __future__ import annotations

from flask_wtf import FlaskForm

from ..forms import MultiCheckboxField, choice_list
from .categories import CATEGORY_LABELS


class PreferencesForm(FlaskForm):
    enabled = MultiCheckboxField("受け取るお知らせ（チェックを外した種類は、画面にもメールにも届きません）",
                                 choices=choice_list(CATEGORY_LABELS.items()))
