"""The checklist catalogue: built-in data, versioning, applicability and the checklist screens."""
from __future__ import annotations

import html
import io
import json
import re

import openpyxl
import pytest

from audits.catalogue import diff, service
from audits.db import connect, init_db
from builders_catalogue import CITY_YAML, answer, counts, use_version
from checklists import loader
from conftest import department_id


def latest_id(db, checklist_id: str) -> int:
    return db.execute("SELECT id FROM checklist_versions WHERE checklist_id = ? ORDER BY version DESC LIMIT 1",
                      [checklist_id]).fetchone()[0]


def city_checklist(text: str = CITY_YAML) -> loader.Checklist:
    import yaml

    return loader.parse_data(yaml.safe_load(text), "city-extra.yaml")


def city_xlsx(text: str = CITY_YAML) -> bytes:
    buffer = io.BytesIO()
    loader.write_xlsx(city_checklist(text), buffer)
    return buffer.getvalue()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- the built-in data


@pytest.fixture(scope="module")
def builtin():
    return loader.load_builtin()


def test_every_builtin_file_loads_and_stores(app, tmp_path, builtin):   # app: the log key
    path = tmp_path / "fresh.db"
    init_db(str(path))
    db = connect(str(path))
    try:
        results = service.sync_builtin(db)
        assert {r.checklist_id for r in results} == {c.id for c in builtin}
        assert {r.outcome for r in results} == {"created"}
        for checklist in builtin:
            version_id = latest_id(db, checklist.id)
            stored = service.version_items(db, version_id)
            assert [i["item_id"] for i in stored] == [i.id for i in checklist.items()]
            assert service.version_checklist(db, version_id) == checklist
        assert {r.outcome for r in service.sync_builtin(db)} == {"unchanged"}
    finally:
        db.conn.close()
    assert len(loader.builtin_files()) == len(builtin) >= 5


def test_ids_are_unique(builtin):
    checklist_ids = [c.id for c in builtin]
    prefixes = [c.prefix for c in builtin]
    item_ids = [i.id for c in builtin for i in c.items()]
    section_ids = [s.id for c in builtin for s in c.sections]
    for ids in (checklist_ids, prefixes, item_ids, section_ids):
        assert len(ids) == len(set(ids)), sorted({x for x in ids if ids.count(x) > 1})


def test_every_item_has_a_source(builtin):
    assert [i.id for c in builtin for i in c.items() if not i.sources] == []


def test_every_clause_of_catalogue_is_covered(builtin):
    clauses = loader.load_clauses()
    assert {c["part"] for c in clauses} == {"A", "B", "C", "D", "E"}
    cov = loader.coverage(builtin, clauses)
    assert [ref for ref, items in cov.items() if not items] == []


# --------------------------------------------------------------------------- versioning


def test_version_in_use_is_never_changed_a_new_version_is_created(app, db, auth, client):
    first = service.import_checklists(db, [(city_checklist(), "city-extra.yaml")], username="admin")[0]
    assert (first.version, first.outcome) == (1, "created")
    v1 = first.version_id
    sheet = use_version(db, v1)
    answer(db, sheet, v1, "C-01-02")
    changed = CITY_YAML.replace("FAXの送付票を複数人で確認していますか。", "FAXの送付票を2人以上で確認していますか。")
    second = service.import_checklists(db, [(city_checklist(changed), "city-extra.yaml")], username="admin")[0]
    assert (second.version, second.outcome) == (2, "created") and second.version_id != v1
    assert "新しい版" in second.message
    # the old version keeps its questions and its answer
    old = {i["item_id"]: i["question"] for i in service.version_items(db, v1)}
    assert old["C-01-02"] == "FAXの送付票を複数人で確認していますか。"
    assert db.execute("SELECT count(*) FROM answers a JOIN checklist_items i ON i.id = a.item_pk "
                      "WHERE i.version_id = ?", [v1]).fetchone()[0] == 1
    auth.login("shimin.staff")
    html = page(client, "/checklists/city-extra/v1")
    assert "FAXの送付票を複数人で確認していますか。" in html and "過去の版" in html and "点検票 1 件で使用中" in html
    assert "FAXの送付票を2人以上で確認していますか。" in page(client, "/checklists/city-extra")
    # an unused latest version is replaced in place (no pile of draft versions)
    third = service.import_checklists(db, [(city_checklist(CITY_YAML.replace("独自の点検票", "独自点検票")),
                                            "city-extra.yaml")], username="admin")[0]
    assert (third.version, third.outcome) == (2, "replaced")
    # same content again changes nothing
    again = service.import_checklists(db, [(city_checklist(CITY_YAML.replace("独自の点検票", "独自点検票")),
                                            "city-extra.yaml")], username="admin")[0]
    assert again.outcome == "unchanged"


