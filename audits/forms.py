"""Form pieces shared by every feature."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice

from .form_messages import MESSAGES


class Form(FlaskForm):
    """Every form of the app: Flask-WTF's CSRF, and wtforms' own messages in Japanese (form_messages.py)."""

    class Meta:
        def get_translations(self, form):
            return MESSAGES


class EmptyForm(Form):
    """A POST-only button (disable, approve, logout …) that still carries the CSRF token."""


class FilterForm(Form):
    """A GET filter form: reads request.args, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choice_list(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the option objects wtforms expects."""
    return [SelectChoice(str(value), label) for value, label in pairs]
