"""A sheet in Excel for offline work, and the filled-in workbook back: all or nothing."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.datavalidation import DataValidation
from sqlite_utils import Database

from checklists.model import category_label, severity_label
from checklists.xlsx_reader import WorkbookRejected, open_workbook, sheet_rows

from ..activity import service as activity
from ..db import transaction
from ..pia.values import sheet_title
from ..timeutil import now, now_iso
from ..wareki import nendo
from ..xlsx import (WAREKI_DATE_FORMAT, WAREKI_DATETIME_FORMAT, WRAP, as_date, autofilter, page_setup, properties,
                    set_text, write_header)
from . import service
from .answers import AnswerInput, normalise_value, scale_of, validate

SHEET_NAME = "点検票"
ID_CELL = "B4"
HEADER_ROW = 7
COLUMNS = ["項目ID", "区分", "質問", "重要度", "証跡必須", "回答", "具体的な実施内容", "該当しない理由",
           "改善予定（内容）", "改善予定（期限）", "改善予定（担当）", "版（変更しない）", "判定"]
WIDTHS = [11, 22, 60, 7, 8, 22, 50, 30, 40, 14, 18, 9, 10]
FIELD_COLUMNS = {"value": 6, "detail": 7, "na_reason": 8, "plan_action": 9, "plan_due": 10, "plan_owner": 11}
REVISION_COLUMN = 12
GREY = PatternFill("solid", fgColor="EEEEEE")
ROW_MARGIN = 100      # rows an import may hold beyond the header and one row per item (notes, blank lines)
MAX_COLUMNS = 50      # columns read; the layout has 13, a value further right rejects the file


class ImportRejected(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def _column_letter(index: int) -> str:
    return chr(ord("A") + index - 1)


def export(db: Database, sheet: dict, author: str = "") -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET_NAME
    ws["A1"] = f"{nendo(sheet['fiscal_year'])} {sheet_title(sheet)}（Excel 記入用）"
    properties(workbook, f"{ws['A1'].value} {sheet['department_name']}", author)
    ws["A1"].font = Font(bold=True, size=14)
    for row, (label, value) in enumerate([("課", f"{sheet['bureau_name']} {sheet['department_name']}"),
                                          ("点検計画", sheet["schedule_title"]), ("点検票ID", sheet["id"]),
                                          ("出力日時", as_date(now_iso()))], start=2):
        ws.cell(row=row, column=1, value=label).font = Font(bold=True)
        cell = ws.cell(row=row, column=2)
        if label == "点検票ID":
            cell.value = value  # a number, read back on import
        elif label == "出力日時":
            cell.value, cell.number_format = value, WAREKI_DATETIME_FORMAT
        else:
            set_text(cell, value)
    ws["D2"] = "回答・実施内容・改善予定の列だけを記入してください。項目ID・版の列は変更しないでください。"
    write_header(ws, HEADER_ROW, COLUMNS, WIDTHS)
    row = HEADER_ROW
    validations: dict[str, DataValidation] = {}
    for section in service.sheet_items(db, sheet):
        for entry in section.items:
            row += 1
            item, answer = entry.item, entry.answer or {}
            values = [item["item_id"], f"{section.id} {section.title}", item["question"],
                      severity_label(item["severity"]),
                      "実施なら必須" if item["evidence_required"] else ""]
            for column, value in enumerate(values, start=1):
                set_text(ws.cell(row=row, column=column), value)
            if not entry.applies:
                set_text(ws.cell(row=row, column=6), "（対象外）")
                set_text(ws.cell(row=row, column=8), answer.get("na_reason"))
                for column in range(1, len(COLUMNS) + 1):
                    ws.cell(row=row, column=column).fill = GREY
                continue
            scale = scale_of(item)
            value_cell = ws.cell(row=row, column=6)
            if scale.kind == "choice":
                option = scale.option(answer.get("value") or "")
                set_text(value_cell, option.label if option else None)
                key = "list:" + scale.id
                if key not in validations:
                    validations[key] = DataValidation(
                        type="list", formula1='"' + ",".join(o.label for o in scale.options) + '"', allow_blank=True,
                        errorTitle="回答", error="一覧から選んでください。")
                validations[key].add(value_cell)
            elif scale.option(answer.get("value") or ""):     # 「実施していない」 etc. instead of a value
                set_text(value_cell, scale.option(answer["value"]).label)
            elif scale.kind == "date":
                value_cell.value = date.fromisoformat(answer["value"]) if answer.get("value") else None
                value_cell.number_format = WAREKI_DATE_FORMAT
            else:
                value_cell.value = float(answer["value"]) if answer.get("value") else None
            for name in ("detail", "na_reason", "plan_action", "plan_owner"):
                set_text(ws.cell(row=row, column=FIELD_COLUMNS[name]), answer.get(name))
            due = ws.cell(row=row, column=FIELD_COLUMNS["plan_due"])
            due.value = date.fromisoformat(answer["plan_due"]) if answer.get("plan_due") else None
            due.number_format = WAREKI_DATE_FORMAT
            ws.cell(row=row, column=REVISION_COLUMN, value=answer.get("revision", 0))
            set_text(ws.cell(row=row, column=13), category_label(answer.get("category")))
            for column in (3, 7, 8, 9):
                ws.cell(row=row, column=column).alignment = WRAP
    for validation in validations.values():
        ws.add_data_validation(validation)
    autofilter(ws, HEADER_ROW, len(COLUMNS), row)
    page_setup(ws, HEADER_ROW)
    for column in range(1, len(COLUMNS) + 1):
        ws.cell(row=HEADER_ROW, column=column).protection = Protection(locked=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    activity.record(db, "sheet.export", department_code=sheet["department_code"], object_type="sheet",
                    object_id=sheet["id"], detail={"format": "xlsx"})
    return buffer.getvalue()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _value_from_cell(item: dict, raw) -> tuple[str, str | None]:
    """Cell -> stored value, or an error message."""
    text = _cell_text(raw)
    if not text:
        return "", None
    scale = scale_of(item)
    for option in scale.options:
        if text in (option.label, option.id):
            return option.id, None
    if scale.kind == "choice":
        return "", "一覧の選択肢（" + "／".join(o.label for o in scale.options) + "）から選んでください"
    return text, None


@dataclass
class ImportSummary:
    changed: int
    unchanged: int


def import_workbook(db: Database, sheet: dict, data: bytes, filename: str, user,
                    today: date | None = None) -> ImportSummary:
    """Apply a filled-in workbook. Any bad cell: ImportRejected with every error, nothing applied."""
    today = today or now().date()
    try:
        workbook = open_workbook(data)
    except WorkbookRejected as rejected:
        raise ImportRejected([f"{filename}: {rejected}"])
    if SHEET_NAME not in workbook.sheetnames:
        raise ImportRejected([f"{filename}: シート「{SHEET_NAME}」がありません。Tenken から出力したファイルを使ってください。"])
    entries = {e.item["item_id"]: e for s in service.sheet_items(db, sheet) for e in s.items}
    try:
        rows = list(sheet_rows(workbook[SHEET_NAME], max_rows=HEADER_ROW + len(entries) + ROW_MARGIN,
                               max_columns=MAX_COLUMNS))
    except WorkbookRejected as rejected:
        raise ImportRejected([f"{filename}: {rejected}"])
    id_row, id_column = coordinate_to_tuple(ID_CELL)
    id_cells = rows[id_row - 1][1] if len(rows) >= id_row else ()
    sheet_id = _cell_text(id_cells[id_column - 1] if len(id_cells) >= id_column else None)
    if sheet_id != str(sheet["id"]):
        raise ImportRejected([f"{filename}: この Excel は別の点検票（ID {sheet_id or '不明'}）のものです。"
                              f"この点検票（ID {sheet['id']}）から出力したファイルを使ってください。"])
    errors: list[str] = []
    planned: list[tuple[dict, AnswerInput, int]] = []
    unchanged = 0
    seen = set()
    for line, row in rows[HEADER_ROW:]:
        item_id = _cell_text(row[0] if row else None)
        if not item_id:
            continue
        where = f"シート「{SHEET_NAME}」 {line}行目"
        entry = entries.get(item_id)
        if entry is None:
            errors.append(f"{where} A列（項目ID）: 項目 {item_id} はこの点検票にありません")
            continue
        if item_id in seen:
            errors.append(f"{where} A列（項目ID）: 項目 {item_id} が重複しています")
            continue
        seen.add(item_id)
        if not entry.applies:
            continue
        cells = {name: row[column - 1] if len(row) >= column else None for name, column in FIELD_COLUMNS.items()}
        value, problem = _value_from_cell(entry.item, cells["value"])
        if problem:
            errors.append(f"{where} F列（回答）: {problem}")
            continue
        typed = AnswerInput(value=value, **{n: _cell_text(cells[n]) for n in FIELD_COLUMNS if n != "value"})
        current = entry.answer or {}
        stored = service.answer_snapshot(current if current else None)
        if all(not getattr(typed, n) for n in FIELD_COLUMNS) and not current.get("value"):
            continue  # left blank and never answered
        comparable = {**typed.as_dict(), "evidence_note": stored.get("evidence_note", "")}
        try:
            comparable["value"] = normalise_value(entry.item, comparable["value"])
        except ValueError:
            pass
        if comparable == {k: (str(v) if v is not None else "") for k, v in stored.items()}:
            unchanged += 1
            continue
        revision_cell = row[REVISION_COLUMN - 1] if len(row) >= REVISION_COLUMN else None
        base = int(revision_cell) if isinstance(revision_cell, (int, float)) else -1
        if base != current.get("revision", 0):
            errors.append(f"{where} L列（版）: この項目は Excel の出力後に変更されています（現在 第{current.get('revision', 0)}版）。"
                          "最新の Excel を出力し直して記入してください")
            continue
        evaluation = validate(entry.item, typed, today=today, stored_plan_due=current.get("plan_due"))
        for name, message in evaluation.errors.items():
            column = FIELD_COLUMNS.get(name, 6)
            errors.append(f"{where} {_column_letter(column)}列（{COLUMNS[column - 1]}）: {message}")
        if not evaluation.errors:
            typed.evidence_note = stored.get("evidence_note", "")
            planned.append((entry.item, typed, base))
    if errors:
        raise ImportRejected(errors)
    with transaction(db):
        changed = 0
        for item, typed, base in planned:
            result = service.save_answer(db, sheet, item, typed, base_revision=base, user=user, source="excel",
                                         today=today)
            changed += result.changed
        unchanged += len(planned) - changed
        activity.record(db, "sheet.import", department_code=sheet["department_code"], object_type="sheet",
                        object_id=sheet["id"], detail={"file": filename, "changed": changed,
                                                       "unchanged": unchanged})
    return ImportSummary(changed, unchanged)
