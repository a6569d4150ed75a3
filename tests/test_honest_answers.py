"""Every item can be answered truthfully and the sheet still submitted: a date never done, a figure
not kept, a 評価書 section that does not exist. Evidence is owed only by answers that claim 実施."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from builders_selfcheck import item, load, sheet_id, user

from audits.sheets import service
from audits.sheets.answers import AnswerInput, evaluate, evidence_owed
from audits.summary.scoring import DONE, NOT_APPLICABLE, NOT_DONE, PARTIAL
from checklists.loader import ChecklistError, load_vocabulary

TODAY = date(2026, 1, 15)
PLAN = {"plan_action": "操作ログの確認手順を定め、毎月確認して記録する。", "plan_due": (date.today() + timedelta(days=120)).isoformat(),
        "plan_owner": "管理係長"}


def _item(scale: str, **extra) -> dict:
    return {"scale": scale, "expect": extra.pop("expect", None), "evidence_required": 1, **extra}


@pytest.mark.parametrize("scale, value, category", [
    ("date", "never", NOT_DONE),
    ("date", "na", NOT_APPLICABLE),
    ("count", "unknown", NOT_DONE),
    ("percent", "unknown", NOT_DONE),
    ("percent", "na", NOT_APPLICABLE),
    ("pia", "not_done", NOT_DONE),
    ("pia", "na", NOT_APPLICABLE),
    ("pia", "sufficient", DONE),
])
def test_every_scale_offers_a_truthful_negative(scale, value, category):
    expect = {"date": {"within_days": 35}, "count": {"at_most": 0}, "percent": {"at_least": 100}}.get(scale)
    assert evaluate(_item(scale, expect=expect), value, today=TODAY).category == category


def test_a_future_date_is_refused_and_the_message_names_the_honest_answer():
    result = evaluate(_item("date", expect={"within_days": 35}), "2026-02-01", today=TODAY)
    assert result.category is None
    assert "「実施していない（一度も行っていない）」" in result.errors["value"]


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e999", "1e3", "12a"])
def test_a_number_must_be_written_as_a_plain_number(text):
    result = evaluate(_item("count", expect={"at_most": 0}), text, today=TODAY)
    assert result.category is None and "「把握していない」" in result.errors["value"]


def test_a_measurement_item_reports_a_figure_without_judging_it():
    measured = _item("count", measurement=1)
    assert evaluate(measured, "3", today=TODAY).category == DONE
    assert evaluate(measured, "0", today=TODAY).category == DONE
    assert evaluate(measured, "unknown", today=TODAY).category == NOT_DONE
    judged = _item("count", expect={"at_most": 0})
    assert evaluate(judged, "3", today=TODAY).category == PARTIAL


@pytest.mark.parametrize("category, owed", [(DONE, True), (PARTIAL, False), (NOT_DONE, False),
                                            (NOT_APPLICABLE, False), (None, False)])
def test_evidence_is_owed_only_by_an_answer_claiming_the_measure_is_done(category, owed):
    assert evidence_owed({"evidence_required": 1}, category) is owed
    assert evidence_owed({"evidence_required": 0}, category) is False


def test_builtin_measurement_items(db):
    sheet = load(db, sheet_id(db, "shimin", "mynumber"))
    for item_id in ("M-06-03", "M-08-03"):
        row = item(db, sheet, item_id)
        assert row["measurement"] == 1 and row["expect"] is None


def _honest_answer(row: dict) -> AnswerInput:
    """The negative answer of the item's scale, with the 改善予定 it owes."""
    negative = {"implementation": "not_done", "pia": "not_done", "date": "never"}.get(row["scale"], "unknown")
    return AnswerInput(value=negative, detail="これまで一度も行っていない。", **PLAN)


def test_a_sheet_answered_with_honest_negatives_and_no_files_can_be_submitted(db):
    sheet = load(db, sheet_id(db, "kenko"))          # answered 60 %, overdue
    staff = user(db, "kenko.staff")
    for section in service.sheet_items(db, sheet):
        for entry in section.items:
            if entry.applies and not entry.answered:
                service.save_answer(db, sheet, entry.item, _honest_answer(entry.item), base_revision=0, user=staff)
    assert service.completeness(db, load(db, sheet["id"])) == []
    service.transition(db, load(db, sheet["id"]), "submit", staff)
    assert load(db, sheet["id"])["status"] == "submitted"


def test_a_required_file_is_still_owed_by_a_done_answer(db):
    sheet = load(db, sheet_id(db, "kenko"))
    staff = user(db, "kenko.staff")
    row = next(e.item for s in service.sheet_items(db, sheet) for e in s.items
               if e.applies and not e.answered and e.item["evidence_required"] and e.item["scale"] == "implementation")
    service.save_answer(db, sheet, row, AnswerInput(value="done", detail="毎月確認している。"), base_revision=0,
                        user=staff)
    problems = [p for p in service.completeness(db, load(db, sheet["id"])) if p.item_id == row["item_id"]]
    assert [p.message for p in problems] == ["証跡（必須）が添付されていません"]