def test_sync_keeps_a_city_version_of_a_builtin_checklist(db):
    general = next(c for c in loader.load_builtin() if c.id == "general")
    data = general.to_data()
    data["sections"][0]["items"].append({**data["sections"][0]["items"][0], "id": "G-01-99",
                                         "question": "市独自の追加項目ですか。"})
    edited = loader.parse_data(data, "general.xlsx")
    result = service.import_checklists(db, [(edited, "general.xlsx")], username="admin")[0]
    assert result.checklist_id == "general"
    results = {r.checklist_id: r for r in service.sync_builtin(db)}
    assert results["general"].outcome == "kept"
    assert "G-01-99" in {i["item_id"] for i in service.version_items(db, latest_id(db, "general"))}
    forced = {r.checklist_id: r for r in service.sync_builtin(db, force=True)}
    assert forced["general"].outcome in ("replaced", "created")
    assert "G-01-99" not in {i["item_id"] for i in service.version_items(db, latest_id(db, "general"))}


def test_import_refuses_a_prefix_of_another_checklist(db):
    before = counts(db)
    clash = city_checklist(CITY_YAML.replace("prefix: C", "prefix: G").replace("C-01", "G-01"))
    with pytest.raises(loader.ChecklistError) as error:
        service.import_checklists(db, [(clash, "clash.yaml")], username="admin")
    assert "general" in error.value.errors[0] and "接頭辞" in error.value.errors[0]
    assert counts(db) == before


# --------------------------------------------------------------------------- applicability


def tags_of(db, code):
    from audits.departments.service import department_tags

    return department_tags(db, department_id(db, code))


def test_applicability_follows_the_profile(db):
    fax_items = {"S-06-01", "S-06-02", "S-06-03", "S-06-04", "S-06-05"}
    # 企画政策課: web only, no fax
    kikaku = {r["checklist_id"]: r for r in service.department_applicability(db, tags_of(db, "kikaku"))}
    reasons = {i["item_id"]: i["reason"] for i in kikaku["operations"]["items"]}
    assert fax_items <= set(reasons)
    for item_id in fax_items:
        assert reasons[item_id] == "この課は「FAXで個人情報を送受信する」に該当しないため対象外です。"
    assert kikaku["mynumber"]["applies"] == 0 and kikaku["general"]["applies"] > 0
    # 市民課 sends FAX and handles My Number
    shimin = {r["checklist_id"]: r for r in service.department_applicability(db, tags_of(db, "shimin"))}
    assert all(i["reason"] is None for i in shimin["operations"]["items"] if i["item_id"] in fax_items)
    assert shimin["mynumber"]["applies"] > 0
    assert all("サーバ室等を管理する" in i["reason"] or "情報システムを所管する" in i["reason"]
               or "個人情報保護の全庁事務を所管する" in i["reason"]
               for i in shimin["mynumber"]["items"] if i["reason"])
    # 行政監察室 has no tags: only items for every 課
    kansa = {r["checklist_id"]: r for r in service.department_applicability(db, [])}
    general = service.version_checklist(db, latest_id(db, "general"))
    assert kansa["general"]["applies"] == sum(1 for i in general.items() if not i.tags)
    assert kansa["pia"]["applies"] == 0
    assert "「特定個人情報を取り扱う」「特定個人情報保護評価書を作成している」" in kansa["pia"]["items"][0]["reason"]


