"""The draft of the report to the 委員会 (施行規則第44条第1項 一〜九) for the 速報 and the 確報: the nine items in
order, what is still empty, the text to copy, and the same access as the incident page."""
from __future__ import annotations

import html
import re

import pytest

from audits.incidents import ppc_report
from test_incidents import FAX, USB, incident_id

HEADINGS = ["一　概要", "二　漏えい等が発生し、又は発生したおそれがある保有個人情報の項目",
            "三　漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数", "四　原因",
            "五　二次被害又はそのおそれの有無及びその内容", "六　本人への対応の実施状況", "七　公表の実施状況",
            "八　再発防止のための措置", "九　その他参考となる事項"]


def _copy_text(page: str) -> str:
    return html.unescape(re.search(r'<textarea readonly[^>]*id="ppc-text"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def _in_order(text: str, parts: list[str]) -> bool:
    position = -1
    for part in parts:
        found = text.find(part, position + 1)
        if found <= position:
            return False
        position = found
    return True


@pytest.mark.parametrize("stage", ["preliminary", "final"])
def test_nine_items_in_order_on_the_page_and_in_the_text(client, auth, db, stage):
    auth.login("kenko.manager")
    fax = incident_id(db, FAX)
    response = client.get(f"/incidents/{fax}/ppc/{stage}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("速報" if stage == "preliminary" else "確報") in page
    assert _in_order(page, HEADINGS)
    text = _copy_text(page)
    assert _in_order(text, HEADINGS)
    assert "9／9 項目を記入済み" in page and "未記入" not in text
    # filled from the register: the 項目, the persons, the cause, and the 経過 with 和暦 dates
    assert "アレルギー・疾病等" in text and "３人" in text and "短縮ダイヤル" in text
    assert "令和６年８月５日（月）午後３時１８分" in text


def test_preliminary_carries_the_course_up_to_its_date_only(client, auth, db):
    auth.login("kenko.manager")
    fax = incident_id(db, FAX)
    preliminary = _copy_text(client.get(f"/incidents/{fax}/ppc/preliminary").get_data(as_text=True))
    final = _copy_text(client.get(f"/incidents/{fax}/ppc/final").get_data(as_text=True))
    assert "令和６年８月９日（金）" in preliminary and "令和６年９月３日" not in preliminary  # 速報 8/9, 確報 9/3
    assert "令和６年９月３日（火）" in final


def test_empty_item_is_flagged(client, auth, db):
    auth.login("hoken.staff")
    usb = incident_id(db, USB)          # the demo's USB case has no 公表 recorded
    page = client.get(f"/incidents/{usb}/ppc/final").get_data(as_text=True)
    missing = re.search(r'id="ppc-missing">(.*?)</p>', page, re.S).group(1)
    assert "七　公表の実施状況" in missing and "確報では九つの事項すべて" in missing
    assert "一　概要" not in missing
    assert re.search(r'data-item="7" class="missing"', page)
    text = _copy_text(page)
    assert "七　公表の実施状況\n（未記入）" in text
    incident_page = client.get(f"/incidents/{usb}").get_data(as_text=True)
    assert "確報の下書き</a> 8／9 項目" in incident_page


def test_filling_the_field_fills_the_item(db):
    from audits.incidents import service

    usb = service.load_incident(db, incident_id(db, USB))
    events = service.events(db, usb["id"])
    assert 7 not in ppc_report.filled_items(usb, events)["final"]
    usb["publication"] = "ホームページで公表した。"
    filled = ppc_report.filled_items(usb, events)
    assert filled["final"] == set(range(1, 10)) and filled["preliminary"] == set(range(1, 10))


@pytest.mark.parametrize("user", ["kenko.staff", "shimin.manager", "admin"])
def test_another_department_is_refused(client, auth, db, user):
    auth.login(user)
    usb = incident_id(db, USB)
    for stage in ("preliminary", "final"):
        response = client.get(f"/incidents/{usb}/ppc/{stage}")
        assert response.status_code == 403
        assert "ＵＳＢメモリ" not in response.get_data(as_text=True)


def test_unknown_stage_is_404(client, auth, db):
    auth.login("chief")
    assert client.get(f"/incidents/{incident_id(db, FAX)}/ppc/draft").status_code == 404
