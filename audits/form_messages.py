"""wtforms' own error messages in Japanese (a field that cannot read what was typed, a missing choice …).

Flask-WTF translates them only through Flask-Babel, which this app does not use, so they reached users in English
(「Not a valid integer value.」). `Form.Meta.get_translations` (audits/forms.py) returns `MESSAGES`; a message a
feature writes itself is passed by its validator and never comes here."""
from __future__ import annotations

from wtforms.i18n import get_translations

_JAPANESE: dict[str, str] = {
    "This field is required.": "入力してください。",
    "Not a valid integer value.": "整数（半角数字）で入力してください。",
    "Not a valid decimal value.": "数値（半角数字）で入力してください。",
    "Not a valid float value.": "数値（半角数字）で入力してください。",
    "Not a valid date value.": "日付を正しく入力してください（例: 2025-09-30）。",
    "Not a valid datetime value.": "日時を正しく入力してください（例: 2025-09-30 10:00）。",
    "Not a valid time value.": "時刻を正しく入力してください（例: 10:00）。",
    "Not a valid week value.": "週を正しく入力してください。",
    "Not a valid choice.": "選択肢から選んでください。",
    "Invalid Choice: could not coerce.": "選択肢から選んでください。",
    "Choices cannot be None.": "選択肢がありません。",
    "Field must be between %(min)d and %(max)d characters long.": "%(min)d文字以上%(max)d文字以内で入力してください。",
    "Invalid input.": "入力を確認してください。",
    "Invalid email address.": "メールアドレスを正しく入力してください。",
    "Invalid URL.": "URL を正しく入力してください。",
    "Number must be at least %(min)s.": "%(min)s以上の数を入力してください。",
    "Number must be at most %(max)s.": "%(max)s以下の数を入力してください。",
    "Number must be between %(min)s and %(max)s.": "%(min)s以上%(max)s以下の数を入力してください。",
    "Date must be at least %(min)s.": "%(min)s以降の日付を入力してください。",
    "Date must be at most %(max)s.": "%(max)s以前の日付を入力してください。",
    "Date must be between %(min)s and %(max)s.": "%(min)sから%(max)sまでの日付を入力してください。",
    "Field must be equal to %(other_name)s.": "%(other_name)sと同じ内容を入力してください。",
    "This field is disabled and cannot have a value.": "この欄は入力できません。",
    "This field cannot be edited.": "この欄は変更できません。",
    "CSRF token missing.": "画面の有効期限が切れました。画面を開き直してから、もう一度操作してください。",
    "CSRF failed.": "画面の有効期限が切れました。画面を開き直してから、もう一度操作してください。",
    "CSRF token expired.": "画面の有効期限が切れました。画面を開き直してから、もう一度操作してください。",
    "Invalid CSRF Token.": "画面の有効期限が切れました。画面を開き直してから、もう一度操作してください。",
}
_PLURAL: dict[str, str] = {
    "Field must be at least %(min)d character long.": "%(min)d文字以上で入力してください。",
    "Field cannot be longer than %(max)d character.": "%(max)d文字以内で入力してください。",
    "Field must be exactly %(max)d character long.": "%(max)d文字で入力してください。",
    "'%(value)s' is not a valid choice for this field.": "「%(value)s」は選べません。選択肢から選んでください。",
}


class _Messages:
    """gettext/ngettext as wtforms calls them: our wording first, then wtforms' own Japanese catalogue."""

    def __init__(self):
        self._fallback = get_translations(["ja_JP", "ja"])

    def gettext(self, string: str) -> str:
        return _JAPANESE.get(string) or self._fallback.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _PLURAL.get(singular) or _PLURAL.get(plural) or self._fallback.ngettext(singular, plural, n)


MESSAGES = _Messages()
