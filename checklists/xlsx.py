"""Checklists as Excel workbooks, for content writers who prefer a spreadsheet: ``write_xlsx``
writes the sheets チェックリスト and 点検項目 (plus the reference sheets タグ一覧 and
回答尺度一覧), ``read_xlsx`` reads that layout back and validates it with the parser, naming
sheet, row and column in its messages.  openpyxl is imported only when a workbook is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .model import CATEGORY_LABELS, SEVERITY_LABELS, Checklist, ChecklistError, Vocabulary
from .parser import Loc, _kind_ja, _Parser
from .text import _norm_text, _show, _suggest
from .vocabulary import _default_vocab
from .xlsx_reader import WorkbookRejected, open_workbook, sheet_rows

SHEET_CHECKLIST = "チェックリスト"
SHEET_ITEMS = "点検項目"
SHEET_TAGS = "タグ一覧"
SHEET_SCALES = "回答尺度一覧"

CHECKLIST_ROWS = (("ID", "id"), ("名称", "title"), ("説明", "description"), ("接頭辞", "prefix"),
                  ("対象タグ", "tags"))
# (header, field, width, required column)
ITEM_COLUMNS = (
    ("項目ID", "id", 12, True),
    ("区分ID", "section_id", 9, True),
    ("区分名", "section_title", 18, True),
    ("質問", "question", 50, True),
    ("解説", "guidance", 50, True),
    ("証跡の例", "evidence_hint", 30, True),
    ("証跡必須", "evidence_required", 9, False),
    ("回答尺度", "scale", 15, True),
    ("重要度", "severity", 8, True),
    ("対象タグ", "tags", 16, False),
    ("根拠", "sources", 24, True),
    ("期待値", "expect", 16, False),
    ("単位", "unit", 7, False),
    ("計測項目", "measurement", 9, False),
)
FLAG_COLUMNS = ("evidence_required", "measurement")   # はい / いいえ, blank = いいえ
YES, NO = "はい", "いいえ"
MAX_ITEMS = 2000           # rows of 点検項目 read on import (one item each); a value further down rejects the file
MAX_CHECKLIST_ROWS = 100   # rows of チェックリスト (it has six)
MAX_COLUMNS = 50           # columns read on either sheet (点検項目 has 13)
_MULTI_SPLIT_RE = re.compile(r"[\n;；、,，]")
_EXPECT_PAIR_RE = re.compile(r"\s*([^=＝:：\s]+)\s*[=＝:：]\s*(\S+)\s*")


def _cell_text(value: Any) -> str:
    """A cell's value as text (numbers, dates and booleans too)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _split_multi(text: str) -> list[str]:
    return [part.strip() for part in _MULTI_SPLIT_RE.split(text) if part.strip()]


def _format_expect(expect: Mapping | None) -> str:
    if not expect:
        return ""
    return "; ".join(f"{k}={v}" for k, v in expect.items())


