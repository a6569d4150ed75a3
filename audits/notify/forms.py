from __future__ import annotations


from ..forms import Form, MultiCheckboxField, choice_list
from .categories import CATEGORY_LABELS


class PreferencesForm(Form):
    enabled = MultiCheckboxField("受け取るお知らせ（チェックを外した種類は、画面にもメールにも届きません）",
                                 choices=choice_list(CATEGORY_LABELS.items()))
