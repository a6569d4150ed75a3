"""`flask --app app checklists lint|import|export|sync|list`: messages a user needs, nothing stored on error."""
from __future__ import annotations

import re

import openpyxl
import pytest
import yaml

from audits.catalogue import service
from builders_catalogue import CITY_YAML, counts, use_version
from checklists import loader
from checklists.model import LOW, MEDIUM

SUBCOMMANDS = ["lint", "import", "export", "sync", "list"]


@pytest.mark.parametrize("command", [[], *[[c] for c in SUBCOMMANDS]])
def test_every_checklists_command_has_help(runner, command):
    result = runner.invoke(args=["checklists", *command, "--help"])
    assert result.exit_code == 0, result.output
    help_text = result.output.split("Options:")[0]
    assert any("\u3040" <= ch <= "\u9fff" for ch in help_text)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def city_xlsx(tmp_path, name="city.xlsx", edit=None):
    path = tmp_path / name
    loader.write_xlsx(loader.parse_data(yaml.safe_load(CITY_YAML), "city.yaml"), path)
    if edit:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def test_lint_builtin_and_files(runner, tmp_path):
    result = runner.invoke(args=["checklists", "lint"])
    assert result.exit_code == 0 and "OK" in result.output
    good = write(tmp_path, "city.yaml", CITY_YAML)
    assert runner.invoke(args=["checklists", "lint", str(good)]).exit_code == 0
    bad = write(tmp_path, "bad.yaml", CITY_YAML.replace("scale: implementation", "scale: yesno"))
    result = runner.invoke(args=["checklists", "lint", str(good), str(bad)])
    assert result.exit_code == 1
    assert "項目 C-01-01: scale は scales.yaml にない回答尺度です" in result.output
    assert "NG: 誤り 2 件" in result.output


