"""Crafted spreadsheets sent to the imports (issue 16, finding 1): a sheet declaring 500,000 rows, zip bombs,
rows with thousands of cells, thousands of zip entries.  Each is refused with a Japanese reason, nothing is
imported, and a 20 MB crafted file is refused in a separate process under 200 MB of memory."""
from __future__ import annotations

import base64
import io
import os
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest
from builders_selfcheck import load, sheet_id
from openpyxl import Workbook, load_workbook

from audits.departments import service as departments
from audits.sheets import excel
from checklists import loader
from checklists.xlsx_reader import MAX_ERRORS, WorkbookRejected, open_workbook, sheet_rows

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


# --- crafting files ---------------------------------------------------------------------------------------------

def _workbook(title: str = "Sheet1", rows=(("部コード", "部名", "課コード", "課名", "タグ"),)) -> bytes:
    workbook = Workbook()
    workbook.active.title = title
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, part: str, change, extra: dict[str, bytes] | None = None) -> bytes:
    """The same package with one XML part changed (and extra parts added), as an attacker would edit it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content.decode()).encode() if info.filename == part else content)
        for name, content in (extra or {}).items():
            target.writestr(name, content, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _sparse(data: bytes, row: int = 500_000, part: str = "xl/worksheets/sheet1.xml", extra=None) -> bytes:
    """A sheet declaring A1:XFD{row} with one value at row {row} (finding 1)."""
    def change(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:XFD{row}"', xml, count=1)
        far = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>X-01</t></is></c></row>'
        return xml.replace("</sheetData>", far + "</sheetData>", 1)
    return _rewrite(data, part, change, extra)


def _wide(data: bytes, cells: int, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """Row 2 holding {cells} cells."""
    row = "".join(f"<c><v>{i}</v></c>" for i in range(cells))
    return _rewrite(data, part, lambda xml: xml.replace("</sheetData>", f'<row r="2">{row}</row></sheetData>', 1))


def _raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand: (name, stored bytes, method, crc, declared size) per entry; the declared size
    and CRC are whatever the attacker writes."""
    body, directory = io.BytesIO(), io.BytesIO()
    for name, payload, method, crc, size in entries:
        offset = body.tell()
        raw = name.encode()
        body.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(payload), size,
                               len(raw), 0) + raw + payload)
        directory.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc, len(payload), size,
                                    len(raw), 0, 0, 0, 0, 0, offset) + raw)
    count = len(entries)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                      directory.tell(), body.tell(), 0)
    return body.getvalue() + directory.getvalue() + end


def _deflated(payload: bytes) -> tuple[bytes, int, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(payload) + packer.flush(), zlib.crc32(payload), len(payload)


def _package(sheet_part: tuple[bytes, int, int, int]) -> list[tuple[str, bytes, int, int, int]]:
    """The four parts of a minimal workbook around a worksheet part given as (data, method, crc, size)."""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Target="xl/workbook.xml" '
        f'Type="{REL}/officeDocument"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Sheet1" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
        f'Target="worksheets/sheet1.xml" Type="{REL}/worksheet"/></Relationships>',
    }
    entries = [(name, *_reorder(_deflated(text.encode()))) for name, text in parts.items()]
    return entries + [("xl/worksheets/sheet1.xml", *sheet_part)]


def _reorder(packed: tuple[bytes, int, int]) -> tuple[bytes, int, int, int]:
    data, crc, size = packed
    return data, zipfile.ZIP_DEFLATED, crc, size