def test_applicability_screen_and_department_page(app, db, auth, client):
    auth.login("chief")
    kikaku = department_id(db, "kikaku")
    html = page(client, f"/departments/{kikaku}")
    assert "適用されるチェックリスト項目" in html
    assert f"/checklists/applicability/{kikaku}?checklist=operations" in html
    html = page(client, f"/checklists/applicability/{kikaku}?checklist=operations")
    assert "S-06-02" in html and "この課は「FAXで個人情報を送受信する」に該当しないため対象外です。" in html
    assert "G-01-01" not in html
    response = client.get(f"/checklists/applicability?department={kikaku}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/checklists/applicability/{kikaku}")


def test_applicability_of_another_department_is_forbidden(app, db, auth, client):
    auth.login("shimin.staff")
    assert client.get(f"/checklists/applicability/{department_id(db, 'hoken')}").status_code == 403
    own = client.get("/checklists/applicability")
    assert own.status_code == 302 and own.headers["Location"].endswith(
        f"/checklists/applicability/{department_id(db, 'shimin')}")
    assert client.get("/checklists/applicability/99999").status_code == 404


# --------------------------------------------------------------------------- screens


@pytest.mark.parametrize("username", ["chief", "auditor", "admin", "shimin.manager", "shimin.staff"])
def test_every_role_may_browse(app, auth, client, username):
    auth.login(username)
    assert "チェックリスト</a>" in page(client, "/")
    for url in ("/checklists/", "/checklists/general", "/checklists/general/v1", "/checklists/coverage",
                "/checklists/search?severity=high"):
        page(client, url)