MALFORMED = {
    "bad YAML": ("bad.yaml", CITY_YAML.replace("    title: 窓口の確認事項\n", "    title: 窓口の確認事項\n   items: [\n"),
                 ["bad.yaml: YAML の書き方に誤りがあります（", "行目"]),
    "missing field": ("missing.yaml", CITY_YAML.replace(
        "        question: 窓口のカウンターに個人情報を記載した書類を放置していませんか。\n", ""),
        ["missing.yaml: 項目 C-01-01: question は 必須です"]),
    "unknown scale": ("scale.yaml", CITY_YAML.replace("scale: implementation", "scale: yesno", 1),
                      ["scale.yaml: 項目 C-01-01: scale は scales.yaml にない回答尺度です（\"yesno\"）",
                       "使える回答尺度: implementation"]),
    "duplicate id": ("dup.yaml", CITY_YAML.replace("id: C-01-02", "id: C-01-01"),
                     ["dup.yaml: 項目 C-01-01: id は 項目 id「C-01-01」が重複しています"]),
    "TOML syntax": ("bad.toml", 'id = "city"\ntitle = \n', ["bad.toml: TOML の書き方に誤りがあります（2行目"]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_import_rejects_malformed_files_and_stores_nothing(runner, db, tmp_path, case):
    name, text, messages = MALFORMED[case]
    path = write(tmp_path, name, text)
    before = counts(db)
    result = runner.invoke(args=["checklists", "import", str(path)])
    assert result.exit_code == 1
    for message in messages:
        assert message in result.output, result.output
    assert "何も取り込んでいません" in result.output
    assert counts(db) == before


def test_import_rejects_an_excel_sheet_with_a_bad_cell(runner, db, tmp_path):
    def edit(wb):
        ws = wb["点検項目"]
        headers = [c.value for c in ws[1]]
        ws.cell(row=3, column=headers.index("重要度") + 1, value="最高")

    path = city_xlsx(tmp_path, edit=edit)
    column = openpyxl.utils.get_column_letter(
        [c.value for c in openpyxl.load_workbook(path)["点検項目"][1]].index("重要度") + 1)
    before = counts(db)
    result = runner.invoke(args=["checklists", "import", str(path)])
    assert result.exit_code == 1
    assert f"シート「点検項目」 3行目 {column}列（重要度）" in result.output
    assert "高/中/低" in result.output
    assert counts(db) == before


def test_import_is_all_or_nothing_across_files(runner, db, tmp_path):
    good = write(tmp_path, "city.yaml", CITY_YAML)
    bad = write(tmp_path, "other.yaml", CITY_YAML.replace("id: city-extra", "id: other").replace(
        "prefix: C", "prefix: G").replace("C-01", "G-01"))
    before = counts(db)
    result = runner.invoke(args=["checklists", "import", str(good), str(bad)])
    assert result.exit_code == 1 and "チェックリスト general で使われています" in result.output
    assert counts(db) == before


def test_import_a_city_checklist_from_excel_then_browse_it(runner, db, tmp_path, auth, client):
    before = counts(db)
    result = runner.invoke(args=["checklists", "import", str(city_xlsx(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "city-extra 第1版: 新しい版を作成" in result.output
    assert counts(db) == (before[0] + 1, before[1] + 1, before[2] + 2)
    assert "city-extra\t1\t2\tみどり市独自の点検票" in runner.invoke(args=["checklists", "list"]).output
    auth.login("hoken.staff")
    assert "みどり市独自の点検票" in client.get("/checklists/").get_data(as_text=True)
    html = client.get("/checklists/city-extra").get_data(as_text=True)
    assert "FAXの送付票を複数人で確認していますか。" in html and "窓口の確認事項" in html


def test_import_over_a_version_in_use_creates_a_new_version(runner, db, tmp_path):
    path = write(tmp_path, "city.yaml", CITY_YAML)
    assert runner.invoke(args=["checklists", "import", str(path)]).exit_code == 0
    v1 = service.find_version(db, "city-extra")["id"]
    use_version(db, v1)
    path.write_text(CITY_YAML.replace("severity: 中", "severity: 低"), encoding="utf-8")
    result = runner.invoke(args=["checklists", "import", str(path)])
    assert result.exit_code == 0 and "city-extra 第2版: 新しい版を作成" in result.output
    assert service.find_version(db, "city-extra", 1)["id"] == v1
    assert service.version_items(db, v1)[0]["severity"] == MEDIUM
    assert service.version_items(db, service.find_version(db, "city-extra")["id"])[0]["severity"] == LOW
    # the old version can still be exported
    out = tmp_path / "v1.yaml"
    result = runner.invoke(args=["checklists", "export", "city-extra", "--version", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "severity: 中" in out.read_text(encoding="utf-8")


def test_import_dry_run_shows_the_changes_and_stores_nothing(runner, db, tmp_path):
    path = write(tmp_path, "city.yaml", CITY_YAML)
    before = counts(db)
    result = runner.invoke(args=["checklists", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "city.yaml: city-extra 新しいチェックリストとして第1版を登録します。 追加 2 項目" in result.output
    assert "追加 C-01-02 FAXの送付票を複数人で確認していますか。" in result.output
    assert "何も登録していません" in result.output and counts(db) == before
    assert runner.invoke(args=["checklists", "import", str(path)]).exit_code == 0
    use_version(db, service.find_version(db, "city-extra")["id"])
    path.write_text(CITY_YAML.replace("severity: 中", "severity: 低"), encoding="utf-8")
    result = runner.invoke(args=["checklists", "import", "--dry-run", str(path)])
    assert "第2版として登録します。" in result.output and "変更 C-01-01: 重要度" in result.output
    assert service.find_version(db, "city-extra")["version"] == 1


def test_export_yaml_and_xlsx_round_trip(runner, db, tmp_path):
    result = runner.invoke(args=["checklists", "export", "general"])
    assert result.exit_code == 0
    assert loader.parse_data(yaml.safe_load(result.output), "x") == service.version_checklist(
        db, service.find_version(db, "general")["id"])
    out = tmp_path / "general.xlsx"
    result = runner.invoke(args=["checklists", "export", "general", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0 and out.exists()
    assert loader.read_xlsx(out).content_hash() == service.find_version(db, "general")["content_hash"]
    before = counts(db)
    result = runner.invoke(args=["checklists", "import", str(out)])
    assert result.exit_code == 0 and "general 第1版: 変更なし" in result.output
    assert counts(db) == before
    actions = [r[0] for r in db.execute("SELECT action FROM activity_log WHERE action = 'checklist.export'")]
    assert len(actions) == 2


def test_export_of_unknown_checklist_or_version(runner):
    result = runner.invoke(args=["checklists", "export", "nosuch"])
    assert result.exit_code != 0 and "nosuch は登録されていません" in result.output
    result = runner.invoke(args=["checklists", "export", "general", "--version", "9"])
    assert result.exit_code != 0 and "第9版 は登録されていません" in result.output
    result = runner.invoke(args=["checklists", "export", "general", "--format", "pdf"])
    assert result.exit_code != 0


def test_sync_stores_builtin_files(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["checklists", "sync"])
    assert result.exit_code == 0 and "general 第1版: 新しい版を作成" in result.output
    result = runner.invoke(args=["checklists", "sync"])
    assert result.exit_code == 0 and "新しい版" not in result.output and "変更なし" in result.output


def test_lint_reports_items_no_department_receives(runner, db):
    result = runner.invoke(args=["checklists", "lint"])
    assert result.exit_code == 0
    assert re.search(r"(\d+) 項目のうち \1 項目がいずれかの課に配付されます（配付されない項目 0 件）", result.output)
    db.execute("DELETE FROM department_tags WHERE tag = 'privacy_office'")
    db.conn.commit()
    result = runner.invoke(args=["checklists", "lint"])
    assert result.exit_code == 0                       # a warning about the organisation, not an error in the file
    assert "注意: mynumber M-02-01 はどの課にも配付されません" in result.output
    assert "「特定個人情報を取り扱う・個人情報保護の全庁事務を所管する」をすべて持つ課がありません" in result.output
    assert "配付されない項目 0 件" not in result.output
