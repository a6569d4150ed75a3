"""wtforms' own messages (a number field given letters, a choice that is not offered) reach users in Japanese,
and every form of the app gets them (each one descends from audits.forms.Form)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from audits.forms import Form
from audits.incidents.forms import IncidentForm


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_form_of_the_app_speaks_japanese(app):
    ours = [c for c in _all_subclasses(FlaskForm) if c.__module__.startswith("audits.")]
    assert len(ours) > 40
    assert [c.__qualname__ for c in ours if not issubclass(c, Form)] == []


def test_a_number_field_given_letters_says_so_in_japanese(app):
    with app.test_request_context(method="POST"):
        form = IncidentForm(formdata=MultiDict({"persons": "十人くらい", "kind": "no-such-kind"}), meta={"csrf": False})
        form.validate()
        messages = [m for errors in form.errors.values() for m in errors]
    assert "整数（半角数字）で入力してください。" in form.errors["persons"]
    assert any("選択肢から選んでください" in m for m in form.errors["kind"])
    assert not any(c.isascii() and c.isalpha() for m in messages for c in m.replace("%", "")), messages
