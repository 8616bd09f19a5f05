"""Spreadsheets in and out (.xlsx and UTF-8 CSV) for every import and export: cells as text, headers
mapped through Chinese aliases, rows numbered as the spreadsheet numbers them."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell

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
    for member in enum:
        if text in (member.value, labels.label(member, "zh"), labels.label(member, "en")):
            return member
    raise DomainError("error.import_value", value=text)


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


def _csv_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with its BOM, or GB18030 — what Excel on a Chinese
    Windows writes when told "CSV"."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("error.import_encoding")


def read_sheets(data: bytes, filename: str) -> dict[str, list[list[str]]]:
    """Every sheet of an .xlsx (by name), or a CSV as one sheet named ''; cells as text. A file
    that cannot be read whole is refused with one clear message, never a traceback."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        try:  # read_only workbooks fail while rows are read, not only when opened
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheets = {sheet.title: [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
                      for sheet in book.worksheets}
        except Exception:  # openpyxl and zipfile raise many kinds for a file that is not a whole workbook
            raise DomainError("error.import_unreadable") from None
    elif suffix == ".csv":
        text = _csv_text(data)
        if "\x00" in text:
            raise DomainError("error.import_encoding")
        try:
            sheets = {"": [[cell_text(cell) for cell in row] for row in csv.reader(io.StringIO(text))]}
        except csv.Error:  # a cell past the csv module's field limit
            raise DomainError("error.import_cell_long", n=CELL_MAX) from None
    else:
        raise DomainError("error.import_type")
    for rows in sheets.values():
        if any(len(cell) > CELL_MAX for row in rows for cell in row):
            raise DomainError("error.import_cell_long", n=CELL_MAX)
    return sheets


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
