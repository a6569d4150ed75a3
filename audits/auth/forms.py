from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from .service import password_problem
from ..forms import Form


class LoginForm(Form):
    username = StringField("利用者ID", validators=[DataRequired("利用者IDを入力してください。"), Length(max=100)])
    password = PasswordField("パスワード", validators=[DataRequired("パスワードを入力してください。")])


class NewPasswordMixin:
    new_password = PasswordField("新しいパスワード", validators=[DataRequired("新しいパスワードを入力してください。")])
    confirm = PasswordField("新しいパスワード（確認）", validators=[
        DataRequired("確認のためもう一度入力してください。"),
        EqualTo("new_password", "確認用のパスワードが一致しません。")])

    def validate_new_password(self, field):
        if problem := password_problem(field.data or ""):
            raise ValidationError(problem)


class PasswordChangeForm(NewPasswordMixin, Form):
    current_password = PasswordField("現在のパスワード", validators=[DataRequired("現在のパスワードを入力してください。")])
