"""和暦 for reports: era and year from japanera, full-width digits, weekday, 午前/午後, 年度."""
from __future__ import annotations

from datetime import date

from audits.wareki import (fiscal_year_of, hankaku, holiday_name, is_holiday, nendo, wareki_date, wareki_datetime,
                           wareki_month, wareki_span, wareki_time, zenkaku)


def test_date_with_weekday_and_full_width_digits():
    assert wareki_date("2025-02-26") == "令和７年２月２６日（水）"
    assert wareki_date(date(2025, 2, 26), weekday=False) == "令和７年２月２６日"


def test_time_and_span_as_in_the_model_report():
    assert wareki_time("2025-02-26T15:00:00+09:00") == "午後３時００分"
    assert wareki_time("2025-02-26T09:05:00+09:00") == "午前９時０５分"
    assert wareki_time("2025-02-26T12:30:00") == "午後０時３０分"
    assert wareki_span("2025-02-26T15:00:00+09:00", "2025-02-26T16:20:00+09:00") == \
        "令和７年２月２６日（水）午後３時００分から午後４時２０分まで"
    assert wareki_span("2025-02-26T15:00", "2025-02-27T10:00") == \
        "令和７年２月２６日（水）午後３時００分から令和７年２月２７日（木）午前１０時００分まで"
    assert wareki_datetime("2025-02-26T15:00") == "令和７年２月２６日（水）午後３時００分"


def test_era_boundary_and_first_year():
    assert wareki_date("2019-04-30") == "平成３１年４月３０日（火）"
    assert wareki_date("2019-05-01") == "令和元年５月１日（水）"


def test_nendo_labels():
    assert nendo(2025) == "令和７年度"
    assert nendo(2019) == "令和元年度"
    assert nendo(2018) == "平成３０年度"
    assert fiscal_year_of("2025-02-26") == 2024
    assert fiscal_year_of("2025-04-01") == 2025


def test_holidays_from_jpholiday():
    assert is_holiday("2025-01-01") and holiday_name("2025-01-01") == "元日"
    assert is_holiday("2025-03-01")          # a Saturday
    assert not is_holiday("2025-02-26")


def test_zenkaku():
    assert zenkaku("2025年") == "２０２５年"


def test_months_and_the_digit_style_each_medium_asks_for():
    assert wareki_month("2024-08-05") == "令和６年８月"
    assert wareki_month("2019-05-20") == "令和元年５月"
    assert wareki_month("2017-12-01", digits=hankaku) == "平成29年12月"
    assert wareki_date("2025-09-30", digits=hankaku) == "令和7年9月30日（火）"
    assert nendo(2019, digits=hankaku) == "令和元年度"
