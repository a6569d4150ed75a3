"""Answering items: rules by scale, required plans, history, and two people editing the same answer."""
from __future__ import annotations

from datetime import date

import pytest
from builders_selfcheck import load, sheet_id, unanswered_item, user

from audits.sheets import service
from audits.sheets.answers import AnswerInput
from audits.summary.scoring import DONE, PARTIAL

TODAY = date(2025, 8, 1)


@pytest.fixture
def kenko(db):
    return load(db, sheet_id(db, "kenko"))


def test_done_answer_needs_detail(db, kenko):
    target = unanswered_item(db, kenko)
    with pytest.raises(service.AnswerInvalid) as invalid:
        service.save_answer(db, kenko, target, AnswerInput(value="done"), base_revision=0,
                            user=user(db, "kenko.staff"), today=TODAY)
    assert "detail" in invalid.value.errors


def test_gap_needs_plan_what_when_who(db, kenko):
    target = unanswered_item(db, kenko)
    with pytest.raises(service.AnswerInvalid) as invalid:
        service.save_answer(db, kenko, target, AnswerInput(value="partial", detail="一部のみ実施"), base_revision=0,
                            user=user(db, "kenko.staff"), today=TODAY)
    assert set(invalid.value.errors) == {"plan_action", "plan_due", "plan_owner"}
    result = service.save_answer(db, kenko, target, AnswerInput(
        value="partial", detail="一部のみ実施", plan_action="手順書を改訂する", plan_due="2025-12-26",
        plan_owner="庶務係長"), base_revision=0, user=user(db, "kenko.staff"), today=TODAY)
    assert result.category == PARTIAL and result.revision == 1


def test_not_applicable_needs_reason(db, kenko):
    target = unanswered_item(db, kenko)
    with pytest.raises(service.AnswerInvalid) as invalid:
        service.save_answer(db, kenko, target, AnswerInput(value="na"), base_revision=0,
                            user=user(db, "kenko.staff"), today=TODAY)
    assert "na_reason" in invalid.value.errors


def test_date_item_older_than_expected_counts_as_gap(db):
    sheet = load(db, sheet_id(db, "shimin", "operations"))
    # Make the sheet editable again and find the log-review date item of 住基ネット.
    service.transition(db, sheet, "withdraw", user(db, "shimin.staff"), reason="修正のため")
    sheet = load(db, sheet["id"])
    date_item = next(db.query("SELECT * FROM checklist_items WHERE version_id = ? AND scale = 'date' "
                              "ORDER BY position LIMIT 1", [sheet["version_id"]]))
    from audits.catalogue.service import decode_item

    date_item = decode_item(date_item)
    current = db.execute("SELECT revision FROM answers WHERE sheet_id = ? AND item_pk = ?",
                         [sheet["id"], date_item["id"]]).fetchone()[0]
    old = service.save_answer(db, sheet, date_item, AnswerInput(
        value="2025-01-10", detail="確認した", plan_action="毎月確認する", plan_due="2025-09-30", plan_owner="係長"),
        base_revision=current, user=user(db, "shimin.staff"), today=TODAY)
    assert old.category == PARTIAL
    recent = service.save_answer(db, sheet, date_item, AnswerInput(value="2025-07-25", detail="確認した"),
                                 base_revision=old.revision, user=user(db, "shimin.staff"), today=TODAY)
    assert recent.category == DONE
    with pytest.raises(service.AnswerInvalid):
        service.save_answer(db, sheet, date_item, AnswerInput(value="2030-01-01", detail="x"),
                            base_revision=recent.revision, user=user(db, "shimin.staff"), today=TODAY)


def test_every_change_is_kept_in_history(db, kenko):
    target = unanswered_item(db, kenko)
    staff, manager = user(db, "kenko.staff"), user(db, "kenko.manager")
    first = service.save_answer(db, kenko, target, AnswerInput(value="done", detail="毎月確認"), base_revision=0,
                                user=staff, today=TODAY)
    service.save_answer(db, kenko, target, AnswerInput(value="not_done", detail="未実施だった", plan_action="開始する",
                                                       plan_due="2025-10-01", plan_owner="課長補佐"),
                        base_revision=first.revision, user=manager, today=TODAY)
    changes = service.history(db, kenko["id"])[target["item_id"]]
    assert [(c["before"]["value"], c["after"]["value"], c["changed_by_name"]) for c in changes] == [
        ("done", "not_done", manager.display_name), ("", "done", staff.display_name)]