def _bomb(megabytes_packed: int) -> bytes:
    """A worksheet of spaces declaring about a thousand times its packed size: the same full-flushed deflate
    block repeated, so building a 20 MB bomb takes no time (the CRC is left wrong; nothing may read that far)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(b" " * MB) + packer.flush(zlib.Z_FULL_FLUSH)
    repeats = megabytes_packed * MB // len(block)
    head = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
    stream = zlib.compressobj(0, zlib.DEFLATED, -15)
    opening = stream.compress(head) + stream.flush(zlib.Z_FULL_FLUSH)
    data = opening + block * repeats + b"\x03\x00"      # an empty final block ends the stream
    return _raw_zip(_package((data, zipfile.ZIP_DEFLATED, 0, min(len(head) + repeats * MB, 0xFFFFFFFF))))


def _many_entries(megabytes: int) -> bytes:
    """Hundreds of thousands of empty entries: zipfile alone would build one object per entry."""
    entries = _package(_reorder(_deflated(f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode())))
    per_entry = 2 * (30 + 16) + 16
    entries += [(f"xl/media/{i:010d}", b"", zipfile.ZIP_STORED, 0, 0) for i in range(megabytes * MB // per_entry)]
    return _raw_zip(entries)


def _rejected(data: bytes) -> str:
    with pytest.raises(WorkbookRejected) as info:
        workbook = open_workbook(data)
        for _ in sheet_rows(workbook.worksheets[0], max_rows=1000, max_columns=50):
            pass
    return str(info.value)


# --- the reader -------------------------------------------------------------------------------------------------

def test_a_valid_workbook_is_read_row_by_row():
    data = _workbook(rows=[("a", "b"), (), ("c", None, "e")])
    rows = list(sheet_rows(open_workbook(data).worksheets[0], max_rows=10, max_columns=5))
    assert rows == [(1, ("a", "b")), (2, ()), (3, ("c", None, "e"))]


@pytest.mark.parametrize("data", [b"", b"not a workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
                                  _raw_zip([("hello.txt", b"hi", 0, zlib.crc32(b"hi"), 2)])],
                         ids=["empty", "text", "xls-or-encrypted", "zip-not-excel"])
def test_what_is_not_an_xlsx_is_refused(data):
    assert "Excel ファイル（.xlsx）として読み込めません" in _rejected(data)


def test_a_value_below_the_row_cap_is_refused_and_the_declared_size_ignored():
    data = _sparse(_workbook(rows=[("a",)]))
    assert "行が多すぎます（1000行目まで。500000行目に値があります）" in _rejected(data)
    # the same sheet within the cap is read as stored, whatever its dimension says
    near = _sparse(_workbook(rows=[("a",)]), row=5)
    rows = list(sheet_rows(open_workbook(near).worksheets[0], max_rows=10, max_columns=3))
    assert rows[-1] == (5, ("X-01",)) and len(rows) == 5


def test_empty_rows_below_the_cap_are_formatting_not_data():
    data = _rewrite(_workbook(rows=[("a",)]), "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        "</sheetData>", '<row r="400000" customHeight="1" ht="30"/></sheetData>'))
    rows = list(sheet_rows(open_workbook(data).worksheets[0], max_rows=10, max_columns=3))
    assert rows == [(1, ("a",))] + [(number, ()) for number in range(2, 11)]


def test_a_value_right_of_the_column_cap_is_refused():
    data = _workbook(rows=[("a",), tuple([None] * 59 + ["far"])])
    assert "列が多すぎます（AX列まで。2行目 BH列に値があります）" in _rejected(data)


def test_a_row_with_more_cells_than_excel_allows_is_refused():
    assert "セルや書式が多すぎる" in _rejected(_wide(_workbook(), 20_000))


def test_a_row_number_beyond_excel_is_refused():
    assert "として読み込めません" in _rejected(_sparse(_workbook(), row=10**12))


def test_zip_bombs_are_refused_before_unpacking():
    assert "展開すると大きすぎる" in _rejected(_bomb(1))
    # under the total cap, but one part packed a thousand to one
    data, crc, size = _deflated(b" " * (10 * MB))
    assert "圧縮率が異常に高い" in _rejected(_raw_zip(_package((data, zipfile.ZIP_DEFLATED, crc, size))))


def test_too_many_entries_are_refused():
    assert "構成要素が多すぎる" in _rejected(_many_entries(1))


def test_a_part_with_too_many_styles_is_refused():
    styles = "".join(f'<xf numFmtId="{i % 200}" fontId="{i}" fillId="0" xfId="0"/>' for i in range(60_000))
    data = _rewrite(_workbook(), "xl/styles.xml", lambda xml: re.sub(
        r"<cellXfs.*</cellXfs>", f'<cellXfs count="60000">{styles}</cellXfs>', xml, flags=re.S))
    assert "セルや書式が多すぎる" in _rejected(data)


def test_a_dtd_is_refused():
    data = _rewrite(_workbook(), "xl/workbook.xml", lambda xml: xml.replace(
        "<workbook", '<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa">]><workbook', 1).replace(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', ""))
    assert "として読み込めません" in _rejected(data)


# --- each import ------------------------------------------------------------------------------------------------

@pytest.fixture
def kenko(db):
    return load(db, sheet_id(db, "kenko"))


def _sheet_import(auth, sheet, data):
    return auth.post(f"/sheets/{sheet['id']}/import", {"file": (io.BytesIO(data), "攻撃.xlsx")},
                     content_type="multipart/form-data")


def _history(db) -> int:
    return db.execute("SELECT count(*) FROM answer_history").fetchone()[0]


def test_sheet_import_refuses_a_sheet_declaring_500000_rows(client, auth, db, kenko):
    auth.login("kenko.staff")
    exported = client.get(f"/sheets/{kenko['id']}/export.xlsx").data
    before = _history(db)
    response = _sheet_import(auth, kenko, _sparse(exported))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "シート「点検票」の行が多すぎます" in html and "500000行目に値があります" in html
    assert "何も取り込んでいません" in html
    assert _history(db) == before


def test_sheet_import_refuses_a_zip_bomb(client, auth, db, kenko):
    auth.login("kenko.staff")
    response = _sheet_import(auth, kenko, _bomb(1))
    assert response.status_code == 422
    assert "展開すると大きすぎるため取り込めません" in response.get_data(as_text=True)


def test_sheet_import_shows_the_first_errors_and_counts_the_rest(client, auth, db, kenko):
    auth.login("kenko.staff")
    workbook = load_workbook(io.BytesIO(client.get(f"/sheets/{kenko['id']}/export.xlsx").data))
    for i in range(80):                                   # within the row cap: one row per item plus a margin
        workbook[excel.SHEET_NAME].append([f"ZZ-{i}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _sheet_import(auth, kenko, buffer.getvalue())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "80 件の誤りがあります" in html
    assert html.count("はこの点検票にありません") == MAX_ERRORS
    assert f"ほか {80 - MAX_ERRORS} 件のエラーがあります" in html


def test_checklist_import_refuses_rows_beyond_the_item_cap(tmp_path):
    path = tmp_path / "c.xlsx"
    loader.write_xlsx(loader.load_builtin()[0], path)
    crafted = _sparse(path.read_bytes(), part="xl/worksheets/sheet2.xml")
    with pytest.raises(loader.ChecklistError) as info:
        loader.read_xlsx(io.BytesIO(crafted), name="攻撃.xlsx")
    assert info.value.errors[0].startswith("攻撃.xlsx: シート「点検項目」の行が多すぎます")


def test_checklist_import_page_refuses_a_zip_bomb(client, auth):
    auth.login("admin")
    response = auth.post("/checklists/import", {"file": (io.BytesIO(_bomb(1)), "bomb.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    assert "bomb.xlsx: 展開すると大きすぎるため取り込めません" in response.get_data(as_text=True)


def test_org_chart_import_refuses_rows_beyond_the_cap(client, auth, db):
    auth.login("admin")
    before = db.execute("SELECT count(*) FROM departments").fetchone()[0]
    header = ("部コード", "部名", "課コード", "課名", "タグ")
    response = auth.post("/admin/departments/import",
                         {"file": (io.BytesIO(_sparse(_workbook(rows=[header, ("somu", "総務部", "a1", "課", "")]))),
                                   "org.xlsx")}, content_type="multipart/form-data")
    assert "行が多すぎます" in response.get_data(as_text=True)
    csv = "\n".join([",".join(header)] + [f"somu,総務部,k{i},課{i}," for i in range(departments.ORG_MAX_ROWS + 1)])
    with pytest.raises(departments.DepartmentError) as info:
        departments.read_organisation_file("org.csv", csv.encode())
    assert f"{departments.ORG_MAX_ROWS + 2}行目に値があります" in info.value.errors[0]
    assert db.execute("SELECT count(*) FROM departments").fetchone()[0] == before


def test_org_chart_import_shows_at_most_the_first_errors(client, auth):
    auth.login("admin")
    csv = "部コード,部名,課コード,課名,タグ\n" + "\n".join(f"somu,総務部,bad code {i},課," for i in range(120))
    response = auth.post("/admin/departments/import", {"file": (io.BytesIO(csv.encode()), "org.csv")},
                         content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    shown = html[html.index('class="errors"'):]
    shown = shown[:shown.index("</ul>")]
    assert "取り込めませんでした（120 件の誤り）" in shown
    assert shown.count("<li>") == MAX_ERRORS + 1
    assert f"ほか {120 - MAX_ERRORS} 件のエラーがあります" in shown


# --- 20 MB crafted files, in a separate process: refused, under 200 MB --------------------------------------------

# The peak is read from VmHWM, the high-water mark of this process's own memory since exec: getrusage's ru_maxrss
# carries the parent's peak across fork and exec on Linux.
PROBE = textwrap.dedent("""
    import re, sys
    from pathlib import Path
    from audits.departments.service import DepartmentError, read_organisation_file
    try:
        read_organisation_file("org.xlsx", Path(sys.argv[1]).read_bytes())
    except DepartmentError as error:
        print(error.errors[0])
    print(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
""")


def _cells_20mb() -> bytes:
    """Rows of cells holding random text: 20 MB packed, under the unpacked cap, past the element cap."""
    noise = base64.b64encode(os.urandom(19 * MB)).decode()
    cells = [f'<c t="inlineStr"><is><t>{noise[i:i + 100]}</t></is></c>' for i in range(0, len(noise), 100)]
    rows = "".join(f'<row r="{n + 1}">{"".join(cells[n * 10:n * 10 + 10])}</row>' for n in range(len(cells) // 10))
    xml = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    return _raw_zip(_package(_reorder(_deflated(xml))))


@pytest.mark.slow
@pytest.mark.parametrize("craft, reason", [
    (lambda: _bomb(20), "展開すると大きすぎる"),
    (lambda: _sparse(_workbook(), extra={"xl/media/image1.png": os.urandom(20 * MB)}), "行が多すぎます"),
    (lambda: _many_entries(20), "構成要素が多すぎる"),
    (_cells_20mb, "セルや書式が多すぎる"),
], ids=["zip-bomb", "sparse-500000-rows", "many-entries", "many-cells"])
def test_a_20mb_crafted_file_is_refused_under_200mb(tmp_path, craft, reason):
    path = tmp_path / "crafted.xlsx"
    path.write_bytes(craft())
    assert path.stat().st_size > 15 * MB
    result = subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    message, peak_kb = result.stdout.strip().splitlines()
    assert reason in message
    assert int(peak_kb) < 200 * 1024, f"peak {int(peak_kb) // 1024} MB"
