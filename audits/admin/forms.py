from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from .. import roles
from ..auth.forms import NewPasswordMixin
from ..auth.service import email_problem, password_problem
from ..forms import Form, MultiCheckboxField, choice_list


class UserForm(Form):
    username = StringField("利用者ID", validators=[
        DataRequired("利用者IDを入力してください。"), Length(max=50, message="利用者IDは50文字以内です。"),
        Regexp(r"^[A-Za-z0-9._-]+$", message="利用者IDは半角英数字と . _ - で入力してください。")])
    display_name = StringField("氏名", validators=[DataRequired("氏名を入力してください。"), Length(max=100)])
    email = StringField("メールアドレス", validators=[Optional()])
    roles = MultiCheckboxField("役割", choices=choice_list(roles.ROLE_LABELS.items()),
                               validators=[DataRequired("役割を1つ以上選んでください。")])
    departments = SelectMultipleField("所属する課（複数選択可）", coerce=str)
    password = PasswordField("初期パスワード", validators=[Optional()])
    confirm = PasswordField("初期パスワード（確認）", validators=[
        Optional(), EqualTo("password", "確認用のパスワードが一致しません。")])

    def validate_email(self, field):
        if field.data and (problem := email_problem(field.data)):
            raise ValidationError(problem)

    def validate_password(self, field):
        if field.data and (problem := password_problem(field.data)):
            raise ValidationError(problem)

    def validate_departments(self, field):
        if set(self.roles.data or []) & roles.DEPARTMENT_ROLES and not field.data:
            raise ValidationError("保護管理者・保護担当者には所属する課を1つ以上選んでください。")


class PasswordResetForm(NewPasswordMixin, Form):
    pass


class DepartmentForm(Form):
    code = StringField("課コード", validators=[
        DataRequired("課コードを入力してください。"),
        Regexp(r"^[A-Za-z0-9_-]{1,20}$", message="課コードは半角英数字・ハイフン・下線の20文字以内です。")])
    name = StringField("課名", validators=[DataRequired("課名を入力してください。"), Length(max=100)])
    bureau = SelectField("部", coerce=str, validators=[DataRequired("部を選んでください。")])
    tags = MultiCheckboxField("プロファイル（該当するものをすべて選択）", coerce=str)
    active = BooleanField("有効（点検の対象にする）", default=True)


class OrganisationImportForm(Form):
    file = FileField("組織図ファイル（CSV 又は Excel）", validators=[
        FileRequired("ファイルを選んでください。"),
        FileAllowed(["csv", "xlsx"], "CSV（.csv）又は Excel（.xlsx）のファイルを選んでください。")])


class BureauAgencyForm(Form):
    # the allowed values are checked by departments.set_bureau_agency (with a Japanese message)
    agency = SelectField("機関", coerce=str, validate_choice=False, validators=[DataRequired("機関を選んでください。")])
