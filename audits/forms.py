"""Form pieces shared by every feature."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice


class EmptyForm(FlaskForm):
    """A POST-only button (disable, approve, logout …) that still carries the CSRF token."""


class FilterForm(FlaskForm):
    """A GET filter form: reads request.args, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choice_list(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the option objects wtforms expects."""
    return [SelectChoice(str(value), label) for value, label in pairs]
