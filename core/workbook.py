"""Spreadsheets in and out (.xlsx and UTF-8 CSV) for every import and export: cells as text, headers
mapped through Chinese aliases, rows numbered as the spreadsheet numbers them."""
from __future__ import annotations

import codecs
import csv
import io
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import BinaryIO

import openpyxl
import openpyxl.worksheet._reader
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.text import Text
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from core import labels
from core.errors import DomainError


@dataclass(frozen=True)
class CellError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    error: DomainError
    sheet: str = ""


def enum_value(enum, text: str):
    """An enum member by its code or by its label in either language."""
    member = _enum_names(enum).get(text)
    if member is None:
        raise DomainError("error.import_value", value=text)
    return member


@cache
def _enum_names(enum) -> dict:
    """Every way a ledger may write a member: looked up per cell of a million-row import."""
    names = {}
    for member in reversed(list(enum)):  # on a clash the first member wins, as a scan in order would
        names.update({labels.label(member, "en"): member, labels.label(member, "zh"): member, member.value: member})
    return names


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}" if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:  # a guarded formula-like text (csv_cell)
        text = text[1:]
    return text


CELL_MAX = 32_767  # what a spreadsheet cell holds; longer is not a ledger


READ_CHUNK = 256 * 1024  # bytes decoded at a time while a CSV's encoding is found


