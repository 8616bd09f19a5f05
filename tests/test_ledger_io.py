"""Ledger import and export: an export re-imports to the same cases (SQLite and, in CI,
PostgreSQL), bad rows are reported by row and column with nothing written, Chinese headers and
labels are accepted, a missing deadline follows the working-day rule."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from core import auth, demo, ledger_io, rollup, search, workbook
from core.cli import main as cli
from core.db import make_engine, migrate, session_scope
from core.errors import DomainError
from core.models import Case, CaseAction, CaseEvent, CaseStatus as S
from tests.conftest import DEMO_NOW, DEMO_TODAY, new_database_url

NOW = DEMO_NOW


def county(tmp_path, cases: int):
    engine = make_engine(new_database_url(tmp_path))
    migrate(engine)
    demo.load_demo(engine, cases=cases, today=DEMO_TODAY)
    return engine


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_export_reimports_to_the_same_cases(tmp_path, suffix):
    source, target = county(tmp_path, 150), county(tmp_path, 0)
    with Session(source) as s:
        exported = ledger_io.export_rows(s, user=auth.load_current_user(s, "clerk"))
    data = ledger_io.write_table(exported, f"ledger{suffix}")
    with Session(target) as s:
        checked = ledger_io.check_rows(s, ledger_io.read_table(data, f"ledger{suffix}"))
        assert checked.errors == []
        codes = ledger_io.import_rows(s, actor=auth.load_current_user(s, "clerk"), checked=checked, now=NOW,
                                      source=f"ledger{suffix}")
        s.commit()
        for word in ("漏水", "村", "低保", "饮水"):  # indexed for search in one pass per batch (search.bulk)
            like = s.exec(select(sa.func.count()).select_from(Case).where(
                sa.or_(Case.title.contains(word), Case.content.contains(word)))).one()
            assert search.count(s.connection(), word) == like, word
        again = ledger_io.export_rows(s, user=None)
        imported = s.exec(select(Case).where(Case.imported)).all()
        events = s.exec(select(CaseEvent).where(CaseEvent.action == CaseAction.import_ledger)).all()
    assert again == exported and len(codes) == 150
    assert len(imported) == 150 and len(events) == 150 and all(e.imported for e in events)
    source.dispose()
    target.dispose()


def test_an_export_past_one_sheet_goes_on_in_the_next_and_reimports_whole(tmp_path, monkeypatch):
    """A sheet holds 1,048,575 data rows; the export used to stop there. Here a sheet holds 40."""
    monkeypatch.setattr(workbook, "SHEET_DATA_ROWS", 40)
    source, target = county(tmp_path, 100), county(tmp_path, 0)
    with Session(source) as s:
        streamed = io.BytesIO()
        count = ledger_io.write_export(ledger_io.iter_export_rows(s, user=None), streamed, "ledger.xlsx")
        exported = ledger_io.export_rows(s, user=None)
    book = openpyxl.load_workbook(io.BytesIO(streamed.getvalue()))
    assert count == 100 and book.sheetnames == ["民情台账", "民情台账2", "民情台账3"]
    assert [sheet.max_row for sheet in book.worksheets] == [41, 41, 21]  # each with its header
    assert book.worksheets[0].freeze_panes == "A2"
    with Session(target) as s:
        rows = ledger_io.read_table(streamed.getvalue(), "ledger.xlsx")
        assert rows == exported
        checked = ledger_io.check_rows(s, rows)
        assert checked.errors == [] and len(ledger_io.import_rows(s, actor=None, checked=checked, now=NOW,
                                                                   source="ledger.xlsx")) == 100


def test_the_cli_export_streams_to_the_file_and_leaves_no_partial_file(tmp_path, monkeypatch):
    engine = county(tmp_path, 30)
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "all.csv"
    assert cli(["--database-url", url, "export", "cases", str(out)]) == 0
    assert len(ledger_io.read_table(out.read_bytes(), "all.csv")) == 30
    assert not (tmp_path / "all.csv.part").exists()

    def broken(*_args, **_kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(ledger_io, "write_export", broken)
    assert cli(["--database-url", url, "export", "cases", str(tmp_path / "half.xlsx")]) == 2
    assert not (tmp_path / "half.xlsx").exists() and not (tmp_path / "half.xlsx.part").exists()


def csv_file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


HEADER = "编号,登记时间,渠道,乡镇,村,类别,反映内容,反映人,联系电话,承办单位,办理层级,缓急,阶段,交办时间,办理时限,结案时间,反馈时间,评价,回访时间"


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(tmp_path):
    engine = county(tmp_path, 0)
    data = csv_file(
        HEADER,
        ",2024-03-05 09:30,热线电话,,,饮水,组里自来水停了三天,张三,13812345678,,,,已登记,,,,,,",
        ",2024-13-05,热线电话,火星镇,,饮水,水发黄,李四,123,,,,已登记,,,,,,",
        "MQ-2024-000001,2024-03-06,传真,,,,路灯坏了,王五,,县水利局,移交单位办理,,办理中,2024-03-01,,,,,",
    )
    with Session(engine) as s:
        checked = ledger_io.check_rows(s, ledger_io.read_table(data, "old.csv"))
        cells = {(e.row, e.column): e.error.message("zh") for e in checked.errors}
        before = ledger_io.count_cases(s)
        with pytest.raises(DomainError) as refused:
            ledger_io.import_rows(s, actor=None, checked=checked, now=NOW, source="old.csv")
        assert ledger_io.count_cases(s) == before == 0
    assert cells == {
        (3, "received_at"): "日期“2024-13-05”无法识别，请用 2024-03-05 或 2024-03-05 09:30。",
        (3, "reporter_phone"): "电话号码格式不对：手机为 11 位（如 13812345678），座机须带区号（如 0851-12345678）。",
        (3, "township"): "找不到“火星镇”，请与联络网络中的名称一致。",
        (4, "channel"): "“传真”不是可选的值。",
        (4, "dispatched_at"): "不能早于登记时间。",
    }
    assert refused.value.message("en") == "5 error(s) remain; nothing was imported."


def test_a_code_repeated_in_the_file_is_refused_in_the_same_batch_and_in_a_later_one(tmp_path, monkeypatch):
    monkeypatch.setattr(ledger_io, "IMPORT_BATCH", 3)  # codes met in earlier batches are kept on disk
    engine = county(tmp_path, 0)
    line = ",2024-03-05 09:30,热线电话,,,饮水,组里自来水停了三天,张三,13812345678,,,,已登记,,,,,,"
    codes = ["MQ-2024-000001", "MQ-2024-000002", "MQ-2024-000002", "MQ-2024-000003", "mq-2024-000001",
             "MQ-2024-000004", "MQ-2024-000003"]
    data = csv_file(HEADER, *(code + line for code in codes))
    with Session(engine) as s:
        checked = ledger_io.check_rows(s, ledger_io.read_table(data, "old.csv"))
    assert [(e.row, e.column) for e in checked.errors] == [(4, "tracking_code"), (6, "tracking_code"),
                                                             (8, "tracking_code")]
    assert [r["tracking_code"] for r in checked.rows] == ["MQ-2024-000001", "MQ-2024-000002", "MQ-2024-000003",
                                                         "MQ-2024-000004"]
    engine.dispose()


def test_a_missing_deadline_follows_the_working_day_rule(tmp_path):
    engine = county(tmp_path, 0)
    data = csv_file(HEADER, ",2026-09-29 09:00,热线电话,,,饮水,组里自来水停了三天,张三,13812345678,县水利局,"
                            "移交单位办理,易事即办,办理中,2026-09-30 10:00,,,,,")
    with Session(engine) as s:
        checked = ledger_io.check_rows(s, ledger_io.read_table(data, "old.csv"))
        [code] = ledger_io.import_rows(s, actor=None, checked=checked, now=NOW, source="old.csv")
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
    # dispatched 30 Sep 2026; 1–7 Oct is the National Day holiday, Saturday 10 Oct a make-up working day
    assert (case.status, case.due_at, code) == (S.in_progress, datetime(2026, 10, 10, 23, 59, 59), f"MQ-2026-{case.id:06d}")


def test_the_same_file_is_not_imported_twice(tmp_path):
    engine = county(tmp_path, 0)
    data = csv_file(HEADER, ",2026-09-29 09:00,热线电话,,,饮水,组里自来水停了三天,张三,13812345678,,,,已登记,,,,,,")
    with Session(engine) as s:
        assert ledger_io.imported_before(s, data) is None
        checked = ledger_io.check_rows(s, ledger_io.read_table(data, "old.csv"))
        ledger_io.import_rows(s, actor=None, checked=checked, now=NOW, source="old.csv", data=data)
        s.commit()
        assert ledger_io.imported_before(s, data) == NOW
        with pytest.raises(DomainError) as refused:  # rows without codes would all be copied again
            ledger_io.import_rows(s, actor=None, checked=ledger_io.check_rows(s, ledger_io.read_table(data, "x.csv")),
                                  now=NOW, source="renamed.csv", data=data)
        assert refused.value.key == "error.import_again"
        assert len(s.exec(select(Case)).all()) == 1
        other = data + csv_file(",2026-09-30 09:00,热线电话,,,饮水,路灯坏了,李四,13812345679,,,,已登记,,,,,,")[3:]
        assert ledger_io.imported_before(s, other) is None  # another file is another import


def test_only_the_center_and_the_admin_import_and_export(tmp_path):
    engine = county(tmp_path, 5)
    with Session(engine) as s:
        leader = auth.load_current_user(s, "leader")
        with pytest.raises(DomainError):
            ledger_io.export_rows(s, user=leader)
        with pytest.raises(DomainError):
            ledger_io.import_rows(s, actor=leader, checked=ledger_io.Checked(), now=NOW, source="x.csv")


def test_the_cli_dry_run_writes_nothing_and_bad_files_exit_2(tmp_path, capsys):
    engine = county(tmp_path, 0)
    url = engine.url.render_as_string(hide_password=False)
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file(HEADER, ",2024-03-05 09:30,热线电话,,,饮水,组里自来水停了三天,张三,13812345678,,,,已登记,,,,,,"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(HEADER, ",,热线电话,,,,组里自来水停了三天,,,,,,已登记,,,,,,"))
    assert cli(["--database-url", url, "import", str(good), "--dry-run"]) == 0
    with Session(engine) as s:
        assert ledger_io.count_cases(s) == 0
    assert cli(["--database-url", url, "import", str(bad)]) == 2
    assert "row 2, column received_at: Required." in capsys.readouterr().err
    assert cli(["--database-url", url, "import", str(good)]) == 0
    out = tmp_path / "out.xlsx"
    assert cli(["--database-url", url, "export", "cases", str(out)]) == 0
    with Session(engine) as s:
        assert ledger_io.count_cases(s) == 1
    assert len(ledger_io.read_table(out.read_bytes(), "out.xlsx")) == 1


def test_the_import_page_lists_bad_cells_and_imports_nothing(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    engine = county(tmp_path, 0)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    at = AppTest.from_file(str(ROOT / "pages/import.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["auth_version"] = 0  # the token version of a demo account never signed out
    at.session_state["username"] = "clerk"
    at.run()
    assert not at.exception and at.title[0].value == "台账导入导出"


HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
           "路灯坏了\x0b两个月", "\x00空字节\x1f", "正常的反映内容\n第二行\t带制表符"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_exports_keep_residents_words_as_text_and_never_break(tmp_path, suffix):
    rows = [dict(ledger_io.TEMPLATE_ROW, content=text, reporter_name=text[:10]) for text in HOSTILE]
    data = ledger_io.write_table(rows, f"x{suffix}")  # a vertical tab once broke every .xlsx export
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = [sheet.cell(row=r, column=ledger_io.COLUMNS.index("content") + 1) for r in range(2, len(HOSTILE) + 2)]
        assert all(c.data_type == "s" for c in cells)  # no formula
    else:
        text = data.decode("utf-8-sig")
        assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text and "'=HYPERLINK" in text
    back = ledger_io.read_table(data, f"x{suffix}")  # and an export reads back as the same words
    expected = [workbook.CONTROL_CHARACTERS.sub("", t).strip() for t in HOSTILE]
    assert [r["content"] for r in back] == expected


def test_bad_files_get_one_clear_message_never_a_traceback(tmp_path):
    engine = county(tmp_path, 0)
    good = csv_file(HEADER, ",2026-09-29 09:00,热线电话,,,饮水,组里自来水停了三天,张三,13812345678,,,,已登记,,,,,,")
    gbk = good.decode("utf-8-sig").encode("gb18030")  # Excel on a Chinese Windows writes GBK
    assert ledger_io.read_table(gbk, "old.csv")[0]["content"] == "组里自来水停了三天"
    utf16 = good.decode("utf-8-sig").encode("utf-16")
    assert ledger_io.read_table(utf16, "old.csv")[0]["reporter_name"] == "张三"
    xlsx = ledger_io.write_table(ledger_io.read_table(good, "old.csv"), "x.xlsx")
    refusals = {
        "truncated.xlsx": (xlsx[: len(xlsx) // 2], "error.import_unreadable"),
        "huge.csv": (csv_file(HEADER, ",2026-09-29 09:00,热线电话,,,饮水," + "长" * 140_000 + ",张三,,,,,已登记,,,,,,"),
                     "error.import_cell_long"),
        "extra.csv": (csv_file(HEADER + ",备注", ",2026-09-29 09:00,热线电话,,,饮水,停水三天了,张三,,,,,已登记,,,,,,,x"),
                      "error.import_headers"),
        "binary.csv": (b"\x00\x01\x02\xff" * 10, "error.import_encoding"),
    }
    for name, (data, key) in refusals.items():
        with pytest.raises(DomainError) as refused:
            ledger_io.read_table(data, name)
        assert refused.value.key == key, name
    with Session(engine) as s:  # dates outside 2000..today are refused with the cell named; a deadline may lie ahead
        checked = ledger_io.check_rows(s, ledger_io.read_table(csv_file(
            HEADER, ",1999-12-31 09:00,热线电话,,,饮水,组里自来水停了三天,张三,,,,,已登记,,,,,,",
            ",2031-01-01 09:00,热线电话,,,饮水,组里自来水停了三天,张三,,,,,已登记,,,,,,"), "old.csv"))
    assert [(e.row, e.column, e.error.key) for e in checked.errors] == [
        (2, "received_at", "error.import_date_range"), (3, "received_at", "error.import_date_range")]


def test_the_cli_says_what_is_wrong_with_a_bad_file(tmp_path, capsys, monkeypatch):
    engine = county(tmp_path, 0)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    bad = tmp_path / "huge.csv"
    bad.write_bytes(csv_file(HEADER, ",2026-09-29 09:00,热线电话,,,饮水," + "长" * 140_000 + ",张三,,,,,已登记,,,,,,"))
    assert cli(["import", str(bad)]) == 2
    assert "more than 32767 characters" in capsys.readouterr().err


def fail_writing_batch(monkeypatch, batch: int):
    """The import's write of batch number `batch` fails (in the kept aggregates); returns the real
    rollup.record to put back."""
    real_record, calls = rollup.record, []

    def failing_record(connection, ids):
        calls.append(len(ids))
        if len(calls) == batch:
            raise RuntimeError("disk full")
        real_record(connection, ids)

    monkeypatch.setattr(rollup, "record", failing_record)
    return real_record


def test_a_big_import_is_written_in_batches_with_progress_and_still_all_or_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(ledger_io, "IMPORT_BATCH", 40)
    source, target = county(tmp_path, 100), county(tmp_path, 0)
    with Session(source) as s:
        data = ledger_io.write_table(ledger_io.export_rows(s, user=None), "ledger.csv")
    with Session(target) as s:
        checked = ledger_io.check_rows(s, ledger_io.read_table(data, "ledger.csv"))
    real_record = fail_writing_batch(monkeypatch, 3)  # the first two must not stay
    with pytest.raises(RuntimeError), session_scope(target) as s:
        ledger_io.import_rows(s, actor=None, checked=checked, now=NOW, source="ledger.csv")
    with Session(target) as s:
        assert s.exec(select(sa.func.count()).select_from(Case)).one() == 0
    monkeypatch.setattr(rollup, "record", real_record)
    seen, page_cache = [], []

    def cache_size(s) -> int | None:  # SQLite: the import's connection has a larger page cache while it writes
        return s.connection().exec_driver_sql("PRAGMA cache_size").scalar() if s.bind.dialect.name == "sqlite" else None
    with session_scope(target) as s:
        page_cache.append(cache_size(s))
        codes = ledger_io.import_rows(s, actor=None, checked=checked, now=NOW, source="ledger.csv",
                                      progress=lambda done, n: (seen.append((done, n)), page_cache.append(cache_size(s))))
        page_cache.append(cache_size(s))
    assert seen == [(40, 100), (80, 100), (100, 100)] and len(set(codes)) == 100
    if page_cache[0] is not None:
        assert page_cache[1:4] == [-ledger_io.IMPORT_PAGE_CACHE_KIB] * 3 and page_cache[4] == page_cache[0] != page_cache[1]
    with Session(target) as s:
        assert sorted(s.exec(select(Case.tracking_code)).all()) == sorted(codes)
        assert s.exec(select(sa.func.count()).select_from(CaseEvent)).one() == 100
    with target.connect() as connection:
        assert rollup.kept_rows(connection) == rollup.recomputed_rows(connection)
    source.dispose()
    target.dispose()


def test_a_file_is_imported_in_two_readings_and_a_row_gone_bad_between_them_writes_nothing(tmp_path, monkeypatch):
    """check_file reads and checks every row keeping only errors and the count; import_file reads
    again, checks each row again and writes as it goes. If another import takes a code in between,
    the second reading finds it, and the whole import is rolled back."""
    monkeypatch.setattr(ledger_io, "IMPORT_BATCH", 40)
    source, target = county(tmp_path, 100), county(tmp_path, 0)
    with Session(source) as s:
        rows = ledger_io.export_rows(s, user=None)
    data = ledger_io.write_table(rows, "ledger.csv")
    with Session(target) as s:
        good, errors = ledger_io.check_file(s, io.BytesIO(data), "ledger.csv")
    assert (good, errors) == (100, [])
    last = rows[-1]  # meanwhile another import writes the last row's case (its code)
    with session_scope(target) as s:
        ledger_io.import_rows(s, actor=None, checked=ledger_io.check_rows(s, [last]), now=NOW, source="other.csv")
    seen = []
    with pytest.raises(DomainError) as refused, session_scope(target) as s:
        ledger_io.import_file(s, actor=None, source=io.BytesIO(data), filename="ledger.csv", now=NOW, total=good,
                              progress=lambda done, n: seen.append(done))
    assert refused.value.key == "error.import_has_errors" and seen == [40, 80, 99]  # written, then rolled back
    with Session(target) as s:
        assert s.exec(select(sa.func.count()).select_from(Case)).one() == 1
    with session_scope(target) as s:  # without the other import's case the file goes in whole
        s.exec(sa.delete(CaseEvent))
        s.exec(sa.delete(Case))
        rollup.rebuild(s.connection())
    with session_scope(target) as s:
        stream = io.BytesIO(data)
        assert ledger_io.import_file(s, actor=None, source=stream, filename="ledger.csv", now=NOW, total=100) == 100
        assert ledger_io.imported_before(s, stream) is not None  # the stream's whole file, fingerprinted
    with Session(target) as s:
        assert ledger_io.export_rows(s, user=None) == rows
    source.dispose()
    target.dispose()


def test_a_gb18030_ledger_whose_first_rows_are_ascii_is_still_read_as_gb18030():
    """The encoding is found by decoding the whole file a chunk at a time, not its beginning."""
    ascii_rows = "\n".join(f",2026-09-29 09:00,hotline,,,,water pipe broken {i},Zhang,,,,,received,,,,,,"
                           for i in range(8_000))  # past one READ_CHUNK of ASCII
    data = (HEADER + "\n" + ascii_rows + "\n,2026-09-29 09:00,热线电话,,,,组里自来水停了三天,张三,,,,,已登记,,,,,,\n"
            ).encode("gb18030")
    assert len(data) > 2 * workbook.READ_CHUNK
    rows = ledger_io.read_table(io.BytesIO(data), "old.csv")
    assert len(rows) == 8_001 and rows[-1]["content"] == "组里自来水停了三天" and rows[-1]["reporter_name"] == "张三"


def test_reading_a_big_csv_holds_a_small_part_of_it_in_memory():
    import tracemalloc
    line = ",2026-09-29 09:00,热线电话,,,,组里自来水停了三天，水发黄，请尽快处理,张三,13812345678,,,,已登记,,,,,,\n"
    data = ("\ufeff" + HEADER + "\n" + line * 80_000).encode("utf-8")
    assert len(data) > 8_000_000
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        count = sum(1 for _row in ledger_io.iter_table(stream, "big.csv"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 80_000
    assert peak < len(data) / 5, f"peak {peak:,} bytes for a {len(data):,}-byte file"  # read whole: > 2× the file


def with_shared_strings(data: bytes) -> bytes:
    """The workbook openpyxl wrote (inline strings) as Excel writes it: every text in one shared-strings
    table, each cell its number there (a text used twice is stored once)."""
    import re
    import zipfile
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    numbers: dict[str, int] = {}

    def shared(match: re.Match) -> str:
        number = numbers.setdefault(match.group(2), len(numbers))
        return f'<c r="{match.group(1)}" t="s"><v>{number}</v></c>'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            part = source.read(name).decode("utf-8")
            if name == "xl/worksheets/sheet1.xml":
                part = re.sub(r'<c r="(\w+)" t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', shared, part)
            elif name == "[Content_Types].xml":
                part = part.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif name == "xl/_rels/workbook.xml.rels":
                part = part.replace("</Relationships>", '<Relationship Id="rIdStrings" Type="http://schemas.openxml'
                                    'formats.org/officeDocument/2006/relationships/sharedStrings" '
                                    'Target="sharedStrings.xml"/></Relationships>')
            target.writestr(name, part)
        target.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        + "".join(f"<si><t>{text}</t></si>" for text in numbers) + "</sst>")
    assert len(numbers) > 2
    return out.getvalue()


def test_an_excel_made_workbook_is_read_with_its_shared_strings_on_disk():
    """Excel and WPS keep a sheet's texts in one shared-strings table; openpyxl reads it whole into a
    list. It is kept on disk: the cells read the same, and memory does not hold the texts."""
    import sys
    import tracemalloc
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["反映内容", "登记时间", "阶段"])
    texts = [f"第{i}户反映：" + "组里自来水停了三天，水发黄，烧开以后有沉淀，老人孩子不敢喝，请尽快派人查看处理。" * 4
             for i in range(20_000)]  # 200 characters, as a resident's words often are
    for i, text in enumerate(texts):
        sheet.append([text, "2026-09-29 09:00", "已登记" if i % 2 else "已办结"])  # repeated texts share an entry
    sheet.append(["换行_x000D_之后", "2026-09-30", "已登记"])  # read back as openpyxl reads it
    buffer = io.BytesIO()
    book.save(buffer)
    data = with_shared_strings(buffer.getvalue())
    reference = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    want = [[workbook.cell_text(v) for v in row] for row in reference.worksheets[0].iter_rows(values_only=True)]
    reference.close()
    tracemalloc.start()
    try:
        read, differ = 0, []
        for _title, rows in workbook.iter_sheets(io.BytesIO(data), "台账.xlsx"):
            for got, expected in zip(rows, want, strict=True):  # compared as read: nothing kept
                read += 1
                if got != expected:
                    differ.append(read)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == len(want) == 20_002 and differ == []
    assert want[1][0] == texts[0] and want[-1][0].startswith("换行")
    held = sum(sys.getsizeof(t) for t in texts)  # what the table's texts take as a Python list
    # (what remains grows by ~80 bytes a row: openpyxl's sheet parser keeps each row's emptied element)
    assert peak < held / 3, f"peak {peak:,} bytes; the texts take {held:,}"


def test_reading_an_xlsx_keeps_no_row_once_read():
    """openpyxl's sheet parser left each read row's emptied element in the tree (~80 bytes a row,
    ~80 MB for a million): the peak no longer grows with the rows."""
    import tracemalloc

    def peak_reading(rows: int) -> int:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["反映内容", "登记时间", "阶段"])
        for i in range(rows):
            sheet.append([f"第{i}户：组里自来水停了", "2026-09-29 09:00", "已登记"])
        buffer = io.BytesIO()
        book.save(buffer)
        tracemalloc.start()
        try:
            read = sum(1 for _title, rows_read in workbook.iter_sheets(io.BytesIO(buffer.getvalue()), "a.xlsx")
                       for _row in rows_read)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert read == rows + 1
        return peak

    small, big = peak_reading(5_000), peak_reading(25_000)
    assert (big - small) / 20_000 < 30, f"{(big - small) / 20_000:.0f} bytes more a row ({small:,} → {big:,})"
