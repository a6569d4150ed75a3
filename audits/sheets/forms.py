from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length
from ..forms import Form


class AnswerForm(Form):
    """Carries the CSRF token and the fields of one answer; the rules live in sheets/answers.py."""

    value = StringField("回答")
    detail = TextAreaField("具体的な実施内容")
    na_reason = TextAreaField("該当しない理由")
    plan_action = TextAreaField("改善予定（内容）")
    plan_due = StringField("改善予定（期限）")
    plan_owner = StringField("改善予定（担当）")
    evidence_note = TextAreaField("証跡についての補足")
    revision = HiddenField()    # the answer's revision when the form was loaded (revisions.py)


class EvidenceForm(Form):
    file = FileField("証跡ファイル", validators=[FileRequired("ファイルを選んでください。")])
    note = StringField("メモ（何の記録か）", validators=[Length(max=500, message="メモは500文字以内です。")])


class ReasonForm(Form):
    reason = TextAreaField("理由", validators=[Length(max=2000, message="2000文字以内で入力してください。")])
    status_revision = HiddenField()


class SheetImportForm(Form):
    file = FileField("記入済みの Excel ファイル（.xlsx）", validators=[FileRequired("ファイルを選んでください。")])
