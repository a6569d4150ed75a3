"""Tests of checklists/loader.py: loading, validation messages, formats, applicability, coverage.

Every test builds its own small checklist (and its own vocabulary) inside tmp_path, so the
built-in data files can change without breaking these tests.
"""

from __future__ import annotations

import copy
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import tomli_w
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checklists import loader, vocabulary
from checklists.loader import (
    BUILTIN_DIR,
    Checklist,
    ChecklistError,
    applicability,
    coverage,
    covers,
    dump_yaml,
    lint,
    load_builtin,
    load_clauses,
    load_file,
    load_vocabulary,
    parse_data,
    parse_text,
    read_xlsx,
    write_xlsx,
)

SCALES_YAML = """\
categories:
  - {id: done, gap: false}
  - {id: partial, gap: true}
  - {id: not_done, gap: true}
  - {id: na, gap: false}
scales:
  - id: implementation
    label: 実施状況
    kind: choice
    options:
      - {id: done, label: 実施している, category: done}
      - {id: partial, label: 一部実施（課題あり）, category: partial}
      - {id: not_done, label: 実施していない, category: not_done}
      - {id: na, label: 該当しない, category: na}
  - {id: date, label: 日付, kind: date}
  - {id: count, label: 件数・人数, kind: number, unit: 件, min: 0}
  - {id: percent, label: 割合, kind: number, unit: "%", min: 0, max: 100}
"""

TAGS_YAML = """\
tags:
  - {id: mynumber, label: 特定個人情報を取り扱う, description: 個人番号を扱う課}
  - {id: juki, label: 住基ネット端末を利用する, description: 住基ネット端末のある課}
  - {id: fax, label: FAXで個人情報を送受信する, description: FAXを使う課}
"""

VALID_YAML = """\
id: sample
title: サンプル自己点検票
description: >-
  テスト用の小さな
  チェックリストです。
prefix: T
tags: []
sections:
  - id: T-01
    title: 管理体制
    items:
      - id: T-01-01
        question: 保護管理者を指名し、課内に周知していますか。
        guidance: 指名通知を課内に回覧している。
        evidence_hint: 指名通知
        evidence_required: true
        scale: implementation
        severity: 高
        sources: [GUIDE 4-8-2]
      - id: T-01-02
        question: 操作ログを最後に確認した日はいつですか。
        guidance: 月1回以上確認し、確認者・確認日を記録している。
        evidence_hint: ログ確認記録
        scale: date
        severity: 中
        tags: [juki]
        sources:
          - GUIDE 4-8-6(3)
          - CASE tokorozawa-juki
        expect: {within_days: 35}
  - id: T-02
    title: FAX
    items:
      - id: T-02-01
        question: 今年度のFAX誤送信の件数は何件ですか。
        guidance: 誤送信は0件であり、短縮ダイヤルを定期点検している。
        evidence_hint: FAX送信記録
        scale: count
        severity: 低
        tags: [fax]
        sources: [CASE setagaya-fax, PIA Ⅲ-5 リスク3]
        expect: {at_most: 0}
        unit: 回
"""


@pytest.fixture()
def vocab(tmp_path):
    folder = tmp_path / "vocab"
    folder.mkdir()
    (folder / "scales.yaml").write_text(SCALES_YAML, encoding="utf-8")
    (folder / "tags.yaml").write_text(TAGS_YAML, encoding="utf-8")
    return load_vocabulary(folder)


def valid_data() -> dict:
    return yaml.safe_load(VALID_YAML)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(data, vocab, source="x.yaml") -> list[str]:
    with pytest.raises(ChecklistError) as info:
        parse_data(data, source, vocab)
    assert info.value.errors, "ChecklistError without messages"
    return info.value.errors


def item(data: dict, section: int, index: int) -> dict:
    return data["sections"][section]["items"][index]


# --------------------------------------------------------------------------- loading a valid file


def test_valid_yaml_file_loads(tmp_path, vocab):
    checklist = load_file(write(tmp_path, "sample.yaml", VALID_YAML), vocab)
    assert checklist.id == "sample"
    assert checklist.prefix == "T"
    assert checklist.source == "sample.yaml"
    assert checklist.description == "テスト用の小さなチェックリストです。"   # folded line: no stray space
    assert [s.id for s in checklist.sections] == ["T-01", "T-02"]
    items = checklist.items()
    assert [i.id for i in items] == ["T-01-01", "T-01-02", "T-02-01"]
    assert [i.position for i in items] == [1, 2, 3]
    first, second, third = items
    assert first.evidence_required is True and second.evidence_required is False
    assert first.section_id == "T-01" and first.section_title == "管理体制"
    assert second.tags == ("juki",)
    assert second.sources == ("GUIDE 4-8-6(3)", "CASE tokorozawa-juki")
    assert second.expect["within_days"] == 35 and dict(second.expect) == {"within_days": 35}
    assert first.expect is None and first.unit is None
    assert third.unit == "回"
    assert checklist.item("T-02-01") is third
    hash(checklist)      # frozen all the way down
    assert copy.deepcopy(checklist) == checklist
    with pytest.raises((AttributeError, TypeError)):
        second.expect["within_days"] = 1


def test_control_characters_are_refused(vocab):
    data = valid_data()
    item(data, 0, 0)["question"] = "確認\x07していますか"
    [message] = errors_of(data, vocab)
    assert message == "x.yaml: 項目 T-01-01: question は 使えない制御文字（U+0007）が含まれています"