def test_second_save_from_same_base_is_refused_with_winners_answer(db, kenko):
    target = unanswered_item(db, kenko)
    alice, bob = user(db, "kenko.staff"), user(db, "kenko.manager")
    service.save_answer(db, kenko, target, AnswerInput(value="done", detail="アリスの回答"), base_revision=0,
                        user=alice, today=TODAY)
    with pytest.raises(service.AnswerConflict) as conflict:
        service.save_answer(db, kenko, target, AnswerInput(value="not_done", detail="ボブの回答",
                                                           plan_action="a", plan_due="2025-12-01", plan_owner="b"),
                            base_revision=0, user=bob, today=TODAY)
    assert conflict.value.current["detail"] == "アリスの回答"
    stored = db.execute("SELECT detail, revision FROM answers WHERE sheet_id = ? AND item_pk = ?",
                        [kenko["id"], target["id"]]).fetchone()
    assert stored == ("アリスの回答", 1)


def test_conflict_page_shows_both_answers(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    service.save_answer(db, kenko, target, AnswerInput(value="done", detail="先に保存された内容"), base_revision=0,
                        user=user(db, "kenko.manager"), today=date.today())
    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{kenko['id']}/items/{target['item_id']}",
                         {"value": "done", "detail": "後から保存しようとした内容", "revision": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "先に保存された内容" in html and "後から保存しようとした内容" in html


def test_rejected_answer_keeps_typed_text(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{kenko['id']}/items/{target['item_id']}",
                         {"value": "partial", "detail": "途中まで入力した実施内容", "revision": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "途中まで入力した実施内容" in html
    assert "改善予定の内容を記入してください" in html


def test_save_through_the_page_and_see_it(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{kenko['id']}/items/{target['item_id']}",
                         {"value": "done", "detail": "係長が毎月確認し記録簿に記録", "revision": "0"})
    assert response.status_code == 302
    html = client.get(f"/sheets/{kenko['id']}").get_data(as_text=True)
    assert "係長が毎月確認し記録簿に記録" in html and "を保存しました" in html


def test_other_department_cannot_read_or_write(client, auth, db, kenko):
    auth.login("hoken.staff")
    assert client.get(f"/sheets/{kenko['id']}").status_code == 403
    target = unanswered_item(db, kenko)
    response = auth.post(f"/sheets/{kenko['id']}/items/{target['item_id']}",
                         {"value": "done", "detail": "x", "revision": "0"})
    assert response.status_code == 403
    assert db.execute("SELECT count(*) FROM answers WHERE sheet_id = ? AND item_pk = ?",
                      [kenko["id"], target["id"]]).fetchone()[0] == 0


@pytest.mark.parametrize("username,status", [("chief", 200), ("auditor", 200), ("admin", 403),
                                             ("kenko.manager", 200), ("shimin.manager", 403)])
def test_who_reads_a_sheet(client, auth, db, kenko, username, status):
    auth.login(username)
    assert client.get(f"/sheets/{kenko['id']}").status_code == status


def test_auditor_reads_but_cannot_answer(client, auth, db, kenko):
    auth.login("auditor")
    html = client.get(f"/sheets/{kenko['id']}").get_data(as_text=True)
    assert "この項目を保存" not in html
    target = unanswered_item(db, kenko)
    response = auth.post(f"/sheets/{kenko['id']}/items/{target['item_id']}",
                         {"value": "done", "detail": "x", "revision": "0"})
    assert response.status_code == 409


def test_not_applicable_items_are_shown_with_reason(client, auth, db):
    sid = sheet_id(db, "sodan", "general")  # 市民相談課: no system, no fax …
    auth.login("sodan.staff")
    html = client.get(f"/sheets/{sid}?section=all").get_data(as_text=True)
    assert "該当しない項目" in html and "に該当しないため対象外です" in html
