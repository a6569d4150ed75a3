"""Forms of the checklist screens: item filters (GET), the 課 picker (GET), the import upload and its confirmation."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from checklists import loader

from ..departments.service import profile_tags
from ..forms import FilterForm, Form, choice_list
from . import service


class ItemFilterForm(FilterForm):
    text = StringField("キーワード", validators=[Length(max=200)])
    source = StringField("根拠（条項）", validators=[Length(max=100)])
    tag = SelectField("タグ", coerce=str, validate_choice=False)
    severity = SelectField("重要度", coerce=str, validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag.choices = choice_list(
            [("", "すべて"), (service.NO_TAG, "全課共通（タグなし）")]
            + [(t.id, t.label) for t in profile_tags().values()])
        self.severity.choices = choice_list([("", "すべて")] + list(loader.SEVERITY_LABELS.items()))

    def item_filter(self) -> service.ItemFilter:
        tags = {t for t in profile_tags()} | {service.NO_TAG}
        return service.ItemFilter(
            text=(self.text.data or "").strip()[:200],
            source=(self.source.data or "").strip()[:100],
            tag=self.tag.data if self.tag.data in tags else "",
            severity=self.severity.data if self.severity.data in loader.SEVERITIES else "",
        )


class DepartmentPickForm(FilterForm):
    department = SelectField("課", coerce=str, validate_choice=False)


class ChecklistImportForm(Form):
    file = FileField("チェックリストのファイル（YAML・TOML 又は Excel）", validators=[
        FileRequired("ファイルを選んでください。"),
        FileAllowed(["yaml", "yml", "toml", "xlsx"],
                    "YAML（.yaml / .yml）、TOML（.toml）又は Excel（.xlsx）のファイルを選んでください。")])


class ChecklistImportConfirmForm(Form):
    """The second step of an import: the checklist as previewed (canonical JSON), validated again on submit."""
    content = HiddenField(validators=[DataRequired(), Length(max=2_000_000)])
    name = HiddenField(validators=[Length(max=300)])
    content_hash = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
