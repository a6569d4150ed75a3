"""The answer page without reloads: the JSON save of one item, one 区分 per page, and the list of every blocker."""
from __future__ import annotations

import re

import pytest
from builders_selfcheck import load, sheet_id, unanswered_item, user
from conftest import csrf_token

from audits.security import CONTENT_SECURITY_POLICY
from audits.sheets import service
from audits.sheets.answers import AnswerInput

JSON = {"Accept": "application/json"}


@pytest.fixture
def kenko(db):
    return load(db, sheet_id(db, "kenko"))


def save_json(client, sheet, item_id, data, *, token=True, headers=None):
    payload = dict(data)
    if token:
        payload["csrf_token"] = csrf_token(client, "/")
    return client.post(f"/sheets/{sheet['id']}/items/{item_id}", data=payload, headers={**JSON, **(headers or {})})


def stored(db, sheet, item_id):
    return db.execute("SELECT value, detail, revision FROM answers WHERE sheet_id = ? AND item_id = ?",
                      [sheet["id"], item_id]).fetchone()


def test_saved_in_place_with_the_time_and_the_progress(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    before = service.progress(db, kenko, target["section_id"])
    response = save_json(client, kenko, target["item_id"],
                         {"value": "done", "detail": "係長が毎月確認している。", "revision": "0"})
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert data["ok"] and data["changed"] and data["revision"] == 1
    assert re.fullmatch(r"保存しました（\d\d:\d\d）", data["message"])
    # The item's card as the page now shows it (sheet_answer.js takes its header, evidence notes and history).
    card = data["card"]
    assert f'id="item-{target["item_id"]}"' in card and "data-unanswered" not in card and "cat-none" not in card
    assert "（第1版）" in card and "変更履歴（1 件）" in card
    assert data["section"]["answered"] == before["section"]["answered"] + 1
    assert data["total"]["answered"] == before["total"]["answered"] + 1
    assert tuple(stored(db, kenko, target["item_id"])) == ("done", "係長が毎月確認している。", 1)
    # Nothing is left over for the next page load: the message was shown beside the item.
    assert "を保存しました" not in client.get(f"/sheets/{kenko['id']}").get_data(as_text=True)
    again = save_json(client, kenko, target["item_id"], {"value": "done", "detail": "係長が毎月確認している。",
                                                         "revision": "1"}).get_json()
    assert again["ok"] and not again["changed"] and again["message"].startswith("変更はありません")


def test_a_refused_answer_comes_back_with_the_errors_and_what_was_typed(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    response = save_json(client, kenko, target["item_id"],
                         {"value": "partial", "detail": "一部の端末のみ確認", "plan_action": "全端末に広げる",
                          "revision": "0"})
    assert response.status_code == 422
    data = response.get_json()
    assert not data["ok"] and "保存できませんでした" in data["message"]
    assert set(data["errors"]) == {"plan_due", "plan_owner"}
    assert "改善の期限" in data["errors"]["plan_due"]
    assert data["values"]["detail"] == "一部の端末のみ確認" and data["values"]["plan_action"] == "全端末に広げる"
    assert stored(db, kenko, target["item_id"]) is None


def test_a_save_over_someone_elses_answer_is_a_conflict_that_shows_it(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    service.save_answer(db, kenko, target, AnswerInput(value="done", detail="課長が先に書いた内容"), base_revision=0,
                        user=user(db, "kenko.manager"))
    auth.login("kenko.staff")
    response = save_json(client, kenko, target["item_id"], {"value": "not_done", "detail": "担当者の内容",
                                                            "revision": "0"})
    assert response.status_code == 409
    data = response.get_json()
    assert "他の人がこの項目を保存しました" in data["message"]
    assert data["conflict"]["revision"] == 1 and data["conflict"]["detail"] == "課長が先に書いた内容"
    assert data["values"]["detail"] == "担当者の内容"
    assert tuple(stored(db, kenko, target["item_id"])) == ("done", "課長が先に書いた内容", 1)


def test_another_departments_sheet_is_refused(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("shimin.staff")
    response = save_json(client, kenko, target["item_id"], {"value": "done", "detail": "x", "revision": "0"})
    assert response.status_code == 403
    assert response.is_json and response.get_json()["ok"] is False
    assert stored(db, kenko, target["item_id"]) is None


def test_without_the_csrf_token_nothing_is_saved(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    response = save_json(client, kenko, target["item_id"], {"value": "done", "detail": "x", "revision": "0"},
                         token=False)
    assert response.status_code == 400
    assert "不正な送信です" in response.get_json()["message"]
    assert stored(db, kenko, target["item_id"]) is None
    wrong = save_json(client, kenko, target["item_id"], {"value": "done", "detail": "x", "revision": "0"},
                      token=False, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400 and stored(db, kenko, target["item_id"]) is None


def test_the_token_may_come_in_the_header(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    response = save_json(client, kenko, target["item_id"], {"value": "done", "detail": "x", "revision": "0"},
                         token=False, headers={"X-CSRFToken": csrf_token(client, "/")})
    assert response.status_code == 200 and stored(db, kenko, target["item_id"])[0] == "done"


def test_a_submitted_sheet_refuses_the_save_in_place(client, auth, db):
    sheet = load(db, sheet_id(db, "bunsho"))   # approved
    auth.login("bunsho.staff")
    response = save_json(client, sheet, "G-01-02", {"value": "done", "detail": "x", "revision": "1"})
    assert response.status_code == 409 and "変更できません" in response.get_json()["message"]


def test_without_javascript_the_form_post_still_returns_to_the_item(client, auth, db, kenko):
    target = unanswered_item(db, kenko)
    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{kenko['id']}/items/{target['item_id']}",
                         {"value": "done", "detail": "毎月確認", "revision": "0"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"?item={target['item_id']}#item-{target['item_id']}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{target['item_id']} を保存しました" in html and f'id="item-{target["item_id"]}"' in html


# --- the page: one 区分 at a time -------------------------------------------------------------

def _items_on(html: str) -> list[str]:
    return re.findall(r'<article class="item card[^"]*" id="item-([^"]+)"', html)


def test_the_page_opens_at_the_first_unanswered_item_and_is_small(client, auth, db, kenko):
    first_open = next(e.item for s in service.sheet_items(db, kenko) for e in s.items if e.applies and not e.answered)
    auth.login("kenko.staff")
    response = client.get(f"/sheets/{kenko['id']}")
    html = response.get_data(as_text=True)
    items = _items_on(html)
    assert first_open["item_id"] in items
    assert all(i.startswith(first_open["section_id"]) for i in items)
    assert f'<a class="skip" href="#item-{first_open["item_id"]}">未回答の項目へ移動</a>' in html
    whole = client.get(f"/sheets/{kenko['id']}?section=all").get_data(as_text=True)
    assert len(_items_on(whole)) > 3 * len(items)
    assert len(response.data) < 120_000 < len(whole.encode())
    # The page's scripts are files of the app, under the same strict policy.
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "sheet_answer.js" in html and not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_a_link_to_an_item_opens_its_section(client, auth, db, kenko):
    auth.login("kenko.staff")
    last = [e.item for s in service.sheet_items(db, kenko) for e in s.items if e.applies][-1]
    items = _items_on(client.get(f"/sheets/{kenko['id']}?item={last['item_id']}").get_data(as_text=True))
    assert last["item_id"] in items and all(i.startswith(last["section_id"]) for i in items)
    # Unknown names are no error: the page opens as usual.
    assert client.get(f"/sheets/{kenko['id']}?item=NOPE&section=%00").status_code == 200


def test_only_unanswered_and_the_next_unanswered_link(client, auth, db, kenko):
    auth.login("kenko.staff")
    sections = service.sheet_items(db, kenko)
    full = next(s for s in sections if s.applicable and s.answered == s.applicable)
    html = client.get(f"/sheets/{kenko['id']}?section={full.id}&unanswered=1").get_data(as_text=True)
    assert 'class="sheet-sections only-unanswered"' in html and 'id="only-unanswered" checked' in html
    # Nothing open here: 「次の未回答へ」 leads to the next 区分 that has an unanswered item.
    at = [s.id for s in sections].index(full.id)
    following = next(e.item["item_id"] for s in sections[at + 1:] + sections[:at] for e in s.items
                     if e.applies and not e.answered)
    found = re.search(r'id="next-unanswered" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert found == f"/sheets/{kenko['id']}?item={following}#item-{following}"


# --- submitting: every blocker at once ----------------------------------------------------------

def test_submitting_lists_every_kind_of_blocker_at_once(client, auth, db, kenko):
    staff = user(db, "kenko.staff")
    owes_file = unanswered_item(db, kenko, evidence_required=True)
    service.save_answer(db, kenko, owes_file, AnswerInput(value="done", detail="毎月確認"), base_revision=0,
                        user=staff)
    gap = unanswered_item(db, kenko)
    service.save_answer(db, kenko, gap, AnswerInput(value="partial", detail="一部", plan_action="広げる",
                                                    plan_due="2099-03-31", plan_owner="係長"),
                        base_revision=0, user=staff)
    db.execute("UPDATE answers SET plan_owner = NULL WHERE sheet_id = ? AND item_id = ?",
               [kenko["id"], gap["item_id"]])   # as an older import left it
    db.conn.commit()
    problems = service.completeness(db, load(db, kenko["id"]))
    kinds = {p.item_id: p.kind for p in problems}
    assert kinds[owes_file["item_id"]] == service.EVIDENCE_BLOCKER and kinds[gap["item_id"]] == service.PLAN_BLOCKER
    assert service.UNANSWERED_BLOCKER in kinds.values()

    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{kenko['id']}/submit", {"status_revision": load(db, kenko["id"])["status_revision"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    box = html[html.index('id="problems"'):]
    box = box[:box.index("</div>")]
    assert f"次の {len(problems)} 件を完了してください" in box
    for label in service.BLOCKER_LABELS.values():
        assert label in box
    shown = set(_items_on(html))
    for problem in problems:    # each one a link: on this page, or to its 区分
        href = f"#item-{problem.item_id}" if problem.item_id in shown else \
            f"/sheets/{kenko['id']}?item={problem.item_id}#item-{problem.item_id}"
        assert f'<a href="{href}">{problem.item_id}</a>' in box
    assert load(db, kenko["id"])["status"] != "submitted"


def test_the_remaining_blockers_are_shown_before_submitting(client, auth, db, kenko):
    auth.login("kenko.staff")
    html = client.get(f"/sheets/{kenko['id']}").get_data(as_text=True)
    count = len(service.completeness(db, kenko))
    assert f"提出までに残っていること（{count} 件）" in html
    auth.logout()
    auth.login("auditor")      # reads the sheet, does not answer it: no list
    assert "提出までに残っていること" not in client.get(f"/sheets/{kenko['id']}").get_data(as_text=True)

