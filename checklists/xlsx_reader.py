"""Reading an uploaded Excel workbook safely: the one home for every xlsx import.

An .xlsx is a zip of XML parts, and openpyxl trusts both: a few kilobytes can unpack to gigabytes, a sheet can
declare a million rows, a row can hold millions of cells.  So before openpyxl opens anything, ``open_workbook``
inspects the package with zipfile and a streaming XML scan (constant memory) and refuses what no real workbook
needs; then it opens the workbook read-only (streaming), and ``sheet_rows`` walks a sheet row by row within the
caps the caller gives, ignoring the size the sheet declares.  ``limit_errors`` (the template filter
``first_errors``) shortens the list a rejection page shows.  Every message is Japanese and says why; callers
prefix the file name.

It lives in ``checklists`` because both the checklist import (here) and ``audits`` use it, and ``audits`` may
import ``checklists`` but not the reverse.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from xml.parsers import expat

MB = 1024 * 1024
MAX_ENTRIES = 1000                 # parts in the zip; a workbook has a few dozen
MAX_UNPACKED_BYTES = 50 * MB       # all parts unpacked together
MAX_RATIO = 100                    # unpacked / packed size of one part ...
RATIO_FLOOR = 1 * MB               # ... once it unpacks to more than this
MAX_XML_ELEMENTS = 500_000         # XML elements in all parts together (worksheets are streamed, shared strings
                                   # kept as a list: about 80 MB at this cap)
MAX_PART_ELEMENTS = 50_000         # XML elements in any other part (styles, workbook, theme ...), which openpyxl
                                   # builds whole as objects: about 1 kB each
EXCEL_MAX_ROW = 1_048_576          # Excel's own limits: a sheet beyond them was not written by Excel
EXCEL_MAX_COLUMN = 16_384
MAX_ERRORS = 50                    # messages shown for one rejected file

NOT_XLSX = ("Excel ファイル（.xlsx）として読み込めません（.xlsx 形式ではありません）。.xls 形式やパスワード付きの"
            "ファイルは取り込めません。Excel で「Excel ブック（.xlsx）」として保存し直してください。")
UNREADABLE = "Excel ファイル（.xlsx）として読み込めません。Excel で開けるか確認し、保存し直してください。"
TOO_LARGE = ("展開すると大きすぎるため取り込めません（Excel ファイルの中身が {size} MB、上限 {limit} MB）。"
             "不要なシートや画像を削除してください。")
BOMB = "圧縮率が異常に高い部分があるため取り込めません（不正に作られたファイルの可能性があります）。"
TOO_MANY_PARTS = "ファイルの構成要素が多すぎるため取り込めません（{count} 個、上限 {limit} 個）。"
TOO_COMPLEX = "セルや書式が多すぎるため取り込めません。不要なシート・行・列・書式を削除してください。"


class WorkbookRejected(Exception):
    """The upload is not a workbook we read; ``str(error)`` says why, in Japanese."""


def open_workbook(data: bytes):
    """The workbook as openpyxl's read-only (streaming) workbook, once the package has passed the caps."""
    check_package(data)
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # InvalidFileException, KeyError for a missing part, ParseError ...
        raise WorkbookRejected(UNREADABLE) from None


