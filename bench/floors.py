"""Floors: the least work that produces the same result on the same data, measured in the same run.

- dashboard    the bare SQL aggregate: one GROUP BY over the 年度's cells (課 × section × category)
- answer_page  the bare SQL reads of the sheet: its items LEFT JOIN its answers, and its evidence rows
- save_answer  the bare SQL write: UPDATE the answer, INSERT its history row and one chained log row
               (the floor of save_in_place too: the same write, answered in JSON)
- *_pdf        a bare reportlab canvas with the same pages, the same text lines and the same images
               (taken from the app's PDF with pypdf), in the same embedded font
- sheet_list*  the bare SQL reads: count the sheets of the same filter and read one page of 50 with their 課
               and checklist (without the progress figures the app adds to each row)
- incident_*   the bare SQL reads: every incident with its 課 names (the list), one incident with its 課 and
               its 経過 (the page)
- *_xlsx       a bare XlsxWriter workbook (the summary's writer) with the same sheets and cell values, no formats
- verify_log   reading the same log rows and hashing each with HMAC-SHA256
"""
from __future__ import annotations

import hmac
import io
import json

from audits.activity.service import row_hash
from audits.db import connect
from audits.pdf import fonts
from audits.summary import scoring
from audits.timeutil import now_iso

from .generate import log_key
from .measure import Figure, timed

DASHBOARD_SQL = f"""
SELECT s.department_id, i.section_id, coalesce(a.category, '{scoring.UNANSWERED}') AS category, count(*)
FROM sheets s JOIN schedules c ON c.id = s.schedule_id
JOIN checklist_items i ON i.version_id = s.version_id
LEFT JOIN answers a ON a.sheet_id = s.id AND a.item_pk = i.id
WHERE c.fiscal_year = ? AND s.removed_at IS NULL
GROUP BY 1, 2, 3"""


def dashboard(db, year: int):
    return db.execute(DASHBOARD_SQL, [year]).fetchall()


def answer_page(db, sheet_id: int):
    version = db.execute("SELECT version_id FROM sheets WHERE id = ?", [sheet_id]).fetchone()[0]
    items = db.execute("""SELECT i.*, a.* FROM checklist_items i
                          LEFT JOIN answers a ON a.sheet_id = ? AND a.item_pk = i.id
                          WHERE i.version_id = ? ORDER BY i.position""", [sheet_id, version]).fetchall()
    return items, db.execute("SELECT * FROM evidence WHERE sheet_id = ?", [sheet_id]).fetchall()


SHEET_LIST_FROM = """FROM sheets h JOIN schedules s ON s.id = h.schedule_id JOIN departments d ON d.id = h.department_id
                     JOIN bureaus b ON b.id = d.bureau_id JOIN checklist_versions v ON v.id = h.version_id"""


def sheet_list(db):
    """Count every sheet and read the first 50 with their 課 and checklist (no progress figures)."""
    return (db.execute(f"SELECT count(*) {SHEET_LIST_FROM}").fetchone(),
            db.execute(f"""SELECT h.*, d.name, b.name, v.title, s.due_date {SHEET_LIST_FROM}
                           ORDER BY s.fiscal_year DESC, s.due_date, b.sort_order, d.sort_order LIMIT 50""").fetchall())


def sheet_list_filtered(db, year: int):
    """The same filter as the app's (measure.SHEET_LIST_FILTERED): count, then the second page of 50."""
    where = "WHERE s.fiscal_year = ? AND h.status = 'answering' AND d.name LIKE '%課%'"
    return (db.execute(f"SELECT count(*) {SHEET_LIST_FROM} {where}", [year]).fetchone(),
            db.execute(f"""SELECT h.*, d.name, b.name, v.title, s.due_date {SHEET_LIST_FROM} {where}
                           ORDER BY h.updated_at DESC LIMIT 50 OFFSET 50""", [year]).fetchall())


def incident_list(db):
    return db.execute("""SELECT i.*, group_concat(d.name, '、') FROM incidents i
                         JOIN incident_departments x ON x.incident_id = i.id JOIN departments d ON d.id = x.department_id
                         GROUP BY i.id ORDER BY i.discovered_at DESC""").fetchall()


def incident_page(db, incident_id: int):
    return (db.execute("SELECT * FROM incidents WHERE id = ?", [incident_id]).fetchone(),
            db.execute("""SELECT d.name, b.name FROM incident_departments x JOIN departments d ON d.id = x.department_id
                          JOIN bureaus b ON b.id = d.bureau_id WHERE x.incident_id = ?""", [incident_id]).fetchall(),
            db.execute("SELECT * FROM incident_events WHERE incident_id = ? ORDER BY on_date, id",
                       [incident_id]).fetchall())


