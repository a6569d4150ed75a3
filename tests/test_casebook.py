"""The incident casebook: validation, its mapping onto the checklists, and the catalogue screens."""
from __future__ import annotations

import dataclasses
import html
import re
import shutil

import pytest

from audits.catalogue import service
from checklists import loader
from checklists.casebook import INCIDENT_KINDS, load_casebook
from checklists.files import BUILTIN_DIR


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.unescape(response.get_data(as_text=True))


def test_builtin_casebook_maps_every_case_to_items_that_exist_and_apply():
    cases = load_casebook()
    assert len(cases) >= 40
    assert len({c.id for c in cases}) == len(cases)
    checklists = loader.load_builtin()
    by_id = {item.id: cl for cl in checklists for item in cl.items()}
    for case in cases:
        assert case.kind in INCIDENT_KINDS and case.date[:4] >= "2015"
        assert case.sources and all(s.url or s.date for s in case.sources)
        for item_id in case.items:
            assert item_id in by_id, (case.id, item_id)
            reasons = {i.id: r for i, ok, r in loader.applicability(by_id[item_id], case.tags)}
            assert reasons[item_id] is None, (case.id, item_id, reasons[item_id])


def write_casebook(tmp_path, text: str):
    for name in ("scales.yaml", "tags.yaml", "general.yaml", "operations.yaml"):
        shutil.copy(BUILTIN_DIR / name, tmp_path / name)
    (tmp_path / "casebook.yaml").write_text(text, encoding="utf-8")
    return tmp_path


GOOD_CASE = """
  - id: test-case
    date: 2024-04-01
    body: 架空市
    kind: 誤送付・誤送信
    summary: テスト用の事案
    tags: [fax]
    items: [S-06-02]
    sources:
      - {title: 架空の発表, publisher: 架空市, url: "https://example.jp/x"}
"""


def test_good_casebook_in_a_folder_loads(tmp_path):
    cases = load_casebook(write_casebook(tmp_path, "cases:" + GOOD_CASE))
    assert [c.id for c in cases] == ["test-case"] and cases[0].date == "2024-04-01"


@pytest.mark.parametrize("change, message", [
    (("S-06-02", "S-99-99"), "items の「S-99-99」はどのチェックリストにもありません"),
    (("tags: [fax]", "tags: []"), "項目 S-06-02 は tags [] の課に適用されません"),
    (("tags: [fax]", "tags: [nosuch]"), "tags の「nosuch」は tags.yaml にありません"),
    (("誤送付・誤送信", "うっかり"), "kind「うっかり」は使えません"),
    (("2024-04-01", "2014-04-01"), "2015 年以降の事案に限ります"),
    (("2024-04-01", "2024-13-01"), "date「2024-13-01」は存在しない日付です"),
    (("2024-04-01", "2024/04/01"), "YYYY-MM-DD"),
    (("id: test-case", "id: Test_Case"), "id は半角英小文字"),
    (('url: "https://example.jp/x"', 'url: "javascript:alert(1)"'), "http:// 又は https://"),
    (("{title: 架空の発表, publisher: 架空市, url: \"https://example.jp/x\"}", "{title: 架空の発表, publisher: 架空市}"),
     "url 又は date を書いてください"),
])
def test_bad_casebook_gives_japanese_errors(tmp_path, change, message):
    folder = write_casebook(tmp_path, "cases:" + GOOD_CASE.replace(*change))
    with pytest.raises(loader.ChecklistError) as err:
        load_casebook(folder)
    assert any(message in e and "casebook.yaml" in e for e in err.value.errors), err.value.errors


def test_duplicate_case_ids_are_refused(tmp_path):
    with pytest.raises(loader.ChecklistError) as err:
        load_casebook(write_casebook(tmp_path, "cases:" + GOOD_CASE + GOOD_CASE))
    assert any("重複" in e for e in err.value.errors)


def test_lint_checks_the_casebook(tmp_path):
    write_casebook(tmp_path, "cases:" + GOOD_CASE.replace("S-06-02", "S-99-99"))
    errors = loader.lint([tmp_path])
    assert any("S-99-99" in e for e in errors)
    assert loader.lint([BUILTIN_DIR]) == []


def test_item_page_lists_the_cases_it_would_have_prevented(app, auth, client):
    auth.login("kenko.staff")
    text = page(client, "/checklists/operations")
    item = re.search(r'id="item-S-06-02".*?</article>', text, re.S).group(0)
    assert "この項目で防げた事案" in item
    assert "2024-08-05" in item and "世田谷区" in item and "誤送付・誤送信" in item and "報告第371号" in item
    other = re.search(r'id="item-S-06-04".*?</article>', text, re.S).group(0)
    assert "この項目で防げた事案" not in other
    general = page(client, "/checklists/general")
    g0502 = re.search(r'id="item-G-05-02".*?</article>', general, re.S).group(0)
    assert 'href="https://www.city.satsumasendai.lg.jp/soshiki/1018/2/17657.html"' in g0502


def test_coverage_view_shows_the_casebook_and_flags_unreached_cases(app, db, auth, client, monkeypatch):
    auth.login("auditor")
    text = page(client, "/checklists/coverage")
    cases = load_casebook()
    assert "事案集" in text and f"事案 {len(cases)} 件" in text
    assert "兵庫県尼崎市" in text and "I-02-05" in text
    assert "この事案を問う項目がありません" not in text      # every built-in case is asked about
    # a case the catalogue does not ask about is shown as such
    gap = dataclasses.replace(cases[0], id="gap-case-2024", body="架空市", items=())
    monkeypatch.setattr(service, "casebook", lambda: (*cases, gap))
    text = page(client, "/checklists/coverage")
    assert "架空市" in text and "この事案を問う項目がありません" in text
    monkeypatch.undo()
    # a 課 profile that carries no 'fax' tag: the FAX case reaches nobody and is flagged
    db.execute("DELETE FROM department_tags WHERE tag = 'fax'")
    db.conn.commit()
    rows = {r["case"].id: r for r in service.casebook_coverage(db)}
    assert not rows["setagaya-fax-2024"]["reached"] and rows["amagasaki-usb-2022"]["reached"]
    text = page(client, "/checklists/coverage")
    row = re.search(r'<tr class="uncovered">(?:(?!</tr>).)*setagaya-fax-2024.*?</tr>', text, re.S)
    assert row and "どの課もこの事案の項目を受け取りません" in row.group(0)


def test_item_sources_must_name_a_known_case(tmp_path):
    """CASE <name> cites a case of the casebook or a seed lesson of clauses.yaml; a misspelt one is refused."""
    for path in BUILTIN_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    assert load_casebook(tmp_path)          # the built-in items cite casebook cases and seed lessons
    operations = tmp_path / "operations.yaml"
    text = operations.read_text(encoding="utf-8")
    for wrong in ("CASE setagaya-faks", "CASE izumo-dv-koseki-2020"):
        operations.write_text(text.replace("- CASE setagaya-fax\n", f"- {wrong}\n", 1), encoding="utf-8")
        with pytest.raises(loader.ChecklistError) as err:
            load_casebook(tmp_path)
        assert any(f"「{wrong}」は事案集" in e for e in err.value.errors), err.value.errors