def test_yml_extension_loads(tmp_path, vocab):
    assert load_file(write(tmp_path, "sample.yml", VALID_YAML), vocab).source == "sample.yml"


def test_builtin_vocabulary_loads():
    vocab = load_vocabulary()          # the real scales.yaml / tags.yaml
    assert "implementation" in vocab.scales
    assert set(vocab.categories) >= {"done", "partial", "not_done", "na"}
    assert vocab.gap_categories == {"partial", "not_done"}


def test_unknown_extension_is_refused(tmp_path, vocab):
    path = write(tmp_path, "sample.json", "{}")
    with pytest.raises(ChecklistError) as info:
        load_file(path, vocab)
    assert "拡張子" in info.value.errors[0]


def test_missing_file_is_reported(tmp_path, vocab):
    with pytest.raises(ChecklistError) as info:
        load_file(tmp_path / "nothing.yaml", vocab)
    assert "ファイルがありません" in info.value.errors[0]


# --------------------------------------------------------------------------- syntax errors


def test_bad_yaml_reports_the_line(tmp_path, vocab):
    text = VALID_YAML.replace("    title: 管理体制\n", "    title: 管理体制\n   items-broken: [\n", 1)
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ChecklistError) as info:
        load_file(path, vocab)
    [message] = info.value.errors
    assert "bad.yaml" in message and "YAML の書き方に誤りがあります" in message
    assert "行目" in message


def test_yaml_syntax_error_line_number_is_exact(tmp_path, vocab):
    text = "id: sample\ntitle: x\nprefix: T\nsections:\n  - id: T-01\n\ttitle: tab\n"
    with pytest.raises(ChecklistError) as info:
        load_file(write(tmp_path, "tab.yaml", text), vocab)
    assert "6行目" in info.value.errors[0]
    assert "タブ文字" in info.value.errors[0]


def test_duplicate_yaml_key_is_an_error(tmp_path, vocab):
    text = VALID_YAML.replace("        severity: 高\n", "        severity: 高\n        severity: 低\n", 1)
    with pytest.raises(ChecklistError) as info:
        load_file(write(tmp_path, "dup.yaml", text), vocab)
    assert "キー「severity」が重複しています" in info.value.errors[0]
    line = text.splitlines().index("        severity: 低") + 1
    assert f"{line}行目" in info.value.errors[0]


def test_empty_file_and_non_mapping(tmp_path, vocab):
    with pytest.raises(ChecklistError) as info:
        load_file(write(tmp_path, "empty.yaml", "# nothing\n"), vocab)
    assert "空です" in info.value.errors[0]
    with pytest.raises(ChecklistError) as info:
        load_file(write(tmp_path, "list.yaml", "- a\n- b\n"), vocab)
    assert "最上位は対応表" in info.value.errors[0]


def test_bad_toml_reports_the_line(tmp_path, vocab):
    path = write(tmp_path, "bad.toml", 'id = "sample"\ntitle = "x"\nprefix = T\n')
    with pytest.raises(ChecklistError) as info:
        load_file(path, vocab)
    assert "TOML の書き方に誤りがあります（3行目" in info.value.errors[0]


# --------------------------------------------------------------------------- validation messages


def test_missing_required_field(vocab):
    data = valid_data()
    del item(data, 0, 0)["question"]
    item(data, 0, 1)["guidance"] = "   "
    errors = errors_of(data, vocab)
    assert "x.yaml: 項目 T-01-01: question は 必須です。値を書いてください" in errors
    assert "x.yaml: 項目 T-01-02: guidance は 必須です。値を書いてください" in errors


@pytest.mark.parametrize("field", ["id", "title", "prefix", "sections"])
def test_missing_checklist_field(vocab, field):
    data = valid_data()
    del data[field]
    errors = errors_of(data, vocab)
    assert any(e.startswith(f"x.yaml: {field} は 必須です") for e in errors), errors


def test_missing_section_fields_and_empty_items(vocab):
    data = valid_data()
    del data["sections"][0]["title"]
    data["sections"][1]["items"] = []
    errors = errors_of(data, vocab)
    assert "x.yaml: 区分 T-01: title は 必須です。値を書いてください" in errors
    assert "x.yaml: 区分 T-02: items は 必須です。項目を1つ以上書いてください" in errors


def test_unknown_scale(vocab):
    data = valid_data()
    item(data, 0, 0)["scale"] = "implementaton"
    [message] = errors_of(data, vocab)
    assert message.startswith('x.yaml: 項目 T-01-01: scale は scales.yaml にない回答尺度です（"implementaton"）')
    assert "implementation の誤りではありませんか" in message


def test_unknown_tag_on_item_and_checklist(vocab):
    data = valid_data()
    data["tags"] = ["mynumbr"]
    item(data, 1, 0)["tags"] = ["fax", "telefax"]
    errors = errors_of(data, vocab)
    assert len(errors) == 2
    assert errors[0].startswith("x.yaml: tags は tags.yaml にないタグ「mynumbr」が含まれています")
    assert "mynumber の誤りではありませんか" in errors[0]
    assert errors[1].startswith("x.yaml: 項目 T-02-01: tags は tags.yaml にないタグ「telefax」")


