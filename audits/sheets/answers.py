"""Answer rules: what a value means on an item's scale, and what an answer must contain.

`evaluate()` turns a raw value into the category used everywhere (the keys of summary/scoring.py:
done / partial / not_done / na); `validate()` lists what is missing, field by field, in Japanese.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from datetime import date

from ..catalogue import service as catalogue
from ..summary.scoring import DONE, NOT_APPLICABLE, NOT_DONE, PARTIAL

GAP_CATEGORIES = frozenset({PARTIAL, NOT_DONE})
# Evidence is owed only by an answer that claims the measure is done: 課題あり / 未実施 owe an
# 改善予定 instead, and 該当しない owes its reason.
EVIDENCE_CATEGORIES = frozenset({DONE})
ANSWER_FIELDS = ("value", "detail", "na_reason", "plan_action", "plan_due", "plan_owner", "evidence_note")
TEXT_LIMIT = 4000


NUMBER_TEXT = re.compile(r"[-+]?[0-9０-９,，]*[.．]?[0-9０-９]+")   # no exponent, inf or nan
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value) -> str:
    """Form text as stored: line ends unified, control characters (never typed by people) removed."""
    return CONTROL_CHARACTERS.sub("", str(value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


@dataclass
class AnswerInput:
    value: str = ""
    detail: str = ""
    na_reason: str = ""
    plan_action: str = ""
    plan_due: str = ""
    plan_owner: str = ""
    evidence_note: str = ""

    @classmethod
    def from_mapping(cls, data) -> "AnswerInput":
        """A posted form. On a date or number item the radio `value_option` (「実施していない」 …)
        answers instead of the typed `value` when it is chosen."""
        values = {f: clean_text(data.get(f)) for f in ANSWER_FIELDS}
        values["value"] = clean_text(data.get("value_option")) or values["value"]
        return cls(**values)

    def as_dict(self) -> dict:
        return {f: getattr(self, f) for f in ANSWER_FIELDS}


@dataclass
class Evaluation:
    category: str | None
    errors: dict[str, str] = field(default_factory=dict)


def scale_of(item: dict):
    return catalogue.scale(item["scale"])


def unit_of(item: dict) -> str:
    return item.get("unit") or scale_of(item).unit or ""


def evidence_owed(item: dict, category: str | None) -> bool:
    """Whether an answer in `category` must carry at least one evidence file to be submitted."""
    return bool(item["evidence_required"]) and category in EVIDENCE_CATEGORIES


def display_value(item: dict, value: str | None, *, date_text: Callable[[str], str] = str) -> str:
    """The answer as a person reads it: the option label, a date (ISO unless `date_text` writes it, as screens
    do in 和暦), or a number with its unit."""
    if value in (None, ""):
        return ""
    scale = scale_of(item)
    option = scale.option(value)
    if option is not None:
        return option.label
    if scale.kind == "choice":
        return value
    if scale.kind == "number":
        return f"{value} {unit_of(item)}".strip()
    if scale.kind == "date":
        try:
            return date_text(value)
        except ValueError:
            return value
    return value


def _parse_number(text: str) -> float:
    if not NUMBER_TEXT.fullmatch(text.strip()):
        raise ValueError(text)
    return float(text.replace(",", "").replace("，", "").translate(str.maketrans("０１２３４５６７８９．", "0123456789.")))


def evaluate(item: dict, value: str, *, today: date) -> Evaluation:
    """Category of `value` on the item's scale (None when unanswered), or the error."""
    if value == "":
        return Evaluation(None)
    scale = scale_of(item)
    expect = item.get("expect") or {}
    option = scale.option(value)     # on a date or number scale: an answer given instead of a value
    if option is not None:
        return Evaluation(option.category)
    if scale.kind == "choice":
        return Evaluation(None, {"value": "回答は選択肢から選んでください。"})
    never = "".join(f"「{o.label}」" for o in scale.options if o.category == NOT_DONE)
    if scale.kind == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return Evaluation(None, {"value": "日付を YYYY-MM-DD の形で入力してください（例: 2025-06-30）。"
                                     + (f"実施していない場合は{never}を選んでください。" if never else "")})
        if day > today:
            return Evaluation(None, {"value": "未来の日付は入力できません。実施した日を入力してください。"
                                     + (f"まだ実施していない場合は{never}を選んでください。" if never else "")})
        within = expect.get("within_days")
        category = DONE if within is None or (today - day).days <= within else PARTIAL
        return Evaluation(category)
    try:
        number = _parse_number(value)
    except ValueError:
        return Evaluation(None, {"value": "数値を入力してください。"
                                 + (f"数を把握していない場合は{never}を選んでください。" if never else "")})
    if scale.min is not None and number < scale.min or scale.max is not None and number > scale.max:
        return Evaluation(None, {"value": f"{scale.min}〜{scale.max} の範囲で入力してください。"
                                 if scale.max is not None else f"{scale.min} 以上の数値を入力してください。"})
    if item.get("measurement"):
        return Evaluation(DONE)      # the figure is known: information, not a judgment (FORMAT.md)
    ok = True
    if "at_least" in expect and number < expect["at_least"]:
        ok = False
    if "at_most" in expect and number > expect["at_most"]:
        ok = False
    return Evaluation(DONE if ok else PARTIAL)


def normalise_value(item: dict, value: str) -> str:
    if value and scale_of(item).kind == "number" and scale_of(item).option(value) is None:
        number = _parse_number(value)
        return str(int(number)) if number == int(number) else str(number)
    return value


def validate(item: dict, answer: AnswerInput, *, today: date, stored_plan_due: str | None = None) -> Evaluation:
    """Check an answer before it is saved: every problem, keyed by field.

    A plan date must not lie in the past when it is set or changed; an unchanged one is kept."""
    result = evaluate(item, answer.value, today=today)
    errors = dict(result.errors)
    if not answer.value and not errors:
        errors["value"] = "回答を選んでください（該当しない場合は「該当しない」を選び、理由を記入してください）。"
    for name in ANSWER_FIELDS:
        if len(getattr(answer, name)) > TEXT_LIMIT:
            errors[name] = f"{TEXT_LIMIT}文字以内で入力してください。"
    category = result.category
    if category == NOT_APPLICABLE:
        if not answer.na_reason:
            errors["na_reason"] = "該当しない理由を記入してください。"
    elif category is not None and not answer.detail:
        errors["detail"] = "具体的な実施内容（誰が、いつ、何を、どの記録で）を記入してください。"
    if category in GAP_CATEGORIES:
        if not answer.plan_action:
            errors["plan_action"] = "課題がある場合は、改善予定の内容を記入してください。"
        if not answer.plan_owner:
            errors["plan_owner"] = "改善の担当（係・職名）を記入してください。"
        if not answer.plan_due:
            errors["plan_due"] = "改善の期限を入力してください。"
        else:
            try:
                if date.fromisoformat(answer.plan_due) < today and answer.plan_due != stored_plan_due:
                    errors["plan_due"] = "改善の期限には今日以降の日付を入力してください。"
            except ValueError:
                errors["plan_due"] = "期限を YYYY-MM-DD の形で入力してください。"
    return Evaluation(category, errors)