def save_answer(db, key: bytes, answer_id: int, n: int) -> None:
    stamp = now_iso()
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute("SELECT sheet_id, item_id, revision FROM answers WHERE id = ?", [answer_id]).fetchone()
        db.execute("UPDATE answers SET detail = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
                   [f"床の計測 {n}", stamp, answer_id])
        db.execute("INSERT INTO answer_history (answer_id, sheet_id, item_id, revision, changed_at, source, before, "
                   "after) VALUES (?, ?, ?, ?, ?, 'bench', '{}', '{}')", [answer_id, row[0], row[1], row[2] + 1, stamp])
        last = db.execute("SELECT id, hash FROM activity_log ORDER BY id DESC LIMIT 1").fetchone()
        log = (last[0] + 1, stamp, None, "bench", "answer.save", None, "answer", str(answer_id),
               json.dumps({"revision": row[2] + 1}), None, last[1])
        db.execute("INSERT INTO activity_log (id, at, user_id, username, action, department_code, object_type, "
                   "object_id, detail, ip, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [*log, row_hash(log, key)])
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise


def verify_log(db, key: bytes) -> int:
    count = 0
    for row in db.conn.execute("SELECT id, at, user_id, username, action, department_code, object_type, object_id, "
                               "detail, ip, prev_hash, hash FROM activity_log ORDER BY id"):
        hmac.digest(key, "\x1f".join(map(str, row[:-1])).encode("utf-8"), "sha256").hex()
        count += 1
    return count


# --------------------------------------------------------------------------- documents

def pdf_pages(data: bytes) -> list[tuple[list[str], list]]:
    """(text lines, [(PIL image, width pt, height pt)]) per page of a PDF (pypdf; not timed)."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        lines = [line for line in (page.extract_text() or "").splitlines() if line.strip()]
        images = []
        for image in page.images:
            picture = image.image.convert("RGB")
            images.append((picture, picture.width * 72 / 150, picture.height * 72 / 150))
        pages.append((lines, images))
    return pages


def bare_pdf(pages) -> bytes:
    """The same pages, lines and images on a plain canvas (no layout engine), embedded IPAexGothic."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = fonts.register()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    for lines, images in pages:
        y = height - 60
        for picture, w, h in images:
            scale = min(1.0, (width - 120) / w, (height - 120) / h)
            pdf.drawImage(ImageReader(picture), 60, max(40, y - h * scale), w * scale, h * scale)
            y -= h * scale + 10
        pdf.setFont(font, 8)
        for line in lines:
            y = y - 10 if y > 50 else height - 60
            pdf.drawString(60, y, line[:120])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def workbook_values(data: bytes) -> list[tuple[str, list[tuple]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    out = [(sheet.title, [tuple(row) for row in sheet.iter_rows(values_only=True)]) for sheet in book.worksheets]
    book.close()
    return out


def bare_xlsx(sheets) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    for title, rows in sheets:
        sheet = book.add_worksheet(title)
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)
    book.close()
    return buffer.getvalue()


# --------------------------------------------------------------------------- all floors

def run(city, figures: list[Figure], targets, runs: int, *, light_runs: int | None = None, progress=print) -> None:
    """Fill each figure's floor_samples (same data, same machine, right after the app's runs)."""
    light_runs = light_runs or runs * 4
    db = connect(city.database)
    key = log_key(city.database)
    by_name = {f.name: f for f in figures}

    def floor(name: str, label: str, function, count: int) -> None:
        if name not in by_name:
            return
        samples, _ = timed(function, count)
        by_name[name].floor_samples, by_name[name].floor_label = samples, label
        progress(f"  {by_name[name].label} の床: 中央値 {by_name[name].floor:,.1f} ms")

    floor("dashboard", "SQL の集計1回", lambda: dashboard(db, targets.year), light_runs)
    floor("sheet_list", "SQL の件数と 50 行の読出し", lambda: sheet_list(db), light_runs)
    floor("sheet_list_filtered", "SQL の件数と 50 行の読出し（同じ絞り込み）",
          lambda: sheet_list_filtered(db, targets.year), light_runs)
    floor("answer_page", "SQL の読出し（項目・回答・証跡）", lambda: answer_page(db, targets.answer_sheet), light_runs)
    answer = db.execute("SELECT id FROM answers WHERE sheet_id = ? AND item_id = ?",     # saved by the app's runs
                        [targets.answer_sheet, targets.save_item]).fetchone()
    if answer:
        counter = iter(range(1, 10**9))
        for name in ("save_answer", "save_in_place"):
            floor(name, "SQL の書込み（回答・履歴・操作ログ）", lambda: save_answer(db, key, answer[0], next(counter)),
                  light_runs)
    floor("incident_list", "SQL の読出し（事案と課名）", lambda: incident_list(db), light_runs)
    floor("incident_page", "SQL の読出し（事案・課・経過）", lambda: incident_page(db, targets.incident), light_runs)
    for name in ("summary_pdf", "ppc_pdf", "audit_pdf", "sheet_pdf"):
        if name in by_name and by_name[name].output:
            try:
                pages = pdf_pages(by_name[name].output)
            except ImportError:
                progress("  pypdf がないため PDF の床は測りません（pip install -r requirements-dev.txt）")
                break
            count = sum(len(images) for _lines, images in pages)
            floor(name, f"reportlab の素の文書（{len(pages)} ページ、画像 {count} 枚）", lambda p=pages: bare_pdf(p), runs)
    for name in ("summary_xlsx", "ppc_xlsx"):
        if name in by_name and by_name[name].output:
            sheets = workbook_values(by_name[name].output)
            cells = sum(len(rows) * max((len(r) for r in rows), default=0) for _t, rows in sheets)
            floor(name, f"XlsxWriter の素のブック（{len(sheets)} シート、約 {cells:,} セル）",
                  lambda s=sheets: bare_xlsx(s), runs)
    floor("verify_log", "同じ行の HMAC-SHA256", lambda: verify_log(db, key), max(1, min(runs, 3)))
    db.conn.close()
