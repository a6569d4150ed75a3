"""Forms of the incident register; each field's error is shown next to it and what was typed is kept."""
from __future__ import annotations

from wtforms import (BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..audit.cover import NUMBER_MAX
from ..forms import Form, MultiCheckboxField, choice_list
from . import judgement, values

REQUIRED = "入力してください。"
NO_NAMES = "氏名など、本人が分かることは書かないでください（件数と項目だけを記録します）。"


def _text(label: str, max_length: int = 4000) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=max_length)], description=NO_NAMES)


# The form's date fields (stored as ISO dates).
DATE_FIELDS = ("occurred_on", "preliminary_reported_on", "final_reported_on", "notified_on", "council_reported_on")


class IncidentForm(Form):
    title = StringField("件名（「…について」の「…」）", validators=[DataRequired(REQUIRED), Length(max=200)],
                        description="例: 個人情報を含む文書の誤送信による漏えいのおそれ。" + NO_NAMES)
    department_ids = SelectMultipleField("課（共同の事案は複数選べます）", coerce=int,
                                         validators=[DataRequired("課を1つ以上選んでください。")])
    kind = SelectField("事案の種類", choices=choice_list(values.KINDS.items()),
                       validators=[InputRequired("種類を選んでください。")])
    occurred_on = DateField("発生日", validators=[Optional()])
    occurred_unknown = BooleanField("発生日は不明")
    discovered_at = DateTimeLocalField("覚知日時", format="%Y-%m-%dT%H:%M",
                                       validators=[InputRequired("覚知日時を入力してください。")])
    discovery_how = _text("覚知の経緯（どのように知ったか）", 2000)
    medium = StringField("媒体・経路", validators=[Optional(), Length(max=200)],
                         description="例: ファクシミリ、紙の申請書、電子メール、ＵＳＢメモリ")
    persons = IntegerField("本人の数", validators=[Optional(), NumberRange(min=0, message="0以上の数を入力してください。")],
                           description="分からなければ空欄（判定の第4号は未確定になります）")
    persons_estimated = BooleanField("概数")
    persons_or_more = BooleanField("以上")
    items = _text("個人情報の項目", 2000)
    sensitive = BooleanField("要配慮個人情報を含む（法第2条第3項）")
    ordinance_sensitive = BooleanField("条例要配慮個人情報を含む")
    mynumber = BooleanField("特定個人情報（個人番号）を含む")
    property_damage = BooleanField("不正に利用されると財産的被害が生じるおそれがある")
    wrongful_purpose = BooleanField("不正の目的をもって行われたおそれがある")
    summary = _text("事案の概要")
    secondary_harm = _text("二次被害又はそのおそれの有無及びその内容")
    cause = _text("発生の原因")
    prevention = _text("再発防止策")
    response_to_persons = _text("本人への対応")
    publication = _text("公表の実施状況", 2000)
    preliminary_reported_on = DateField("速報を報告した日", validators=[Optional()])
    final_reported_on = DateField("確報を報告した日", validators=[Optional()])
    notified_on = DateField("本人通知又は公表をした日", validators=[Optional()])
    council_reported_on = DateField("審議会に報告した日", validators=[Optional()])
    council_report_number = IntegerField("審議会への報告の番号（報告第N号の N）", validators=[
        Optional(), NumberRange(min=1, max=NUMBER_MAX, message=f"1〜{NUMBER_MAX} の数を入力してください。")],
        description="監査報告書の表紙の報告に「※…報告内容については、…（令和N年M月D日付報告第N号）のとおり」と書きます。")
    notice_kind = SelectField("本人への対応の方法", choices=choice_list([("", "（未実施）"), *values.NOTICE_KINDS.items()]),
                              validators=[Optional()])
    revision = HiddenField()

    def validate_occurred_unknown(self, field):
        # Here rather than on occurred_on, whose Optional() ends its checks when it is empty.
        if field.data and self.occurred_on.data:
            raise ValidationError("発生日を入れたときは「発生日は不明」を外してください。")
        if not field.data and not self.occurred_on.data and not self.occurred_on.errors:
            raise ValidationError("発生日を入力するか、「発生日は不明」を選んでください。")

    def validate_notice_kind(self, field):
        if self.notified_on.data and not field.data:
            raise ValidationError("本人通知又は公表をした日を入れたときは、その方法を選んでください。")

    def record_values(self) -> dict:
        """The columns service.create/update write, from the validated form."""
        data = {name: getattr(self, name).data for name in (
            "title", "kind", "discovery_how", "medium", "persons", "items", "summary", "secondary_harm", "cause",
            "prevention", "response_to_persons", "publication", "council_report_number")}
        for name in ("discovery_how", "medium", "items", "summary", "secondary_harm", "cause", "prevention",
                     "response_to_persons", "publication"):
            data[name] = (data[name] or "").strip()
        for name in ("persons_estimated", "persons_or_more", "sensitive", "ordinance_sensitive", "mynumber",
                     "property_damage", "wrongful_purpose"):
            data[name] = int(bool(getattr(self, name).data))
        for name in DATE_FIELDS:
            value = getattr(self, name).data
            data[name] = value.isoformat() if value else None
        data["discovered_at"] = self.discovered_at.data.isoformat(timespec="minutes")
        data["notice_kind"] = self.notice_kind.data or None
        return data


class EventForm(Form):
    on_date = DateField("日付", validators=[InputRequired("日付を入力してください。")])
    at_time = TimeField("時刻（分かれば）", validators=[Optional()])
    text = TextAreaField("経過", validators=[DataRequired(REQUIRED), Length(max=2000)], description=NO_NAMES)


class JudgementForm(Form):
    clauses = MultiCheckboxField("該当する号（施行規則第43条）", coerce=int,
                                 choices=choice_list((n, judgement.clause_label(n)) for n in judgement.CLAUSES))
    mynumber_report = SelectField("番号法に基づく報告", choices=choice_list(
        [("", "特定個人情報を含まない"), ("1", "報告の対象とする"), ("0", "報告の対象としない")]),
        validators=[Optional()])
    reason = TextAreaField("判定の理由", validators=[DataRequired("判定の理由を入力してください。"), Length(max=4000)])


class MeasureForm(Form):
    """A 再発防止策 registered as a corrective action (改善措置) of one of the incident's 課."""
    measure = TextAreaField("再発防止策", validators=[DataRequired("再発防止策の内容を入力してください。"),
                                                 Length(max=2000)], description=NO_NAMES)
    department_id = SelectField("実施する課", coerce=int, validators=[InputRequired("課を選んでください。")])
    due_date = DateField("期限", validators=[InputRequired("期限を入力してください。")])


class ItemLinkForm(Form):
    """The checklist items whose failure caused the incident, as item ids (「G-04-06, G-08-05」)."""
    item_ids = StringField("原因となった点検項目（項目番号、複数は「、」又は「,」で区切る）",
                           validators=[Optional(), Length(max=1000)],
                           description="例: G-04-06、G-08-05。空にすると関連付けを外します。")