def _set(cell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"      # text, never a formula


def write_xlsx(checklist: Checklist, path_or_file, vocab: Vocabulary | None = None, *, layout=None) -> None:
    """Write the checklist as an Excel workbook (sheets チェックリスト and 点検項目, plus
    reference sheets タグ一覧 and 回答尺度一覧 that read_xlsx ignores). `layout(sheet, header_row)`, when
    given, sets each sheet's print and view setup (the app passes audits.xlsx.page_setup)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    try:
        vocab = _default_vocab(vocab)
    except ChecklistError:
        vocab = None
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_CHECKLIST
    ws.append(["項目", "値"])
    values = {"id": checklist.id, "title": checklist.title, "description": checklist.description,
              "prefix": checklist.prefix, "tags": "\n".join(checklist.tags)}
    for label, key in CHECKLIST_ROWS:
        ws.append([label, None])
        _set(ws.cell(ws.max_row, 2), values[key])
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = wrap
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 90
    ws.freeze_panes = "A2"

    wi = wb.create_sheet(SHEET_ITEMS)
    wi.append([c[0] for c in ITEM_COLUMNS])
    for section in checklist.sections:
        for item in section.items:
            row = {
                "id": item.id, "section_id": section.id, "section_title": section.title,
                "question": item.question, "guidance": item.guidance, "evidence_hint": item.evidence_hint,
                "evidence_required": YES if item.evidence_required else NO, "scale": item.scale,
                "severity": SEVERITY_LABELS[item.severity], "tags": "\n".join(item.tags), "sources": "\n".join(item.sources),
                "expect": _format_expect(item.expect), "unit": item.unit or "",
                "measurement": YES if item.measurement else NO,
            }
            r = wi.max_row + 1
            for c, (_h, key, _w, _req) in enumerate(ITEM_COLUMNS, 1):
                _set(wi.cell(r, c), row[key] if row[key] != "" else None)
    last_col = get_column_letter(len(ITEM_COLUMNS))
    for c, (_h, _key, width, _req) in enumerate(ITEM_COLUMNS, 1):
        wi.column_dimensions[get_column_letter(c)].width = width
    for row in wi.iter_rows(min_row=1, max_row=wi.max_row):
        for cell in row:
            cell.alignment = wrap
    for cell in wi[1]:
        cell.font = bold
        cell.fill = fill
    wi.freeze_panes = "B2"
    wi.auto_filter.ref = f"A1:{last_col}{wi.max_row}"

    extra = wi.max_row + 300
    col = {key: get_column_letter(i) for i, (_h, key, _w, _r) in enumerate(ITEM_COLUMNS, 1)}
    validations = [
        ("severity", ",".join(SEVERITY_LABELS.values()), "重要度", "高/中/低 のいずれかを選んでください"),
        ("evidence_required", f"{YES},{NO}", "証跡必須", "はい か いいえ を選んでください"),
        ("measurement", f"{YES},{NO}", "計測項目", "はい か いいえ を選んでください"),
    ]
    if vocab is not None and vocab.scales:
        scale_list = ",".join(vocab.scales)
        if len(scale_list) <= 250:
            validations.append(("scale", scale_list, "回答尺度", "回答尺度一覧シートの ID から選んでください"))
    for key, options, title, message in validations:
        dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=(key in FLAG_COLUMNS),
                            showErrorMessage=True, errorTitle=title, error=message)
        wi.add_data_validation(dv)
        dv.add(f"{col[key]}2:{col[key]}{extra}")

    if vocab is not None:
        wt = wb.create_sheet(SHEET_TAGS)
        wt.append(["タグID", "名称", "説明"])
        for tag in vocab.tags.values():
            wt.append([tag.id, tag.label, tag.description])
        ws_ = wb.create_sheet(SHEET_SCALES)
        ws_.append(["回答尺度ID", "名称", "種類", "選択肢・単位", "期待値の書き方"])
        for scale in vocab.scales.values():
            if scale.kind == "choice":
                detail = "\n".join(f"{o.label}（{CATEGORY_LABELS[o.category]}）" for o in scale.options)
                how = "（書かない）"
            elif scale.kind == "date":
                detail, how = "日付", "within_days=365（何日以内なら実施）"
            else:
                detail = f"単位: {scale.unit or ''}"
                how = "at_least=100 又は at_most=0（計測項目には書かない）"
            if scale.kind != "choice" and scale.options:
                detail += "\n値の代わりに: " + "／".join(f"{o.label}（{CATEGORY_LABELS[o.category]}）" for o in scale.options)
            ws_.append([scale.id, scale.label, _kind_ja(scale.kind), detail, how])
        for sheet, widths in ((wt, (16, 34, 80)), (ws_, (16, 40, 10, 34, 34))):
            for i, width in enumerate(widths, 1):
                sheet.column_dimensions[get_column_letter(i)].width = width
            for row in sheet.iter_rows():
                for cell in row:
                    cell.alignment = wrap
            for cell in sheet[1]:
                cell.font = bold
                cell.fill = fill
            sheet.freeze_panes = "A2"

    wb.properties.title = checklist.title
    if layout is not None:
        for sheet in wb.worksheets:
            layout(sheet, 1)
    wb.save(path_or_file)


def _xlsx_name(path_or_file, name: str | None) -> str:
    if name:
        return name
    if isinstance(path_or_file, (str, Path)):
        return Path(path_or_file).name
    fname = getattr(path_or_file, "name", None) or getattr(path_or_file, "filename", None)
    if isinstance(fname, str) and fname:
        return Path(fname).name
    return "Excel"


def read_xlsx(path_or_file, vocab: Vocabulary | None = None, name: str | None = None) -> Checklist:
    """Read a workbook in the write_xlsx layout. Errors name sheet, row and column:
    ``チェックリスト.xlsx: シート「点検項目」 5行目 I列（重要度）: 高/中/低 のいずれかにしてください``.
    ``name`` is the file name used in messages (default: the file's own name).
    Rows of 点検項目 whose 区分ID / 区分名 are blank continue the section above (merged cells)."""
    from openpyxl.utils import get_column_letter

    vocab = _default_vocab(vocab)
    shown = _xlsx_name(path_or_file, name)
    try:
        if hasattr(path_or_file, "read"):
            if hasattr(path_or_file, "seek"):
                path_or_file.seek(0)      # a zip is read whole, wherever the caller left the position
            data = path_or_file.read()
        else:
            data = Path(path_or_file).read_bytes()
    except OSError as exc:
        raise ChecklistError(f"{shown}: ファイルを読めません（{type(exc).__name__}）")
    try:
        wb = open_workbook(data)
    except WorkbookRejected as rejected:
        raise ChecklistError(f"{shown}: {rejected}")
    missing = [s for s in (SHEET_CHECKLIST, SHEET_ITEMS) if s not in wb.sheetnames]
    if missing:
        raise ChecklistError([f"{shown}: シート「{s}」がありません（シート名を確認してください）" for s in missing])
    try:
        top_cells = list(sheet_rows(wb[SHEET_CHECKLIST], max_rows=MAX_CHECKLIST_ROWS, max_columns=MAX_COLUMNS))
        item_cells = list(sheet_rows(wb[SHEET_ITEMS], max_rows=MAX_ITEMS + 1, max_columns=MAX_COLUMNS))
    except WorkbookRejected as rejected:
        raise ChecklistError(f"{shown}: {rejected}")
    errors: list[str] = []

    # -- sheet チェックリスト: label / value rows
    label_to_key = dict(CHECKLIST_ROWS)
    top: dict[str, Any] = {}
    top_rows: dict[str, int] = {}
    for r, row in top_cells:
        label = _cell_text(row[0] if row else None).strip()
        value = row[1] if len(row) > 1 else None
        if not label or (r == 1 and label == "項目"):
            continue
        key = label_to_key.get(label)
        if key is None:
            errors.append(f"{shown}: シート「{SHEET_CHECKLIST}」 {r}行目 A列: 不明な項目「{_show(label)}」です"
                          f"（{'、'.join(label_to_key)} のいずれか）")
            continue
        if key in top_rows:
            errors.append(f"{shown}: シート「{SHEET_CHECKLIST}」 {r}行目 A列: 「{label}」が重複しています"
                          f"（{top_rows[key]}行目にもあります）")
            continue
        top_rows[key] = r
        text = _cell_text(value)
        top[key] = _split_multi(text) if key == "tags" else (text if text.strip() else None)

    # -- sheet 点検項目: header + one row per item
    header_to_key = {h: k for h, k, _w, _r in ITEM_COLUMNS}
    columns: dict[str, int] = {}
    header_row = item_cells[0][1] if item_cells else ()
    for c, value in enumerate(header_row, 1):
        head = _cell_text(value).strip()
        if not head:
            continue
        key = header_to_key.get(head)
        if key is None:
            errors.append(f"{shown}: シート「{SHEET_ITEMS}」 1行目 {get_column_letter(c)}列: "
                          f"不明な見出し「{_show(head)}」です{_suggest(head, header_to_key)}")
        elif key in columns:
            errors.append(f"{shown}: シート「{SHEET_ITEMS}」 1行目 {get_column_letter(c)}列: 見出し「{head}」が重複しています")
        else:
            columns[key] = c
    for head, key, _w, required in ITEM_COLUMNS:
        if required and key not in columns:
            errors.append(f"{shown}: シート「{SHEET_ITEMS}」 1行目: 見出し「{head}」の列がありません")
    if errors:
        raise ChecklistError(errors)

    def col_label(key: str) -> str:
        c = columns.get(key)
        head = next(h for h, k, _w, _r in ITEM_COLUMNS if k == key)
        return f"{get_column_letter(c)}列（{head}）" if c else f"「{head}」列"

    sections: list[dict] = []
    section_rows: list[int] = []
    item_rows: dict[tuple[int, int], int] = {}
    seen_section_ids: set[str] = set()
    current_id: str | None = None
    current_title_row: int | None = None
    for r, row in item_cells[1:]:
        cells = {key: (row[c - 1] if c - 1 < len(row) else None) for key, c in columns.items()}
        if all(_cell_text(v).strip() == "" for v in cells.values()):
            continue
        sid = _cell_text(cells.get("section_id")).strip()
        stitle = _cell_text(cells.get("section_title")).strip()
        if not sid:
            if current_id is None:
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('section_id')}: 必須です。値を書いてください")
                continue
            sid = current_id
        if sid != current_id:
            if sid in seen_section_ids:
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('section_id')}: "
                              f"区分ID「{sid}」の行が連続していません（同じ区分の行はまとめて並べてください）")
            seen_section_ids.add(sid)
            sections.append({"id": sid, "title": stitle or None, "items": []})
            section_rows.append(r)
            current_id = sid
            current_title_row = r if stitle else None
        elif stitle:
            section = sections[-1]
            if section["title"] is None:
                section["title"] = stitle
                current_title_row = r
            elif _norm_text(stitle) != _norm_text(section["title"]):
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('section_title')}: "
                              f"同じ区分ID「{sid}」で区分名が異なります（{current_title_row}行目は「{_show(section['title'])}」）")
        item: dict[str, Any] = {}
        for key in ("id", "question", "guidance", "evidence_hint", "scale", "severity", "unit"):
            text = _cell_text(cells.get(key))
            if text.strip():
                item[key] = text
        for key in FLAG_COLUMNS:
            flag = cells.get(key)
            if isinstance(flag, bool):
                item[key] = flag
                continue
            text = _cell_text(flag).strip()
            if text in (YES, "TRUE", "true", "True"):
                item[key] = True
            elif text in (NO, "FALSE", "false", "False", ""):
                item[key] = False
            else:
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label(key)}: "
                              f"{YES} か {NO} にしてください（\"{_show(text)}\" は使えません）")
        for key in ("tags", "sources"):
            text = _cell_text(cells.get(key))
            if text.strip():
                item[key] = _split_multi(text)
        text = _cell_text(cells.get("expect")).strip()
        if text:
            expect: dict[str, Any] = {}
            for part in _split_multi(text):
                m = _EXPECT_PAIR_RE.fullmatch(part)
                if not m:
                    errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {r}行目 {col_label('expect')}: "
                                  f"within_days=35 のように「キー=数値」で書いてください（\"{_show(part)}\"）")
                    expect = {}
                    break
                key, val = m.group(1), m.group(2)
                try:
                    expect[key] = int(val)
                except ValueError:
                    try:
                        expect[key] = float(val)
                    except ValueError:
                        expect[key] = val
            if expect:
                item["expect"] = expect
        item_rows[(len(sections) - 1, len(sections[-1]["items"]))] = r
        sections[-1]["items"].append(item)

    data: dict[str, Any] = dict(top)
    data["sections"] = sections

    def emit(loc: Loc, fld: str | None, msg: str, xlsx_msg: str | None = None) -> None:
        text = xlsx_msg or msg
        if not loc:
            label = next((lb for lb, k in CHECKLIST_ROWS if k == fld), None)
            if fld == "sections":
                errors.append(f"{shown}: シート「{SHEET_ITEMS}」: {text}")
            elif fld in top_rows:
                errors.append(f"{shown}: シート「{SHEET_CHECKLIST}」 {top_rows[fld]}行目 B列（{label}）: {text}")
            else:
                errors.append(f"{shown}: シート「{SHEET_CHECKLIST}」 「{label or fld}」の行: {text}")
            return
        if loc[0] == "s":
            r = section_rows[loc[1]]
            key = {"id": "section_id", "title": "section_title"}.get(fld or "", None)
        else:
            r = item_rows[(loc[1], loc[2])]
            key = fld
        where = f"{r}行目 {col_label(key)}" if key in header_to_key.values() else f"{r}行目"
        errors.append(f"{shown}: シート「{SHEET_ITEMS}」 {where}: {text}")

    checklist = _Parser(vocab, emit).parse(data, "Excel")
    if errors or checklist is None:
        raise ChecklistError(sorted(errors, key=_xlsx_error_order))
    return checklist


_XLSX_WHERE_RE = re.compile(r"シート「([^」]+)」(?: (\d+)行目)?")


def _xlsx_error_order(message: str) -> tuple[int, int]:
    """Sort Excel messages by sheet (チェックリスト first) and row; stable otherwise."""
    m = _XLSX_WHERE_RE.search(message)
    if not m:
        return (0, 0)
    sheet = 1 if m.group(1) == SHEET_CHECKLIST else 2
    return (sheet, int(m.group(2) or 0))
