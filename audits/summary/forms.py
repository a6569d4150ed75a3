"""The dashboard's GET filter: 年度, 部, profile tag and the order of the 課 table."""
from __future__ import annotations

from wtforms import SelectField

from ..forms import FilterForm, choice_list
from .queries import SORT_KEYS


class SummaryFilterForm(FilterForm):
    year = SelectField("年度", coerce=str)
    bureau = SelectField("部", coerce=str)
    tag = SelectField("タグ", coerce=str)
    sort = SelectField("課の並べ順", coerce=str)


class DepartmentYearForm(FilterForm):
    year = SelectField("年度", coerce=str)
    department = SelectField("課", coerce=str)


def year_choices(years: list[int], current: int):
    from ..screen_dates import nendo_text

    shown = sorted(set(years) | {current}, reverse=True)
    return choice_list([(y, nendo_text(y)) for y in shown])


def sort_choices():
    return choice_list(list(SORT_KEYS.items()))
