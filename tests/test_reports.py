"""Reports: the monthly .xlsx opens with openpyxl and its totals equal the KPI CLI's; the ten-day
digest groups by leaders' portfolios; the quarterly .docx opens and holds its charts."""
from __future__ import annotations

import io
import json
from datetime import date

import docx
import openpyxl
import pytest

from core import cli, labels, reports
from tests.conftest import DEMO_NOW

CHANNELS = 8


@pytest.fixture
def demo_env(demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    return demo_url


def test_monthly_xlsx_totals_equal_the_kpi_cli(demo_env, tmp_path, capsys):
    out = tmp_path / "m.xlsx"
    assert cli.main(["report", "monthly", "--month", "2026-10", "--out", str(out)]) == 0
    capsys.readouterr()
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "2026-10" in rows[0][0]
    heads = rows[1]
    totals = dict(zip(heads, rows[-1]))
    body = rows[2:-1]
    rates = {labels.t(f"kpi.{key}") for key in reports.MONTHLY_RATES}
    assert totals[heads[0]] == "合计" and len(body) >= 8
    for col in range(1, len(heads)):
        if heads[col] not in rates:
            assert totals[heads[col]] == sum(r[col] for r in body), heads[col]
    # the four rates of the county row are computed from its counts, as core.kpi defines them
    assert totals["办结率"] == pytest.approx(totals["办结"] / totals["受理事项"])
    assert totals["满意率"] == pytest.approx(totals["满意（含基本满意）"] / totals["已评价"])
    # ready to print: one landscape A4 page, headers frozen and repeated, borders, readable widths
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "landscape", 1, 1)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.freeze_panes == "B3"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.cell(row=sheet.max_row, column=2).border.left.style == "thin"
    assert sheet.column_dimensions["A"].width >= 12
    rate_cell = sheet.cell(row=3, column=heads.index("办结率") + 1)
    assert rate_cell.number_format == "0.0%"
    assert cli.main(["kpi", "--from", "2026-10-01", "--to", "2026-10-31", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert totals["受理事项"] == figures["received"] > 0
    for head, key in (("办结", "closed"), ("按时办结", "on_time"), ("已反馈", "fed_back"), ("已回访", "followed_up"),
                      ("已评价", "rated"), ("满意（含基本满意）", "satisfied")):
        assert totals[head] == figures[key], head
    by_channel = sum(totals[h] for h in heads[2:2 + CHANNELS])
    assert by_channel == figures["received"] == sum(figures["received_by_channel"].values())


def test_bad_month_is_refused(demo_env, tmp_path, capsys):
    assert cli.main(["report", "monthly", "--month", "2026-13", "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_digest_groups_by_leader_and_escapes(demo_env, tmp_path):
    from sqlmodel import Session, select

    from core.db import make_engine
    from core.models import Leader
    engine = make_engine(demo_env)
    with Session(engine) as s:
        page = reports.ten_day_digest(s, start=date(2026, 11, 1), end=date(2026, 11, 10), now=DEMO_NOW, county="青岚县")
        leaders = s.exec(select(Leader.name)).all()
    engine.dispose()
    assert "青岚县民情信息十日摘报" in page and "2026-11-01" in page
    assert sum(1 for name in leaders if f"<h2>{name}" in page) >= 1
    assert "<script" not in page
    assert reports.digest_periods(date(2026, 11, 21)) == (date(2026, 11, 21), date(2026, 11, 30))
    assert reports.last_finished_digest_period(date(2026, 11, 21)) == (date(2026, 11, 11), date(2026, 11, 20))
    assert reports.last_finished_digest_period(date(2026, 3, 5)) == (date(2026, 2, 21), date(2026, 2, 28))
    assert reports.digest_periods(date(2026, 2, 25)) == (date(2026, 2, 21), date(2026, 2, 28))


def test_quarterly_docx_opens_with_charts(demo_env, tmp_path, capsys):
    out = tmp_path / "q.docx"
    assert cli.main(["report", "quarterly", "--quarter", "2026Q3", "--out", str(out)]) == 0
    document = docx.Document(io.BytesIO(out.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "季度分析报告" in text and "2026-07-01" in text and "2026-09-30" in text
    assert len(document.inline_shapes) >= 2  # the trend and a breakdown chart
    assert document.tables and document.tables[0].rows[1].cells[0].text == "办结率"
    # an official document: A4, GB/T 9704 margins, 仿宋 body and 黑体 headings
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.top_margin.cm, 1) == 3.7 and round(section.left_margin.cm, 1) == 2.8
    assert document.styles["Normal"].font.name == "仿宋_GB2312"
    assert document.styles["Heading 1"].font.name == "黑体"
    # a written summary of the quarter's figures, agreeing with core.kpi
    from sqlmodel import Session

    from core import kpi
    from core.db import make_engine
    engine = make_engine(demo_env)
    with Session(engine) as s:
        figures = kpi.compute(s, reports.quarter_filter("2026Q3"), now=DEMO_NOW)
        ranked = kpi.ranking(s, reports.quarter_filter("2026Q3"), group="unit")
    engine.dispose()
    assert f"共受理民情事项 {figures.counts['received']:,} 件" in text and "办结率最高的乡镇是" in text
    # every unit ranked, each rank once, numbered by the table and not also by a list style
    unit_table = document.tables[-1]
    ranks = [row.cells[0].text for row in unit_table.rows[1:]]
    assert ranks == [str(r) for r in ranked["rank"]] and len(ranks) == len(ranked)
    assert not any(p.style.name.startswith("List") for p in document.paragraphs)
    with pytest.raises(ValueError):
        reports.quarter_filter("2026Q5")
    assert reports.quarter_filter("2026Q4").end == date(2026, 12, 31)