def test_duplicate_item_and_section_ids(vocab):
    data = valid_data()
    item(data, 0, 1)["id"] = "T-01-01"
    data["sections"][1]["id"] = "T-01"
    for it in data["sections"][1]["items"]:
        it["id"] = "T-01-09"
    errors = errors_of(data, vocab)
    assert any("項目 T-01-01: id は 項目 id「T-01-01」が重複しています（1番目の区分の 1番目の項目と同じです）" in e
               for e in errors), errors
    assert any("区分 T-01: id は 区分 id「T-01」が重複しています" in e for e in errors), errors


def test_bad_severity_message(vocab):
    data = valid_data()
    item(data, 0, 1)["severity"] = "最高"
    assert errors_of(data, vocab, "checklists/general.yaml") == [
        'checklists/general.yaml: 項目 T-01-02: severity は 高/中/低 のいずれかにしてください（"最高" は使えません）'
    ]


def test_files_write_severity_labels_and_the_model_holds_keys(vocab):
    """FORMAT.md: authors write 高/中/低; the item holds the stored key, and to_data() writes the label back,
    so a version's content hash does not depend on the keys."""
    checklist = parse_data(valid_data(), "a.yaml", vocab)
    assert [i.severity for i in checklist.items()][:2] == ["high", "medium"]
    assert [i["severity"] for s in checklist.to_data()["sections"] for i in s["items"]][:2] == ["高", "中"]
    assert parse_data(checklist.to_data(), "b.yaml", vocab) == checklist
    data = valid_data()
    item(data, 0, 1)["severity"] = "high"                    # a key is not what a file says
    assert errors_of(data, vocab, "x.yaml") == [
        'x.yaml: 項目 T-01-02: severity は 高/中/低 のいずれかにしてください（"high" は使えません）']


def test_unknown_key_typo_is_an_error(vocab):
    data = valid_data()
    item(data, 0, 0)["sevrity"] = item(data, 0, 0).pop("severity")
    data["sections"][0]["titel"] = "x"
    data["version"] = 2
    errors = errors_of(data, vocab)
    assert any(e.startswith("x.yaml: 項目 T-01-01: 不明なキー「sevrity」があります（severity の誤りではありませんか）")
               for e in errors), errors
    assert any(e.startswith("x.yaml: 項目 T-01-01: severity は 必須です") for e in errors), errors
    assert any("区分 T-01: 不明なキー「titel」" in e and "title の誤り" in e for e in errors), errors
    assert any(e.startswith("x.yaml: 不明なキー「version」") for e in errors), errors


@pytest.mark.parametrize("source", [
    "GUIDE 4-8-1", "GUIDE 4-8-13", "GUIDE 4-8-6(3)", "GUIDE 4-8-12(1)", "GUIDE 4-8-5(9)(2)",
    "MYNUM 別添1 1-A", "MYNUM 別添1 2-B", "MYNUM 別添1 2-C", "MYNUM 別添1 2-C-e", "MYNUM 別添1 2-F-d",
    "PPC-REPORT 1", "PPC-REPORT 15", "PIA Ⅲ-2", "PIA Ⅲ-3 リスク2", "PIA Ⅲ-6 リスク7", "PIA Ⅳ-1",
    "CASE tokorozawa-juki", "CASE setagaya-fax",
])
def test_valid_source_forms(vocab, source):
    data = valid_data()
    item(data, 0, 0)["sources"] = [source]
    assert parse_data(data, "x.yaml", vocab).items()[0].sources == (source,)


@pytest.mark.parametrize("source, hint", [
    ("事務対応ガイド 4-8-6", "GUIDE 4-8-6(3) のように"),
    ("GUIDE 4-8-14", "次の形で"),
    ("GUIDE 4-8-61", "次の形で"),
    ("GUIDE 4-8-6（3）", "半角"),
    ("番号法GL 別添1 2-C-b", "MYNUM 別添1 2-C-b のように"),
    ("MYNUM 別添1 2-C-f", "次の形で"),
    ("PPC-REPORT 16", "次の形で"),
    ("PIA III-3 リスク2", "Ⅲ・Ⅳ"),
    ("PIA Ⅲ-3 リスク9", "リスク1〜リスク4"),
    ("PIA Ⅲ-8", "Ⅲ-2（入手）〜Ⅲ-7"),
    ("CASE Tokorozawa juki", "次の形で"),
    ("所沢市の事例", "次の形で"),
])
def test_bad_source_forms(vocab, source, hint):
    data = valid_data()
    item(data, 0, 0)["sources"] = ["GUIDE 4-8-2", source]
    [message] = errors_of(data, vocab)
    assert message.startswith(f"x.yaml: 項目 T-01-01: sources は 「{source}」の")
    assert hint in message


def test_no_sources(vocab):
    data = valid_data()
    item(data, 0, 0)["sources"] = []
    [message] = errors_of(data, vocab)
    assert message.startswith("x.yaml: 項目 T-01-01: sources は 必須です。根拠を1つ以上書いてください")