def _date_item_with_evidence(db, sheet) -> dict:
    return next(e.item for s in service.sheet_items(db, sheet) for e in s.items
                if e.applies and not e.answered and e.item["scale"] == "date" and e.item["evidence_required"])


def test_the_form_answers_a_date_item_never_done(client, auth, db):
    sid = sheet_id(db, "kenko")
    sheet = load(db, sid)
    row = _date_item_with_evidence(db, sheet)
    auth.login("kenko.staff")
    html = client.get(f"/sheets/{sid}?item={row['item_id']}").get_data(as_text=True)
    assert 'name="value_option" value="never"' in html
    response = auth.post(f"/sheets/{sid}/items/{row['item_id']}",
                         {"value_option": "never", "value": "", "revision": "0", "detail": "確認したことがない。", **PLAN})
    assert response.status_code == 302
    saved = db.execute("SELECT value, category FROM answers WHERE sheet_id = ? AND item_id = ?",
                       [sid, row["item_id"]]).fetchone()
    assert tuple(saved) == ("never", NOT_DONE)
    html = client.get(f"/sheets/{sid}?item={row['item_id']}").get_data(as_text=True)
    article = html[html.index(f'id="item-{row["item_id"]}"'):]
    article = article[:article.index("</article>")]
    assert "実施していない（一度も行っていない）" in article
    assert "証跡必須" not in article and "まだ添付されていません" not in article


def test_a_negative_without_its_plan_is_refused_and_keeps_the_choice(client, auth, db):
    sid = sheet_id(db, "kenko")
    row = _date_item_with_evidence(db, load(db, sid))
    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{sid}/items/{row['item_id']}",
                         {"value_option": "never", "value": "", "revision": "0", "detail": "未確認"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "改善予定の内容を記入してください" in html
    assert 'value="never" checked' in html


def test_an_item_the_profile_excludes_never_shows_evidence_required(client, auth, db):
    sid = sheet_id(db, "kenko")
    auth.login("kenko.staff")
    html = client.get(f"/sheets/{sid}?section=all").get_data(as_text=True)
    for article in html.split("<article")[1:]:
        if "not-applicable" in article.split(">")[0]:
            assert "証跡必須" not in article


def test_excel_carries_the_negative_both_ways(client, auth, db):
    from io import BytesIO

    import openpyxl

    sid = sheet_id(db, "kenko")
    sheet = load(db, sid)
    row = _date_item_with_evidence(db, sheet)
    auth.login("kenko.staff")
    workbook = openpyxl.load_workbook(BytesIO(client.get(f"/sheets/{sid}/export.xlsx").data))
    ws = workbook.active
    line = next(r for r in ws.iter_rows(min_row=1) if r[0].value == row["item_id"])
    line[5].value = "実施していない（一度も行っていない）"
    for column, text in ((8, PLAN["plan_action"]), (9, PLAN["plan_due"]), (10, PLAN["plan_owner"]),
                         (6, "確認したことがない。")):
        line[column].value = text
    buffer = BytesIO()
    workbook.save(buffer)
    response = auth.post(f"/sheets/{sid}/import", {"file": (BytesIO(buffer.getvalue()), "kenko.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
    saved = db.execute("SELECT value, category FROM answers WHERE sheet_id = ? AND item_id = ?",
                       [sid, row["item_id"]]).fetchone()
    assert tuple(saved) == ("never", NOT_DONE)
    again = openpyxl.load_workbook(BytesIO(client.get(f"/sheets/{sid}/export.xlsx").data)).active
    line = next(r for r in again.iter_rows(min_row=1) if r[0].value == row["item_id"])
    assert line[5].value == "実施していない（一度も行っていない）"


def _scales_with(tmp_path, extra: str):
    from checklists.files import BUILTIN_DIR

    for name in ("scales.yaml", "tags.yaml"):
        (tmp_path / name).write_text((BUILTIN_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    with open(tmp_path / "scales.yaml", "a", encoding="utf-8") as f:
        f.write(extra)
    return tmp_path


def test_an_option_of_a_date_scale_must_not_look_like_a_date(tmp_path):
    folder = _scales_with(tmp_path, "  - id: date2\n    label: 日付2\n    kind: date\n    options:\n"
                                    "      - {id: '2020', label: 実施していない, category: not_done}\n")
    with pytest.raises(ChecklistError, match="英字で始めて"):
        load_vocabulary(folder)