def _csv_encoding(stream: BinaryIO) -> str:
    """UTF-8 (with or without BOM), UTF-16 with its BOM, or GB18030 — what Excel on a Chinese
    Windows writes when told "CSV". The whole file is decoded a chunk at a time (a GB18030 ledger
    may begin with rows of ASCII), and the stream is rewound."""
    start = stream.read(4)
    stream.seek(0)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(READ_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
    raise DomainError("error.import_encoding")


def _text_rows(rows: Iterable) -> Iterator[list[str]]:
    for row in rows:
        cells = [cell_text(v) for v in row]
        if any(len(cell) > CELL_MAX for cell in cells):
            raise DomainError("error.import_cell_long", n=CELL_MAX)
        yield cells


def _csv_rows(stream: BinaryIO, encoding: str) -> Iterator[list[str]]:
    """Each row's cells as `cell_text` makes them, tested a row at a time at C speed (per cell
    it was a sixth of an import's write)."""
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        for row in csv.reader(text):
            cells = [cell.strip() for cell in row]
            joined = "\n".join(cells)
            if "\x00" in joined:  # a binary file that happened to decode
                raise DomainError("error.import_encoding")
            if "'" in joined:  # maybe a guarded formula (csv_cell)
                cells = [cell_text(cell) for cell in cells]
            if cells and max(map(len, cells)) > CELL_MAX:
                raise DomainError("error.import_cell_long", n=CELL_MAX)
            yield cells
    except csv.Error:  # a cell past the csv module's field limit
        raise DomainError("error.import_cell_long", n=CELL_MAX) from None
    finally:
        text.detach()  # the caller's stream stays open


def _xlsx_rows(sheet) -> Iterator[list[str]]:
    try:  # read_only workbooks fail while rows are read, not only when opened
        yield from _text_rows(sheet.iter_rows(values_only=True))
    except DomainError:
        raise
    except Exception:  # openpyxl and zipfile raise many kinds for a file that is not a whole workbook
        raise DomainError("error.import_unreadable") from None


class _SharedStrings:
    """A workbook's shared-strings table (where Excel and WPS keep every text of a sheet, each cell
    holding a number into it), kept in a temporary SQLite file as it is read and looked up by
    number: openpyxl reads it whole into a list, as large as all the texts of a million-row ledger."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a temporary database on disk, deleted when closed
        self._db.execute("CREATE TABLE string (number INTEGER PRIMARY KEY, text TEXT NOT NULL)")

    def fill(self, source: BinaryIO) -> None:
        self._db.executemany("INSERT INTO string VALUES (?, ?)", enumerate(self._texts(source)))

    @staticmethod
    def _texts(source: BinaryIO) -> Iterator[str]:
        """Each <si>'s text as openpyxl's read_string_table makes it; each read element is
        dropped from the tree (clearing it alone still kept a million empty ones)."""
        root = None
        for event, node in iterparse(source, events=("start", "end")):
            if root is None:
                root = node
            elif event == "end" and node.tag == _STRING_TAG:
                yield Text.from_tree(node).content.replace("x005F_", "")
                root.clear()

    def __getitem__(self, number: int) -> str:
        found = self._db.execute("SELECT text FROM string WHERE number = ?", (number,)).fetchone()
        if found is None:
            raise IndexError(number)
        return found[0]

    def close(self) -> None:
        self._db.close()


_STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"
_SHEET_DATA_TAG, _ROW_TAG = f"{{{SHEET_MAIN_NS}}}sheetData", f"{{{SHEET_MAIN_NS}}}row"


def _rows_let_go(source: BinaryIO, *_args, **_kwargs) -> Iterator[tuple[str, object]]:
    """The `iterparse` openpyxl's sheet parser reads a sheet with, each row dropped from the tree
    once the parser has read it: the parser empties a row's element but leaves it in <sheetData>,
    about 80 bytes a row that an .xlsx import of a million rows kept to its end."""
    sheet_data = None
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            if element.tag == _SHEET_DATA_TAG:
                sheet_data = element
            continue
        yield event, element
        if element.tag == _ROW_TAG and sheet_data is not None:
            sheet_data.clear()


# openpyxl's sheet parser (pinned in requirements.txt) looks `iterparse` up in its module at each
# read; the rows it yields are unchanged, and a test measures the memory
openpyxl.worksheet._reader.iterparse = _rows_let_go


class _StringsOnDisk(ExcelReader):
    """openpyxl's reader with the shared strings in a _SharedStrings."""

    def read_strings(self) -> None:
        self.shared_strings = _SharedStrings()
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings.fill(source)


def iter_sheets(source: bytes | BinaryIO, filename: str) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """(sheet name, its rows as lists of text) for every sheet of an .xlsx, or one sheet named ''
    for a CSV, read as they are consumed: a ledger of a million rows is never in memory whole. A
    file that cannot be read is refused with one clear message (when the bad part is reached),
    never a traceback."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        yield "", _csv_rows(stream, _csv_encoding(stream))
    elif suffix == ".xlsx":
        reader = None
        try:
            reader = _StringsOnDisk(stream, read_only=True, data_only=True)
            reader.read()  # what openpyxl.load_workbook does, with the shared strings kept on disk
        except Exception:
            if reader is not None and isinstance(reader.shared_strings, _SharedStrings):
                reader.shared_strings.close()
            raise DomainError("error.import_unreadable") from None
        try:
            for sheet in reader.wb.worksheets:
                yield sheet.title, _xlsx_rows(sheet)
        finally:
            reader.wb.close()
            reader.shared_strings.close()
    else:
        raise DomainError("error.import_type")


def read_sheets(data: bytes | BinaryIO, filename: str) -> dict[str, list[list[str]]]:
    """Every sheet, whole (for workbooks of a few thousand rows, such as the network's)."""
    return {title: list(rows) for title, rows in iter_sheets(data, filename)}


def records(values: list[list[str]], aliases: dict[str, str]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header as column names, [(spreadsheet row number, {column: text})]) for the non-empty rows;
    a header is an English column name or one of its Chinese aliases."""
    if not values:
        return [], []
    header = [aliases.get(h.strip(), h.strip()) for h in values[0]]
    rows = [(number, {name: (cell or "").strip() for name, cell in zip(header, row, strict=False) if name})
            for number, row in enumerate(values[1:], start=2) if any((cell or "").strip() for cell in row)]
    return header, rows


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab, newline, return
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula (CSV injection)


def plain(value: object) -> object:
    """A value as it may be written to any spreadsheet: text without control characters, which
    break .xlsx files (a vertical tab pasted from Word)."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def csv_cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs: text starting like a formula gets a leading apostrophe
    (read back by `cell_text`)."""
    value = plain(value)
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def append_row(sheet, values: list[object]) -> None:
    """A row of an .xlsx sheet with every text kept as text: openpyxl would write "=…" as a formula."""
    sheet.append([plain(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


SHEET_DATA_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, the header is one


def text_cells(sheet, values: list[object]) -> list[object]:
    """A row for a write-only sheet with every text kept as text: "=…" would be written as a formula."""
    cells = []
    for value in values:
        value = plain(value)
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        cells.append(value)
    return cells


def new_sheet(book, name: str, header: list[str]):
    """A write-only sheet with its header row frozen and columns as wide as their titles."""
    sheet = book.create_sheet(name)
    sheet.freeze_panes = "A2"
    for i, title in enumerate(header, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(10, 2 * len(title) + 4)
    sheet.append(header)
    return sheet


def write_xlsx(sheets: dict[str, tuple[list[str], list[list[object]]]]) -> bytes:
    """Sheets in order: name → (header, rows), written row by row."""
    book = openpyxl.Workbook(write_only=True)
    for name, (header, rows) in sheets.items():
        sheet = new_sheet(book, name, header)
        for row in rows:
            sheet.append(text_cells(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def parse_day(text: str) -> date:
    """A calendar day as a spreadsheet or a person writes it."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise DomainError("error.import_date", value=text)