def test_wrong_types(vocab):
    data = valid_data()
    item(data, 0, 0)["sources"] = "GUIDE 4-8-2"          # string where a list is expected
    item(data, 0, 1)["tags"] = "juki"
    item(data, 1, 0)["question"] = ["a", "b"]
    item(data, 1, 0)["evidence_required"] = "yes"
    errors = errors_of(data, vocab)
    assert any(e.startswith("x.yaml: 項目 T-01-01: sources は リストにしてください（文字列になっています") for e in errors)
    assert any(e.startswith("x.yaml: 項目 T-01-02: tags は リストにしてください") for e in errors)
    assert "x.yaml: 項目 T-02-01: question は 文字列にしてください（リストになっています）" in errors
    assert any(e.startswith("x.yaml: 項目 T-02-01: evidence_required は true か false にしてください") for e in errors)


def test_sections_not_a_list_and_item_not_a_mapping(vocab):
    data = valid_data()
    data["sections"][0]["items"].append("T-01-03")
    errors = errors_of(data, vocab)
    assert errors == ["x.yaml: 区分 T-01 の 3番目の項目: 項目は対応表（id: …, question: … の形）で書いてください（文字列になっています）"]
    data["sections"] = {"T-01": {}}
    assert errors_of(data, vocab) == ["x.yaml: sections は 区分のリストにしてください（対応表（キー: 値）になっています）"]


def test_id_rules(vocab):
    data = valid_data()
    data["id"] = "Sample"
    data["sections"][1]["id"] = "X-02"
    for it in data["sections"][1]["items"]:
        it["id"] = "X-02-01"
    item(data, 0, 1)["id"] = "T-02-05"
    errors = errors_of(data, vocab)
    assert any(e.startswith("x.yaml: id は 半角英小文字で始め") and '"Sample"' in e for e in errors), errors
    assert "x.yaml: 区分 X-02: id は 接頭辞「T-」で始めてください（例: T-01）" in errors
    assert "x.yaml: 項目 T-02-05: id は 区分 id「T-01-」で始めてください（例: T-01-01）" in errors


def test_expect_and_unit_rules(vocab):
    data = valid_data()
    item(data, 0, 0)["expect"] = {"within_days": 30}        # choice scale
    del item(data, 0, 1)["expect"]                           # date scale needs one
    item(data, 1, 0)["expect"] = {"at_most": "zero", "within_days": 3, "at_leest": 1}
    item(data, 0, 0)["unit"] = "人"                          # unit on a choice scale
    errors = errors_of(data, vocab)
    assert any(e.startswith("x.yaml: 項目 T-01-01: expect は 選択式の回答尺度（implementation）の項目には書けません")
               for e in errors), errors
    assert any(e.startswith("x.yaml: 項目 T-01-01: unit は 数値の回答尺度の項目にだけ書けます") for e in errors), errors
    assert any(e.startswith("x.yaml: 項目 T-01-02: expect は 日付の回答尺度（date）の項目には") for e in errors), errors
    assert 'x.yaml: 項目 T-02-01: expect は at_most の値は数値にしてください（"zero"）' in errors
    assert any("T-02-01: expect は 使えないキー「within_days」" in e for e in errors), errors
    assert any("T-02-01: expect は 使えないキー「at_leest」" in e and "at_least の誤り" in e for e in errors), errors


def test_expect_outside_scale_range(vocab):
    data = valid_data()
    it = item(data, 1, 0)
    it["scale"] = "percent"
    it["expect"] = {"at_least": 120}
    it.pop("unit")
    [message] = errors_of(data, vocab)
    assert "at_least の値 120 が回答尺度 percent の範囲（0〜100）を外れています" in message


def test_several_errors_are_collected_at_once(vocab):
    data = valid_data()
    item(data, 0, 0)["severity"] = "最高"
    item(data, 0, 1)["scale"] = "nope"
    item(data, 1, 0)["tags"] = ["unknown"]
    item(data, 1, 0)["sources"] = ["bad source"]
    del data["title"]
    errors = errors_of(data, vocab)
    assert len(errors) == 5
    assert [e.split(": ")[1] for e in errors] == [
        "title は 必須です。値を書いてください", "項目 T-01-01", "項目 T-01-02", "項目 T-02-01", "項目 T-02-01"]


