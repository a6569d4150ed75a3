"""Forms of the audit screens; each field's error is shown next to it and what was typed is kept."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, RadioField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..bounds import YEAR_MAX, YEAR_MIN, parse_int
from ..forms import Form, MultiCheckboxField, choice_list
from . import values
from .cover import NUMBER_MAX

REQUIRED = "入力してください。"
YEAR_RANGE = NumberRange(min=YEAR_MIN, max=YEAR_MAX, message="西暦の年（例: 2025）を入力してください。")


class PlanForm(Form):
    theme = TextAreaField("監査の観点（その年度のテーマ）", validators=[DataRequired(REQUIRED), Length(max=4000)])
    basis = StringField("根拠（題名で団体名の後に続く語。例: 個人情報保護条例）", default=values.DEFAULT_BASIS,
                        validators=[Length(max=100)])
    notes = TextAreaField("備考", validators=[Optional(), Length(max=4000)])


class TargetForm(Form):
    department_id = SelectField("監査対象課", coerce=int, validators=[InputRequired("課を選んでください。")])
    reason = TextAreaField("選定理由", validators=[DataRequired(REQUIRED), Length(max=4000)])


class CycleForm(Form):
    title = StringField("計画の名称", default="中期監査計画", validators=[DataRequired(REQUIRED), Length(max=100)])
    start_year = IntegerField("開始年度（西暦）", validators=[InputRequired(REQUIRED), YEAR_RANGE])
    end_year = IntegerField("終了年度（西暦）", validators=[InputRequired(REQUIRED), YEAR_RANGE])
    notes = TextAreaField("備考", validators=[Optional(), Length(max=2000)])

    def validate_end_year(self, field):
        if self.start_year.data and field.data is not None and field.data < self.start_year.data:
            raise ValidationError("終了年度は開始年度以後にしてください。")


class AuditForm(Form):
    fiscal_year = IntegerField("年度（西暦）", validators=[InputRequired(REQUIRED), YEAR_RANGE])
    department_ids = MultiCheckboxField("監査対象課（1つ以上）", coerce=int,
                                        validators=[DataRequired("課を1つ以上選んでください。")])
    auditors = MultiCheckboxField("担当する監査員", coerce=int, validators=[DataRequired("1人以上選んでください。")])
    lead_id = SelectField("監査責任者（主担当）", coerce=int)
    theme = TextAreaField("監査の観点", validators=[Optional(), Length(max=4000)])
    selection_reason = TextAreaField("選定理由", validators=[DataRequired(REQUIRED), Length(max=4000)])


class AuditDepartmentForm(Form):
    department_id = SelectField("追加する課", coerce=int, validators=[InputRequired("課を選んでください。")])


class DepartmentRecordForm(Form):
    """日時・場所 of one 課 visited apart from the others (empty: the audit's)."""
    started_at = DateTimeLocalField("開始日時", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ended_at = DateTimeLocalField("終了日時", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    places = TextAreaField("場所（1行に1か所）", validators=[Optional(), Length(max=2000)])
    base = HiddenField()        # editing.fingerprint of the values the form was loaded with

    def validate_ended_at(self, field):
        if field.data and self.started_at.data and field.data < self.started_at.data:
            raise ValidationError("終了日時は開始日時より後にしてください。")


class TeamForm(Form):
    auditors = MultiCheckboxField("担当する監査員", coerce=int, validators=[DataRequired("1人以上選んでください。")])
    lead_id = SelectField("監査責任者（主担当）", coerce=int)


class RecordForm(Form):
    started_at = DateTimeLocalField("開始日時", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ended_at = DateTimeLocalField("終了日時", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    places = TextAreaField("場所（1行に1か所）", validators=[Optional(), Length(max=2000)])
    methods = MultiCheckboxField("実施手法", choices=choice_list(values.METHODS.items()))
    attendees = TextAreaField("出席者（監査対象課）", validators=[Optional(), Length(max=2000)])
    base = HiddenField()

    def validate_ended_at(self, field):
        if field.data and self.started_at.data and field.data < self.started_at.data:
            raise ValidationError("終了日時は開始日時より後にしてください。")


class TopicForm(Form):
    title = StringField("監査項目", validators=[DataRequired(REQUIRED), Length(max=200)])


class CheckForm(Form):
    result = RadioField("確認結果", choices=choice_list(values.RESULT_LABELS.items()),
                        validators=[InputRequired("確認結果を選んでください。")])
    note = TextAreaField("確認した内容・備考", validators=[Optional(), Length(max=4000)])
    topic_id = SelectField("監査項目", coerce=str)
    revision = HiddenField()


class NotesForm(Form):
    interview_notes = TextAreaField("聴き取り調査の記録", validators=[Optional(), Length(max=20000)])
    department_id = HiddenField()
    base = HiddenField()


class FindingForm(Form):
    title = TextAreaField("指摘の内容（見受けられた事実）", validators=[DataRequired(REQUIRED), Length(max=2000)])
    clause = StringField("関係する条項・規程", validators=[Optional(), Length(max=200)])
    severity = RadioField("重要度", choices=choice_list(values.SEVERITY_LABELS.items()), default=values.MEDIUM,
                          validators=[InputRequired("重要度を選んでください。")])
    request_kind = RadioField("区分", choices=choice_list(values.REQUEST_KIND_LABELS.items()),
                              default=values.REQUEST_IMPROVEMENT, validators=[InputRequired("区分を選んでください。")])
    request = TextAreaField("課に求める対応", validators=[DataRequired(REQUIRED), Length(max=2000)])
    # 要望 only: how its sentence ends (findings._validate refuses a 要望 without one)
    wish_ending = RadioField("要望の結び（要望のとき）", choices=choice_list(
        (k, f"…{label}") for k, label in values.WISH_ENDING_LABELS.items()), default=values.DEFAULT_WISH_ENDING,
        validators=[Optional()])
    # 改善を求める事項 only (it becomes a corrective action with this deadline); a 要望 has none
    due_date = DateField("改善の期限（改善を求める事項のとき）", validators=[Optional()])
    # shown only for an audit of several 課 (and not when editing); findings.finding_department validates it
    department_id = SelectField("指摘する課", coerce=str, validate_choice=False)
    topic_id = SelectField("監査項目", coerce=str)
    # not shown when editing (a finding keeps its item); on creation findings.finding_department checks it
    check_id = SelectField("関係する点検項目", coerce=str, validate_choice=False)
    base = HiddenField()        # editing.fingerprint of the finding as the edit form was loaded


class ProseForm(Form):
    theme = TextAreaField("１ 監査の観点", validators=[Optional(), Length(max=8000)])
    selection_reason = TextAreaField("３ 監査対象課の選定理由", validators=[Optional(), Length(max=8000)])
    conclusion = TextAreaField("５ 監査の結果（総括）", validators=[Optional(), Length(max=8000)])
    closing = TextAreaField("６ 終わりに", validators=[Optional(), Length(max=8000)])
    base = HiddenField()


class ReportOptionsForm(Form):
    """What the 監査報告書 prints beside its body (saved with the audit)."""
    report_number = StringField("報告資料の番号（題名の上に印字します。例: 報告資料Ｎｏ．６－２。空欄なら印字しません）",
                                validators=[Optional(), Length(max=60)])
    show_annex = BooleanField("別表（監査項目ごとの確認結果）を付ける")
    show_findings = BooleanField("指摘事項の一覧を付ける")


class CoverForm(Form):
    """The cover 報告's own number lines, sent with the download (GET: nothing is stored, so no CSRF token)."""
    class Meta:
        csrf = False

    material = StringField("表紙の報告資料の番号（例: 報告資料Ｎｏ．６－１。空欄なら印字しません）",
                           validators=[Optional(), Length(max=60, message="報告資料の番号は60文字以内にしてください。")])
    number = StringField("報告第N号の N（空欄なら印字しません）", validators=[Optional()])

    def validate_number(self, field):
        if parse_int(field.data, 1, NUMBER_MAX) is None:
            raise ValidationError(f"報告第N号の N は 1〜{NUMBER_MAX} の半角数字にしてください。")

    def number_value(self) -> int | None:
        return parse_int(self.number.data, 1, NUMBER_MAX) if self.number.data else None


class IssueForm(Form):
    issued_on = DateField("発行日（空欄なら今日）", validators=[Optional()])
    reason = TextAreaField("発行日を今日以外にする理由（操作の記録にだけ残ります）", validators=[Optional(), Length(max=1000)])
    override_reason = TextAreaField("回答のない課があるまま発行する理由（監査責任者のみ。操作の記録にだけ残ります）",
                                    validators=[Optional(), Length(max=1000)])


class SendForm(Form):
    reply_due = DateField("事実確認の回答期限", validators=[DataRequired("回答期限を入力してください。")])


class CommentForm(Form):
    body = TextAreaField("事実確認の意見", validators=[DataRequired(REQUIRED), Length(max=4000)])


class RespondForm(Form):
    response = TextAreaField("回答", validators=[DataRequired(REQUIRED), Length(max=4000)])


class ActionSubmitForm(Form):
    response = TextAreaField("実施した改善の内容", validators=[DataRequired(REQUIRED), Length(max=8000)])
    revision = HiddenField()    # the corrective action's revision when the page was opened


class ReviewForm(Form):
    comment = TextAreaField("確認の所見・追加で求める対応", validators=[Optional(), Length(max=4000)])
    due_date = DateField("新しい期限（追加対応を求める場合、任意）", validators=[Optional()])
    revision = HiddenField()


class EvidenceForm(Form):
    file = FileField("ファイル（写真・資料）", validators=[FileRequired("ファイルを選んでください。")])
    note = StringField("説明", validators=[Optional(), Length(max=200)])