def check_package(data: bytes) -> None:
    """Refuse a file that is not a zip, or whose parts are too many, too large unpacked, too compressible
    (a zip bomb) or hold too many XML elements.  Nothing is unpacked beyond what the caps allow: zipfile
    never yields more than a part's declared size (it fails on the CRC instead)."""
    _check_directory(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise WorkbookRejected(NOT_XLSX) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise WorkbookRejected(TOO_MANY_PARTS.format(count=len(entries), limit=MAX_ENTRIES))
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > MAX_UNPACKED_BYTES:
            raise WorkbookRejected(TOO_LARGE.format(size=-(-unpacked // MB), limit=MAX_UNPACKED_BYTES // MB))
        if any(e.file_size > RATIO_FLOOR and e.file_size > MAX_RATIO * max(e.compress_size, 1) for e in entries):
            raise WorkbookRejected(BOMB)
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise WorkbookRejected(NOT_XLSX)
        scan = _XmlScan()
        try:
            for entry in entries:
                if entry.filename.lower().endswith((".xml", ".rels", ".vml")):
                    scan.part(archive, entry)
        except WorkbookRejected:
            raise
        except Exception:  # BadZipFile (CRC, truncated), ExpatError, NotImplementedError (compression) ...
            raise WorkbookRejected(UNREADABLE) from None


def _check_directory(data: bytes) -> None:
    """Read the zip's end record before zipfile builds one object per entry: a 20 MB upload can list
    hundreds of thousands of entries."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65_535))
    if end < 0 or len(data) < end + 22:
        raise WorkbookRejected(NOT_XLSX)
    count, directory_size = struct.unpack("<xxxxxxxxxxHL", data[end:end + 16])
    if count > MAX_ENTRIES or directory_size > MAX_ENTRIES * 1024:
        raise WorkbookRejected(TOO_MANY_PARTS.format(count=count, limit=MAX_ENTRIES))


class _XmlScan:
    """Counts elements with expat (streaming, nothing kept): in all parts together and in each part that
    openpyxl builds whole; in worksheets also the cells per row and the row numbers.  Refuses DTDs, which no
    Office file has."""

    def __init__(self) -> None:
        self.elements = 0
        self.cells = 0
        self.worksheet = False
        self.part_limit = 0

    def part(self, archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
        self.worksheet = entry.filename.startswith("xl/worksheets/")
        streamed = self.worksheet or entry.filename == "xl/sharedStrings.xml"
        self.part_limit = self.elements + (MAX_XML_ELEMENTS if streamed else MAX_PART_ELEMENTS)
        self.cells = 0
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.StartDoctypeDeclHandler = self._doctype
        with archive.open(entry) as source:
            while chunk := source.read(256 * 1024):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _start(self, name: str, attrs: dict) -> None:
        self.elements += 1
        if self.elements > MAX_XML_ELEMENTS or self.elements > self.part_limit:
            raise WorkbookRejected(TOO_COMPLEX)
        if not self.worksheet:
            return
        local = name.rpartition(":")[2]
        if local == "row":
            self.cells = 0
            number = attrs.get("r")
            if number is not None and not (number.isdigit() and 0 < int(number) <= EXCEL_MAX_ROW):
                raise WorkbookRejected(UNREADABLE)
        elif local == "c":
            self.cells += 1
            if self.cells > EXCEL_MAX_COLUMN:
                raise WorkbookRejected(TOO_COMPLEX)

    def _doctype(self, *args) -> None:
        raise WorkbookRejected(UNREADABLE)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def sheet_rows(sheet, *, max_rows: int, max_columns: int) -> Iterator[tuple[int, tuple]]:
    """``(row number, values)`` for rows 1..``max_rows`` of a read-only sheet (missing rows empty), each cut to
    ``max_columns`` values.  The size the sheet declares is ignored; rows and cells come as stored.  A value
    beyond ``max_rows`` or ``max_columns`` rejects the file (empty rows and cells there are only formatting)."""
    sheet.reset_dimensions()
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > max_rows:
                if any(value is not None for value in values):
                    raise WorkbookRejected(f"シート「{sheet.title}」の行が多すぎます（{max_rows}行目まで。"
                                           f"{number}行目に値があります）。不要な行を削除してください。")
                continue
            if len(values) > max_columns:
                extra = next((i for i, v in enumerate(values[max_columns:], max_columns + 1) if v is not None), None)
                if extra is not None:
                    raise WorkbookRejected(
                        f"シート「{sheet.title}」の列が多すぎます（{_column_letter(max_columns)}列まで。"
                        f"{number}行目 {_column_letter(extra)}列に値があります）。不要な列を削除してください。")
                values = values[:max_columns]
            yield number, tuple(values)
    except WorkbookRejected:
        raise
    except Exception:  # a cell openpyxl cannot parse (bad reference, number, date ...)
        raise WorkbookRejected(UNREADABLE) from None


def limit_errors(errors: list[str], limit: int = MAX_ERRORS) -> list[str]:
    """The first ``limit`` messages, then one line counting the rest: a rejection page stays small."""
    if len(errors) <= limit:
        return errors
    return errors[:limit] + [f"ほか {len(errors) - limit} 件のエラーがあります（最初の {limit} 件を表示しています）。"]