def test_missing_vocabulary_file_is_reported(tmp_path):
    (tmp_path / "tags.yaml").write_text(TAGS_YAML, encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_vocabulary(tmp_path)
    assert any("scales.yaml: ファイルがありません" in e for e in info.value.errors)


def test_bad_vocabulary_is_reported(tmp_path):
    (tmp_path / "scales.yaml").write_text(
        SCALES_YAML.replace("category: not_done", "category: not_started").replace("kind: date", "kind: datum"),
        encoding="utf-8")
    (tmp_path / "tags.yaml").write_text(TAGS_YAML + "  - {id: fax, label: 重複, description: x}\n", encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_vocabulary(tmp_path)
    text = "\n".join(info.value.errors)
    assert "category は done / partial / not_done / na のいずれかにしてください（not_started）" in text
    assert "kind は choice / date / number のいずれかにしてください（datum）" in text
    assert "タグ id「fax」が重複しています" in text


# --------------------------------------------------------------------------- formats and hashes


def test_toml_equivalent_has_the_same_content_hash(tmp_path, vocab):
    from_yaml = load_file(write(tmp_path, "sample.yaml", VALID_YAML), vocab)
    data = valid_data()
    data["description"] = "テスト用の小さなチェックリストです。\n"     # other whitespace, same content
    toml_path = tmp_path / "sample.toml"
    toml_path.write_text(tomli_w.dumps(data), encoding="utf-8")
    from_toml = load_file(toml_path, vocab)
    assert from_toml.source == "sample.toml"
    assert from_toml == from_yaml
    assert from_toml.content_hash() == from_yaml.content_hash()


def test_parse_text_reads_yaml_and_toml_like_load_file(tmp_path, vocab):
    from_file = load_file(write(tmp_path, "sample.yaml", VALID_YAML), vocab)
    from_yaml = parse_text(VALID_YAML, ".yaml", "upload.yaml", vocab)
    from_toml = parse_text(tomli_w.dumps(valid_data()), ".TOML", "upload.toml", vocab)
    assert from_yaml.source == "upload.yaml" and from_toml.source == "upload.toml"
    assert from_yaml.content_hash() == from_toml.content_hash() == from_file.content_hash()
    with pytest.raises(ChecklistError) as info:
        parse_text("id: a\n\tb: c\n", ".yml", "upload.yml", vocab)
    assert info.value.errors[0].startswith("upload.yml: YAML の書き方に誤りがあります（2行目 1列）")
    with pytest.raises(ChecklistError) as info:
        parse_text(VALID_YAML.replace("severity: 高", "severity: 最高"), ".yaml", "upload.yaml", vocab)
    assert any(e.startswith("upload.yaml: 項目 T-01-01: severity は ") for e in info.value.errors)


def test_content_hash_changes_with_content(vocab):
    a = parse_data(valid_data(), "a.yaml", vocab)
    data = valid_data()
    item(data, 0, 0)["severity"] = "中"
    b = parse_data(data, "b.yaml", vocab)
    assert a.content_hash() != b.content_hash()
    assert len(a.content_hash()) == 64


def test_dump_yaml_round_trip(tmp_path, vocab):
    data = valid_data()
    item(data, 0, 0)["guidance"] = "1行目\n2行目: コロンを含む\n  字下げした行"
    item(data, 1, 0)["question"] = "yes"                          # would become a bool if unquoted
    original = parse_data(data, "a.yaml", vocab)
    text = dump_yaml(original)
    assert "保護管理者を指名し" in text                              # Japanese as is, not \u escapes
    assert list(yaml.safe_load(text)) == ["id", "title", "description", "prefix", "tags", "sections"]
    assert list(yaml.safe_load(text)["sections"][0]["items"][0]) == [
        "id", "question", "guidance", "evidence_hint", "evidence_required", "scale", "severity", "tags", "sources"]
    again = load_file(write(tmp_path, "again.yaml", text), vocab)
    assert again.content_hash() == original.content_hash()
    assert again.items()[0].guidance == "1行目\n2行目: コロンを含む\n  字下げした行"


def test_to_data_is_plain(vocab):
    data = parse_data(valid_data(), "a.yaml", vocab).to_data()
    assert data["sections"][0]["items"][1]["expect"] == {"within_days": 35}
    assert type(data["sections"][0]["items"][1]["expect"]) is dict
    assert "expect" not in data["sections"][0]["items"][0]
    assert data["sections"][1]["items"][0]["unit"] == "回"


# --------------------------------------------------------------------------- Excel


def test_excel_round_trip(tmp_path, vocab):
    original = parse_data(valid_data(), "a.yaml", vocab)
    path = tmp_path / "チェックリスト.xlsx"
    write_xlsx(original, path, vocab)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["チェックリスト", "点検項目"]
    sheet = wb["点検項目"]
    assert [c.value for c in sheet[1]] == ["項目ID", "区分ID", "区分名", "質問", "解説", "証跡の例", "証跡必須",
                                           "回答尺度", "重要度", "対象タグ", "根拠", "期待値", "単位",
                                           "計測項目"]
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:N4"
    assert sheet["G2"].value == "はい" and sheet["L3"].value == "within_days=35"
    validated = {str(dv.sqref).split(":")[0] for dv in sheet.data_validations.dataValidation}
    assert {"G2", "H2", "I2"} <= validated
    back = read_xlsx(path, vocab)
    assert back.source == "Excel"
    assert back.content_hash() == original.content_hash()
    # and through an in-memory file, as an upload would arrive
    buffer = io.BytesIO()
    write_xlsx(original, buffer, vocab)
    buffer.seek(0)
    assert read_xlsx(buffer, vocab).content_hash() == original.content_hash()
    assert load_file(path, vocab).content_hash() == original.content_hash()


def test_excel_bad_cells_report_sheet_row_and_column(tmp_path, vocab):
    path = tmp_path / "チェックリスト.xlsx"
    write_xlsx(parse_data(valid_data(), "a.yaml", vocab), path, vocab)
    wb = openpyxl.load_workbook(path)
    sheet = wb["点検項目"]
    sheet["I3"] = "最高"            # 重要度 of the second item (row 3)
    sheet["H4"] = "counts"          # 回答尺度
    sheet["K2"] = "GUIDE 4-8-2\nガイド"
    sheet["L4"] = "at_most 0"       # not key=value
    sheet["G2"] = "多分"
    wb["チェックリスト"]["B3"] = None   # 名称
    wb.save(path)
    with pytest.raises(ChecklistError) as info:
        read_xlsx(path, vocab)
    errors = info.value.errors
    assert 'チェックリスト.xlsx: シート「点検項目」 3行目 I列（重要度）: 高/中/低 のいずれかにしてください（"最高" は使えません）' in errors
    assert any(e.startswith("チェックリスト.xlsx: シート「点検項目」 4行目 H列（回答尺度）: scales.yaml にない回答尺度です")
               for e in errors), errors
    assert any(e.startswith("チェックリスト.xlsx: シート「点検項目」 2行目 K列（根拠）: 「ガイド」の書き方が正しくありません")
               for e in errors), errors
    assert any(e.startswith("チェックリスト.xlsx: シート「点検項目」 4行目 L列（期待値）: within_days=35 のように")
               for e in errors), errors
    assert any(e.startswith("チェックリスト.xlsx: シート「点検項目」 2行目 G列（証跡必須）: はい か いいえ") for e in errors)
    assert errors[0] == "チェックリスト.xlsx: シート「チェックリスト」 3行目 B列（名称）: 必須です。値を書いてください"
    rows = [int(e.split("行目")[0].rsplit(" ", 1)[1]) for e in errors[1:]]
    assert rows == sorted(rows) == [2, 2, 3, 4, 4]          # in sheet order, whatever found them


def test_excel_cells_typed_as_numbers_and_dates(tmp_path, vocab):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "チェックリスト"
    for row in (["項目", "値"], ["ID", "numbers"], ["名称", 2024], ["接頭辞", "N"], ["対象タグ", "mynumber、juki"]):
        ws.append(row)
    wi = wb.create_sheet("点検項目")
    wi.append(["項目ID", "区分ID", "区分名", "質問", "解説", "証跡の例", "回答尺度", "重要度", "根拠", "期待値", "証跡必須"])
    wi.append(["N-01-01", "N-01", datetime(2025, 4, 1), 12.0, 3.5, date(2025, 4, 1), "count", "高",
               "GUIDE 4-8-2; PPC-REPORT 10", "at_least=1", True])
    wi.append(["N-01-02", None, None, "質問", "解説", "記録", "implementation", "低", "CASE setagaya-fax", None, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    checklist = read_xlsx(buffer, vocab, name="upload.xlsx")
    assert checklist.title == "2024"
    assert checklist.tags == ("mynumber", "juki")
    first, second = checklist.items()
    assert checklist.sections[0].title == "2025-04-01"
    assert (first.question, first.guidance, first.evidence_hint) == ("12", "3.5", "2025-04-01")
    assert first.sources == ("GUIDE 4-8-2", "PPC-REPORT 10") and first.evidence_required is True
    assert first.expect == {"at_least": 1}
    assert second.section_id == "N-01"          # blank 区分ID continues the section above (merged cells)


def test_excel_missing_sheet_and_not_an_excel_file(tmp_path, vocab):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    path = tmp_path / "x.xlsx"
    wb.save(path)
    with pytest.raises(ChecklistError) as info:
        read_xlsx(path, vocab)
    assert "x.xlsx: シート「チェックリスト」がありません（シート名を確認してください）" in info.value.errors
    bogus = write(tmp_path, "bogus.xlsx", "not a workbook")
    with pytest.raises(ChecklistError) as info:
        load_file(bogus, vocab)
    assert "Excel ファイル（.xlsx）として読み込めません" in info.value.errors[0]


def test_excel_sections_must_be_consecutive(tmp_path, vocab):
    path = tmp_path / "c.xlsx"
    write_xlsx(parse_data(valid_data(), "a.yaml", vocab), path, vocab)
    wb = openpyxl.load_workbook(path)
    sheet = wb["点検項目"]
    sheet.append([c.value for c in sheet[2]])       # row 5: section T-01 again, after T-02
    sheet["A5"] = "T-01-03"
    wb.save(path)
    with pytest.raises(ChecklistError) as info:
        read_xlsx(path, vocab)
    assert any("5行目 B列（区分ID）: 区分ID「T-01」の行が連続していません" in e for e in info.value.errors), info.value.errors


# --------------------------------------------------------------------------- applicability


@pytest.mark.parametrize("profile, applies", [
    (set(), [True, False, False]),
    ({"juki"}, [True, True, False]),
    ({"fax", "juki"}, [True, True, True]),
    ({"fax", "mynumber"}, [True, False, True]),
])
def test_applicability_by_profile(vocab, profile, applies):
    checklist = parse_data(valid_data(), "a.yaml", vocab)
    result = applicability(checklist, profile, vocab)
    assert [a for _item, a, _reason in result] == applies
    assert [r is None for _item, a, r in result] == applies


def test_applicability_reason_text_and_checklist_tags(vocab):
    data = valid_data()
    data["tags"] = ["mynumber"]
    checklist = parse_data(data, "a.yaml", vocab)
    result = applicability(checklist, ["juki"], vocab)
    assert result[0][2] == "この課は「特定個人情報を取り扱う」に該当しないため対象外です。"
    assert result[1][1] is False
    assert result[2][2] == "この課は「特定個人情報を取り扱う」「FAXで個人情報を送受信する」に該当しないため対象外です。"
    full = applicability(checklist, {"mynumber", "juki", "fax"}, vocab)
    assert all(applies for _i, applies, _r in full)
    assert applicability(parse_data(valid_data(), "a.yaml", vocab), ["juki"], vocab)[2][2] == \
        "この課は「FAXで個人情報を送受信する」に該当しないため対象外です。"


# --------------------------------------------------------------------------- clauses and coverage


@pytest.mark.parametrize("source, ref, expected", [
    ("GUIDE 4-8-1", "GUIDE 4-8-1", True),
    ("GUIDE 4-8-12", "GUIDE 4-8-1", False),
    ("GUIDE 4-8-12(1)", "GUIDE 4-8-1", False),
    ("GUIDE 4-8-1", "GUIDE 4-8-12", False),
    ("GUIDE 4-8-12(1)", "GUIDE 4-8-12", True),
    ("GUIDE 4-8-12(1)", "GUIDE 4-8-12(1)", True),
    ("GUIDE 4-8-12(2)", "GUIDE 4-8-12(1)", False),
    ("GUIDE 4-8-6", "GUIDE 4-8-6(3)", False),
    ("PIA Ⅲ-3 リスク2", "PIA Ⅲ-3", True),
    ("PIA Ⅲ-3", "PIA Ⅲ-3 リスク2", False),
    ("MYNUM 別添1 2-C-b", "MYNUM 別添1 2-C", False),
    ("PPC-REPORT 10", "PPC-REPORT 1", False),
    ("CASE tokorozawa-juki", "CASE tokorozawa-juki", True),
])
def test_covers_boundaries(source, ref, expected):
    assert covers(source, ref) is expected


def test_coverage_lists_items_per_clause(vocab):
    checklist = parse_data(valid_data(), "a.yaml", vocab)
    clauses = [{"ref": "GUIDE 4-8-6", "part": "A", "topic": "x"}, {"ref": "GUIDE 4-8-2", "part": "A", "topic": "x"},
               {"ref": "PIA Ⅲ-5", "part": "D", "topic": "x"}, {"ref": "GUIDE 4-8-1", "part": "A", "topic": "x"}]
    result = coverage([checklist], clauses)
    assert list(result) == ["GUIDE 4-8-6", "GUIDE 4-8-2", "PIA Ⅲ-5", "GUIDE 4-8-1"]
    assert [i.id for i in result["GUIDE 4-8-6"]] == ["T-01-02"]
    assert [i.id for i in result["GUIDE 4-8-2"]] == ["T-01-01"]
    assert [i.id for i in result["PIA Ⅲ-5"]] == ["T-02-01"]
    assert result["GUIDE 4-8-1"] == []


def test_builtin_clauses_load():
    clauses = load_clauses()
    refs = [c["ref"] for c in clauses]
    assert len(refs) == len(set(refs))
    assert {c["part"] for c in clauses} == {"A", "B", "C", "D", "E"}
    assert [f"GUIDE 4-8-{n}" for n in range(1, 14)] == [r for r in refs if r.count("(") == 0 and r.startswith("GUIDE")]
    assert {"GUIDE 4-8-5(9)", "GUIDE 4-8-6(3)", "GUIDE 4-8-11(6)", "GUIDE 4-8-12(1)", "GUIDE 4-8-12(2)"} <= set(refs)
    assert [r for r in refs if r.startswith("PPC-REPORT")] == [f"PPC-REPORT {n}" for n in range(1, 16)]
    assert len([r for r in refs if r.startswith("CASE ")]) == 9
    assert all(c["topic"] for c in clauses)


# --------------------------------------------------------------------------- several files: lint, builtin, CLI


def test_lint_reports_across_files(tmp_path, vocab, monkeypatch):
    monkeypatch.setattr(vocabulary, "load_vocabulary", lambda folder=None: vocab)
    good = write(tmp_path, "good.yaml", VALID_YAML)
    assert lint([good]) == []
    other = write(tmp_path, "other.yaml", VALID_YAML.replace("severity: 高", "severity: 最高"))
    errors = lint([good, other])
    assert any(e.endswith('other.yaml: 項目 T-01-01: severity は 高/中/低 のいずれかにしてください（"最高" は使えません）')
               for e in errors), errors
    clash = write(tmp_path, "clash.yaml", VALID_YAML.replace("id: sample", "id: another"))
    errors = lint([good, clash])
    assert len(errors) == 1 and "prefix は 他のチェックリストと重複しています" in errors[0]


def test_cli_lint_exit_codes(tmp_path, vocab, monkeypatch, capsys):
    monkeypatch.setattr(vocabulary, "load_vocabulary", lambda folder=None: vocab)
    good = write(tmp_path, "good.yaml", VALID_YAML)
    assert loader.main(["lint", str(good)]) == 0
    assert "OK: 1 ファイル、チェックリスト 1 件、区分 2 件、項目 3 件" in capsys.readouterr().out
    bad = write(tmp_path, "bad.yaml", VALID_YAML.replace("scale: date", "scale: datum"))
    assert loader.main(["lint", str(bad)]) == 1
    assert "scale は scales.yaml にない回答尺度です" in capsys.readouterr().out


def test_cli_converts_between_formats(tmp_path, vocab, monkeypatch, capsys):
    monkeypatch.setattr(vocabulary, "load_vocabulary", lambda folder=None: vocab)
    src = write(tmp_path, "good.yaml", VALID_YAML)
    xlsx = tmp_path / "good.xlsx"
    assert loader.main(["to-xlsx", str(src), str(xlsx)]) == 0
    out = tmp_path / "back.yaml"
    assert loader.main(["to-yaml", str(xlsx), "-o", str(out)]) == 0
    assert load_file(out, vocab).content_hash() == load_file(src, vocab).content_hash()


def test_load_builtin_from_a_folder(tmp_path):
    (tmp_path / "scales.yaml").write_text(SCALES_YAML, encoding="utf-8")
    (tmp_path / "tags.yaml").write_text(TAGS_YAML, encoding="utf-8")
    (tmp_path / "clauses.yaml").write_text("clauses: [{ref: GUIDE 4-8-2, part: A, topic: 管理体制}]\n",
                                           encoding="utf-8")
    write(tmp_path, "b.yaml", VALID_YAML)
    data = valid_data()
    data["id"], data["prefix"] = "second", "S"
    for section in data["sections"]:
        section["id"] = section["id"].replace("T-", "S-")
        for it in section["items"]:
            it["id"] = it["id"].replace("T-", "S-")
    (tmp_path / "a.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    checklists = load_builtin(tmp_path)
    assert [c.id for c in checklists] == ["second", "sample"]        # sorted by file name
    assert [c.source for c in checklists] == ["a.toml", "b.yaml"]
    write(tmp_path, "c.yaml", VALID_YAML)                            # same id and prefix as b.yaml
    with pytest.raises(ChecklistError) as info:
        load_builtin(tmp_path)
    assert len(info.value.errors) == 2
    assert "id は 他のチェックリストと重複しています" in info.value.errors[0]


def test_every_builtin_checklist_present_loads():
    files = loader.builtin_files(BUILTIN_DIR)
    if not files:
        pytest.skip("no built-in checklist files yet")
    checklists = load_builtin()
    assert len(checklists) == len(files)
    for checklist in checklists:
        assert checklist.items()


# --------------------------------------------------------------------------- robustness (property test)

_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10 ** 20, max_value=10 ** 20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["高", "中", "低", "implementation", "date", "count", "juki", "fax", "T-01", "T-01-01",
                     "GUIDE 4-8-6(3)", "PIA Ⅲ-3 リスク2", "", " ", "within_days", "at_least"]),
    st.dates(),
)
_value = st.recursive(_leaf, lambda children: st.one_of(
    st.lists(children, max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from(loader.ITEM_KEYS), st.integers()),
                    children, max_size=3)),
    max_leaves=8)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


@st.composite
def mutated_checklists(draw):
    data = valid_data()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = list(_paths(data))
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            if action == "replace":
                data = draw(_value)
            continue
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if action == "replace":
            parent[path[-1]] = draw(_value)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.one_of(st.text(max_size=8), st.sampled_from(loader.ITEM_KEYS)))] = draw(_value)
        else:
            parent.append(draw(_value))
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=mutated_checklists())
def test_mutated_data_either_loads_or_raises_checklist_error(vocab, data):
    snapshot = copy.deepcopy(data)
    try:
        result = parse_data(data, "fuzz.yaml", vocab)
    except ChecklistError as exc:
        assert exc.errors and all(isinstance(e, str) and e.startswith("fuzz.yaml") for e in exc.errors)
    else:
        assert isinstance(result, Checklist)
        result.content_hash()
        parse_data(yaml.safe_load(dump_yaml(result)), "again.yaml", vocab)
    assert data == snapshot or data != data      # parse_data never modifies its input (NaN != NaN)


