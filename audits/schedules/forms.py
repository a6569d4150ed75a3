from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..bounds import YEAR_MAX, YEAR_MIN
from ..forms import Form, MultiCheckboxField, choice_list
from .service import TARGET_MODES


class ScheduleForm(Form):
    fiscal_year = IntegerField("年度（西暦。2025 = 令和7年度）", validators=[
        DataRequired("年度を入力してください。"), NumberRange(YEAR_MIN, YEAR_MAX, "年度は西暦4桁で入力してください。")])
    title = StringField("名称", validators=[DataRequired("名称を入力してください。"), Length(max=200)])
    open_date = DateField("開始日", validators=[DataRequired("開始日を入力してください。")])
    due_date = DateField("回答期限", validators=[DataRequired("回答期限を入力してください。")])
    versions = MultiCheckboxField("チェックリスト", coerce=int,
                                  validators=[DataRequired("チェックリストを1つ以上選んでください。")])
    target_mode = RadioField("対象課", choices=choice_list(TARGET_MODES.items()), default="all")
    target_tag = SelectField("プロファイル（「プロファイルで指定」の場合）", validators=[Optional()])
    departments = SelectMultipleField("課（「課を個別に指定」の場合）", coerce=int, validators=[Optional()])


class AddDepartmentForm(Form):
    department = SelectField("追加する課", coerce=int)
    due_date = DateField("この課の回答期限（空欄なら計画の期限）", validators=[Optional()])


class DueOverrideForm(Form):
    due_date = DateField("回答期限", validators=[Optional()])


class RemoveDepartmentForm(Form):
    confirmed = BooleanField("回答があっても対象から外す（回答は記録として残ります）")