def test_login_required(client):
    for url in ("/checklists/", "/checklists/general", "/checklists/coverage", "/checklists/general/v1/export.yaml"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_list_shows_checklists_and_versions(app, auth, client):
    auth.login("shimin.staff")
    html = page(client, "/checklists/")
    for title in ("個人情報の安全管理に関する自己点検票（全課共通）", "特定個人情報（マイナンバー）の安全管理に関する点検票"):
        assert title in html
    assert "第1版" in html and "組込み" in html
    assert "/checklists/import" not in html          # no import button for staff


def test_detail_shows_sections_and_items(app, db, auth, client):
    auth.login("shimin.staff")
    html = page(client, "/checklists/operations")
    assert "S-06 FAXによる誤送信の防止" in html.replace("<code>", "").replace("</code>", "")
    assert "複合機・FAXに登録した短縮ダイヤルを年1回以上" in html
    assert "実施している" in html and "一部実施（課題あり）" in html     # scale options shown
    assert "CASE setagaya-fax" in html and "GUIDE 4-8-5" in html        # sources
    assert "FAXで個人情報を送受信する" in html                          # tag label, not the id
    assert "短縮ダイヤル登録一覧" in html                                # evidence hint
    assert "重要度 高" in html and "証跡必須" in html
    assert client.get("/checklists/nosuch").status_code == 404
    assert client.get("/checklists/general/v99").status_code == 404


def test_detail_filters_by_severity_tag_source_and_text(app, auth, client):
    auth.login("auditor")
    html = page(client, "/checklists/operations?tag=fax")
    assert "S-06-01" in html and "S-01-01" not in html
    html = page(client, "/checklists/operations?tag=fax&severity=low")
    assert "S-06-04" in html and "S-06-01" not in html and "5 項目" not in html
    html = page(client, "/checklists/general?source=GUIDE+4-8-6")
    general = loader.load_builtin()
    expected = [i.id for c in general if c.id == "general" for i in c.items()
                if any(loader.covers(s, "GUIDE 4-8-6") for s in i.sources)]
    assert expected and all(f"item-{i}" in html for i in expected)
    assert ("item-G-01-01" in html) == ("G-01-01" in expected)
    html = page(client, "/checklists/operations?text=誤送信防止機能")
    assert "item-S-06-03" in html and "item-S-06-01" not in html


def test_search_across_checklists(app, auth, client):
    auth.login("kenko.staff")
    html = page(client, "/checklists/search?source=CASE+setagaya-fax&severity=medium")
    assert "S-06-01" in html and "S-06-04" not in html
    assert "条件を1つ以上" in page(client, "/checklists/search")
    html = page(client, "/checklists/search?source=世田谷区の事案（ファクシミリ&severity=medium")   # the words shown
    assert "S-06-01" in html and "S-06-04" not in html


def test_coverage_shows_clauses_and_highlights_uncovered(app, auth, client, monkeypatch):
    auth.login("auditor")
    html = page(client, "/checklists/coverage")
    assert "事務対応ガイド 4-8-6(3)" in html and "番号法ガイドライン（別添1）2-C-b" in html   # a reader's words
    assert ">GUIDE 4-8-6(3)<" not in html and ">MYNUM 別添1 2-C-b<" not in html
    assert "所沢市の事案（住基ネットの利用）" not in html          # part E only on request
    assert "項目のない条項 0 件" in html
    assert "所沢市の事案（住基ネットの利用）" in page(client, "/checklists/coverage?parts=all")
    extra = {"ref": "GUIDE 4-8-99", "part": "A", "topic": "架空の条項（テスト）"}
    real = service.clauses()
    monkeypatch.setattr(service, "clauses", lambda: [dict(c) for c in real] + [dict(extra)])
    html = page(client, "/checklists/coverage")
    assert "項目のない条項 1 件" in html and 'class="uncovered"' in html and "架空の条項（テスト）" in html


def test_export_downloads_are_logged(app, db, auth, client):
    auth.login("shimin.staff")
    response = client.get("/checklists/general/v1/export.yaml")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"] and "general-v1.yaml" in response.headers[
        "Content-Disposition"]
    text = response.get_data(as_text=True)
    assert loader.parse_data(__import__("yaml").safe_load(text), "x") == service.version_checklist(db, 1)
    response = client.get("/checklists/general/v1/export.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames[:2] == ["チェックリスト", "点検項目"]
    for sheet in workbook.worksheets:          # printed like every workbook of the app, and still importable
        assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1", sheet.title
    assert workbook.properties.title == service.version_checklist(db, 1).title
    assert loader.read_xlsx(io.BytesIO(response.data)).content_hash() == service.version_checklist(db, 1).content_hash()
    rows = list(db.query("SELECT username, detail FROM activity_log WHERE action = 'checklist.export' ORDER BY id"))
    assert [(r["username"], json.loads(r["detail"])["format"]) for r in rows] == [
        ("shimin.staff", "yaml"), ("shimin.staff", "xlsx")]
    assert client.get("/checklists/general/v1/export.pdf").status_code == 404


# --------------------------------------------------------------------------- web import


HIDDEN = re.compile(r'<input id="(content|name|content_hash)" name="\1" type="hidden" value="([^"]*)">')


def confirm_fields(preview_html: str) -> dict[str, str]:
    """The hidden fields of the preview's confirm form, as the browser would send them back."""
    return {key: html.unescape(value) for key, value in HIDDEN.findall(preview_html)}


def web_import(auth, data: bytes, filename: str):
    """Upload, check the preview, confirm: the response after the redirect to the stored version."""
    preview = auth.post("/checklists/import", {"file": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data")
    assert preview.status_code == 200
    fields = confirm_fields(preview.get_data(as_text=True))
    assert set(fields) == {"content", "name", "content_hash"}, preview.get_data(as_text=True)
    return auth.post("/checklists/import/confirm", fields, follow_redirects=True)


def test_staff_may_browse_but_not_import(app, db, auth, client):
    auth.login("shimin.staff")
    assert client.get("/checklists/import").status_code == 403
    before = counts(db)
    response = auth.post("/checklists/import", {"file": (io.BytesIO(city_xlsx()), "city.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 403
    checklist = city_checklist()
    response = auth.post("/checklists/import/confirm", {
        "content": json.dumps(checklist.to_data(), ensure_ascii=False), "name": "city.yaml",
        "content_hash": checklist.content_hash()})
    assert response.status_code == 403
    assert counts(db) == before
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'access.denied'").fetchone()[0] >= 2


def test_admin_imports_a_city_checklist_from_excel(app, db, auth, client):
    auth.login("admin")
    assert "チェックリストを取り込む" in page(client, "/checklists/")
    before = counts(db)
    preview = auth.post("/checklists/import", {"file": (io.BytesIO(city_xlsx()), "みどり市独自.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "新しいチェックリストとして第1版を登録します。" in preview and "追加（2 項目）" in preview
    assert "C-01-02" in preview and "この内容で取り込む" in preview
    assert counts(db) == before                              # nothing stored before the confirmation
    response = auth.post("/checklists/import/confirm", confirm_fields(preview), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "チェックリストを取り込みました: city-extra 第1版: 新しい版を作成" in html
    assert "窓口のカウンターに個人情報を記載した書類を放置していませんか。" in html
    assert "取込み（みどり市独自.xlsx）" in html
    listing = page(client, "/checklists/")
    assert "みどり市独自の点検票" in listing and "独自（取込み）" in listing
    row = db.execute("SELECT created_by, source FROM checklist_versions WHERE checklist_id = 'city-extra'").fetchone()
    assert row == ("admin", "import:みどり市独自.xlsx")
    # it applies like the built-in ones: 企画政策課 has neither a counter nor FAX
    html = page(client, f"/checklists/applicability/{department_id(db, 'kikaku')}?checklist=city-extra")
    assert "0 / 2" in html and "この課は「窓口を設けている」に該当しないため対象外です。" in html


def test_web_import_shows_every_error_and_stores_nothing(app, db, auth, client):
    wb = openpyxl.load_workbook(io.BytesIO(city_xlsx()))
    ws = wb["点検項目"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=2, column=headers.index("重要度") + 1, value="最高")
    ws.cell(row=3, column=headers.index("回答尺度") + 1, value="yesno")
    buffer = io.BytesIO()
    wb.save(buffer)
    auth.login("admin")
    before = counts(db)
    response = auth.post("/checklists/import", {"file": (io.BytesIO(buffer.getvalue()), "bad.xlsx")},
                         content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "取り込めませんでした（2 件の誤り）" in html
    severity_col = openpyxl.utils.get_column_letter(headers.index("重要度") + 1)
    assert f"シート「点検項目」 2行目 {severity_col}列（重要度）" in html
    assert "3行目" in html and "yesno" in html
    assert counts(db) == before


def test_web_import_of_yaml_and_toml(app, db, auth, client):
    import tomli_w
    import yaml

    auth.login("admin")
    bad = CITY_YAML.replace("severity: 中", "severity: 普通")
    response = auth.post("/checklists/import", {"file": (io.BytesIO(bad.encode()), "city.yaml")},
                         content_type="multipart/form-data")
    assert "city.yaml: 項目 C-01-01: severity は" in response.get_data(as_text=True)
    response = auth.post("/checklists/import", {"file": (io.BytesIO(b"x"), "city.csv")},
                         content_type="multipart/form-data")
    assert "Excel（.xlsx）のファイルを選んでください" in response.get_data(as_text=True)
    toml = tomli_w.dumps(yaml.safe_load(CITY_YAML)).encode()
    response = web_import(auth, toml, "city.toml")
    assert "city-extra 第1版: 新しい版を作成" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- import preview and version changes

CITY_YAML_V2 = (CITY_YAML
                .replace("窓口のカウンターに個人情報を記載した書類を放置していませんか。",
                         "窓口のカウンターや記載台に、個人情報を記載した書類を放置していませんか。")
                .replace("severity: 高", "severity: 中")
                .replace("""      - id: C-01-02
        question: FAXの送付票を複数人で確認していますか。""", """      - id: C-01-03
        question: 郵便物の封入を複数人で確認していますか。"""))


def test_diff_matches_items_by_id():
    changes = diff.compare(city_checklist(), city_checklist(CITY_YAML_V2))
    assert [i.id for i in changes.added] == ["C-01-03"] and [i.id for i in changes.removed] == ["C-01-02"]
    [changed] = changes.changed
    assert changed.item_id == "C-01-01"
    assert [(c.label, c.after) for c in changed.changes] == [
        ("質問", "窓口のカウンターや記載台に、個人情報を記載した書類を放置していませんか。")]
    assert changes.summary == "追加 1 項目・削除 1 項目・変更 1 項目"
    assert diff.compare(city_checklist(), city_checklist()).empty
    assert diff.compare(None, city_checklist()).summary == "追加 2 項目"


def test_preview_of_a_new_version_shows_what_changes_and_stores_nothing(app, db, auth, client):
    auth.login("admin")
    web_import(auth, CITY_YAML.encode(), "city.yaml")
    use_version(db, latest_id(db, "city-extra"))              # in use: the next import makes version 2
    before = counts(db)
    preview = auth.post("/checklists/import", {"file": (io.BytesIO(CITY_YAML_V2.encode()), "city-v2.yaml")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "第2版として登録します。第1版は点検票で使われているため、変更されずに残ります。" in preview
    assert "登録済みの第1版からの変更点" in preview
    assert "追加（1 項目）" in preview and "郵便物の封入を複数人で確認していますか。" in preview
    assert "削除（1 項目）" in preview and "FAXの送付票を複数人で確認していますか。" in preview
    assert "窓口のカウンターや記載台に" in preview
    assert counts(db) == before
    response = auth.post("/checklists/import/confirm", confirm_fields(preview), follow_redirects=True)
    assert "city-extra 第2版: 新しい版を作成" in response.get_data(as_text=True)
    version_page = page(client, "/checklists/city-extra/v2")
    assert "第1版からの変更点" in version_page and "追加 1 項目・削除 1 項目・変更 1 項目" in version_page
    assert "第1版からの変更点" not in page(client, "/checklists/city-extra/v1")


def test_preview_of_unchanged_content_offers_nothing_to_confirm(app, db, auth):
    auth.login("admin")
    web_import(auth, CITY_YAML.encode(), "city.yaml")
    preview = auth.post("/checklists/import", {"file": (io.BytesIO(CITY_YAML.encode()), "city.yaml")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "登録済みの第1版と同じ内容です。取り込んでも何も変わりません。" in preview
    assert "この内容で取り込む" not in preview


def test_confirm_refuses_content_other_than_the_previewed(app, db, auth):
    auth.login("admin")
    preview = auth.post("/checklists/import", {"file": (io.BytesIO(CITY_YAML.encode()), "city.yaml")},
                        content_type="multipart/form-data").get_data(as_text=True)
    fields = confirm_fields(preview)
    before = counts(db)
    tampered = dict(fields, content=fields["content"].replace("FAXの送付票", "郵便物"))
    response = auth.post("/checklists/import/confirm", tampered)
    assert "確認した内容と異なります。もう一度ファイルを選んでください。" in response.get_data(as_text=True)
    response = auth.post("/checklists/import/confirm", dict(fields, content="{not json"))
    assert "確認した内容を読み取れませんでした。" in response.get_data(as_text=True)
    response = auth.client.post("/checklists/import/confirm", data=fields)         # no CSRF token
    assert response.status_code == 400 and "不正な送信です" in response.get_data(as_text=True)
    assert counts(db) == before


def test_preview_escapes_the_file_text(app, db, auth):
    auth.login("admin")
    text = CITY_YAML.replace("窓口のカウンターに個人情報を記載した書類を放置していませんか。",
                             "<script>alert(1)</script>を放置していませんか。")
    preview = auth.post("/checklists/import", {"file": (io.BytesIO(text.encode()), "city.yaml")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;を放置していませんか。" in preview


def test_a_clause_asked_only_by_an_item_no_department_receives_is_not_covered(app, db, auth, client):
    # 総務課 is the privacy office and the demo's only 課 with both tags that M-02-01/02 and M-07-02 need.
    soumu = db.execute("SELECT id FROM departments WHERE code = 'soumu'").fetchone()[0]
    auth.login("auditor")
    assert "項目のない条項 0 件" in page(client, "/checklists/coverage")
    db.execute("DELETE FROM department_tags WHERE department_id = ? AND tag = 'mynumber'", [soumu])
    db.conn.commit()
    html = page(client, "/checklists/coverage")
    assert "項目のない条項 0 件" not in html
    row = html[html.index('id="clause-MYNUM_別添1_1-D"'):]
    row = row[:row.index("</tr>")]
    assert "どの課にも配付される項目がありません" in row and "M-02-01" in row