_free_text = st.text(
    alphabet=st.one_of(st.sampled_from(list("保護管理者の記録を確認するか。、「」（）ａ１ 　\n\t:#-=\"'|>{}[],&*!%@`")),
                       st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))),
    min_size=1, max_size=40,
).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=_free_text, guidance=_free_text, title=_free_text)
def test_any_valid_text_survives_yaml_and_excel_round_trips(vocab, question, guidance, title):
    data = valid_data()
    data["title"] = title
    item(data, 0, 0)["question"] = question
    item(data, 1, 0)["guidance"] = guidance
    original = parse_data(data, "a.yaml", vocab)
    again = parse_data(yaml.safe_load(dump_yaml(original)), "b.yaml", vocab)
    assert again.content_hash() == original.content_hash()
    buffer = io.BytesIO()
    write_xlsx(original, buffer, vocab)
    buffer.seek(0)
    assert read_xlsx(buffer, vocab).content_hash() == original.content_hash()


# --------------------------------------------------------------------------- measurement items


def test_a_measurement_item_needs_no_expect(vocab):
    data = valid_data()
    counted = item(data, 1, 0)
    counted.pop("expect", None)
    counted["measurement"] = True
    checklist = parse_data(data, "x.yaml", vocab)
    parsed = checklist.item(counted["id"])
    assert parsed.measurement is True and parsed.expect is None
    assert checklist.to_data()["sections"][1]["items"][0]["measurement"] is True


@pytest.mark.parametrize("change, message", [
    ({"measurement": True}, "expect"),                                   # measured and judged at once
    ({"measurement": "yes"}, "true か false"),
    ({"measurement": True, "scale": "implementation", "expect": None}, "数値の回答尺度"),
])
def test_a_measurement_item_is_a_plain_figure(vocab, change, message):
    data = valid_data()
    counted = item(data, 1, 0)
    counted.setdefault("expect", {"at_most": 0})
    counted.update(change)
    if counted.get("expect") is None:
        counted.pop("expect")
    assert any("measurement" in e and message in e for e in errors_of(data, vocab))
