"""Every hostile value (tests/hostile.py) through intake, import, search and every export: each is
stored as typed (control characters and NUL dropped) or refused with a message, never a crash; no
export carries a live formula or markup. Runs on SQLite and, in CI, on PostgreSQL (NUL bytes)."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime

import docx
import openpyxl
import pytest
from sqlmodel import Session, select

from core import auth, demo, intake, ledger, ledger_io, network_io, reports, workbook
from core.db import make_engine, migrate
from core.errors import DomainError
from core.intake import FormErrors
from core.models import Case, Channel, Leader
from tests.conftest import DEMO_TODAY, new_database_url
from tests.hostile import HOSTILE_VALUES

NOW = datetime(2026, 11, 9, 10, 0)


def norm(text: str | None) -> str:
    """What a stored text should read: control characters and NUL gone, line ends unified."""
    return workbook.CONTROL_CHARACTERS.sub("", text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    engine = make_engine(new_database_url(tmp_path_factory.mktemp("hostile")))
    migrate(engine)
    demo.load_demo(engine, cases=20, today=DEMO_TODAY)
    stored, refused = {}, {}
    with Session(engine) as s:
        clerk = auth.load_current_user(s, "clerk")
        leader_id = s.exec(select(Leader.id).order_by(Leader.id)).first()
        for n, value in enumerate(HOSTILE_VALUES):
            try:
                case = intake.register_call(s, actor=clerk, now=NOW, channel=Channel.hotline, caller=value[:40],
                                            address=value[:200], phone=f"1381234{n:04d}", content=f"反映{n}：{value}",
                                            flag="urgent")
            except FormErrors as exc:
                refused[value] = exc
                s.rollback()
                continue
            case.owner_leader_id = leader_id  # 包案: so the ten-day digest lists it by name
            s.commit()
            stored[value] = (n, case.id)
    yield engine, stored, refused
    engine.dispose()


def test_intake_stores_each_value_as_typed_or_refuses_it_by_field(county):
    engine, stored, refused = county
    assert len(HOSTILE_VALUES) >= 50
    assert set(refused) == {"   ", "\n\n", "x" * 2000, "路" * 40_000}  # a blank name, or a text over 2,000 characters
    assert all(set(exc.errors) <= {"caller", "content", "address"} for exc in refused.values())
    with Session(engine) as s:
        for value, (n, case_id) in stored.items():
            case = s.get(Case, case_id)
            assert norm(case.content) == norm(f"反映{n}：{value}")
            assert "\x00" not in case.content and "\x0b" not in (case.reporter_name or "")


def test_search_takes_every_value_literally(county):
    engine, stored, _refused = county
    with Session(engine) as s:
        clerk = auth.load_current_user(s, "clerk")
        for value in HOSTILE_VALUES:
            _total, found = ledger.list_cases(s, user=clerk, filters=ledger.LedgerFilter(text=value), now=NOW,
                                              page_size=500)
            if value in stored and norm(value) == value and len(value) < 100:
                codes = set(found["tracking_code"]) if len(found) else set()
                assert s.get(Case, stored[value][1]).tracking_code in codes, repr(value)
        _total, everything = ledger.list_cases(s, user=clerk, filters=ledger.LedgerFilter(text="%"), now=NOW)
        assert set(everything["tracking_code"]) == {
            s.get(Case, case_id).tracking_code for v, (_n, case_id) in stored.items() if "%" in v}
        assert len(everything) == 4  # 100%, \\%, %_% and %s%s%s: a literal per cent, not "anything"


def cells_of_xlsx(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_every_export_is_inert(county):
    engine, stored, _refused = county
    with Session(engine) as s:
        clerk = auth.load_current_user(s, "clerk")
        rows = ledger_io.export_rows(s, user=clerk)
        xlsx, text = ledger_io.write_table(rows, "ledger.xlsx"), ledger_io.write_table(rows, "ledger.csv")
        month = reports.monthly_xlsx(reports.monthly_table(s, reports.month_filter("2026-11")), title="2026年11月")
        digest = reports.ten_day_digest(s, start=date(2026, 11, 1), end=date(2026, 11, 10), now=NOW, county="青岚县")
        quarterly = reports.quarterly_docx(s, reports.quarter_filter("2026Q4"), now=NOW, county="<b>青岚县</b>")
        network = network_io.write_workbook(network_io.export_rows(s))
    for data in (xlsx, month, network):
        cells = list(cells_of_xlsx(data))
        assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == f"反映{stored['=1+1'][0]}：=1+1" for c in cells_of_xlsx(xlsx))
    exported = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert len(exported) == len(rows) + 1
    live = [cell for line in exported for cell in line if cell.startswith(workbook.FORMULA_START)]
    assert live == []
    assert "<script>alert" not in digest and "<img src=x" not in digest and "&lt;script&gt;" in digest
    document = docx.Document(io.BytesIO(quarterly))
    assert "<b>青岚县</b>" in "\n".join(p.text for p in document.paragraphs)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", archive.read("xl/sharedStrings.xml").decode("utf-8")
                             if "xl/sharedStrings.xml" in archive.namelist() else "")


HEADER = ["编号", "登记时间", "渠道", "反映内容", "反映人", "阶段"]


def one_row_file(value: str, suffix: str) -> bytes:
    row = ["", "2026-11-02 09:00", "热线电话", value, value[:40], "已登记"]
    if suffix == ".csv":
        out = io.StringIO(newline="")
        csv.writer(out).writerows([HEADER, row])
        return out.getvalue().encode("utf-8")
    book = openpyxl.Workbook()
    for cells in (HEADER, row):
        workbook.append_row(book.active, cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_stores_each_value_or_names_the_bad_cell_and_writes_nothing(county, suffix):
    engine, _stored, _refused = county
    imported, refused = 0, []
    for value in HOSTILE_VALUES:
        data = one_row_file(value, suffix)
        with Session(engine) as s:
            before = ledger_io.count_cases(s)
            try:
                checked = ledger_io.check_rows(s, ledger_io.read_table(data, f"old{suffix}"))
                [code] = ledger_io.import_rows(s, actor=None, checked=checked, now=NOW, source=f"old{suffix}")
            except DomainError as exc:
                s.rollback()
                assert exc.message("zh") and ledger_io.count_cases(s) == before, repr(value)
                refused.append(value)
                continue
            s.commit()
            case = s.exec(select(Case).where(Case.tracking_code == code)).one()
            assert norm(case.content) == norm(value).lstrip("\t"), repr(value)
            imported += 1
    # no content, a cell longer than a spreadsheet's, or a NUL in a CSV (read as a file in the wrong encoding)
    assert set(refused) == {"   ", "\n\n", "路" * 40_000} | ({"水\x00管"} if suffix == ".csv" else set())
    assert imported == len(HOSTILE_VALUES) - len(refused)
