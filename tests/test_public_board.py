"""公开栏 (issue #12 item 6): a township's cases closed in a period with their result, and its four
100 % as the dashboard computes them — with no personal data, on the page and on the printed sheet,
even when a unit's result quotes the resident's name and phone."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from core import kpi, network, public_board
from core.models import Case, CaseStatus
from tests.conftest import DEMO_NOW
from tests.pagetest import demo_database, open_page

START, END = date(2026, 9, 1), date(2026, 11, 21)


@pytest.fixture(scope="module")
def bdb(tmp_path_factory):
    yield from demo_database(tmp_path_factory, "board", cases=500)


@pytest.fixture(autouse=True)
def use_db(bdb, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", bdb[0])


def busiest_township(s: Session) -> int:
    return s.exec(select(Case.township_id).where(Case.status.in_(kpi.CLOSED), Case.township_id.is_not(None))
                  .group_by(Case.township_id).order_by(sa.func.count().desc())).first()


def quoting_the_resident(engine) -> tuple[int, Case]:
    """A closed case whose result names its reporter and repeats the phone, as units' notes do."""
    with Session(engine) as s:
        township = busiest_township(s)
        case = s.exec(select(Case).where(Case.township_id == township, Case.status == CaseStatus.closed,
                                         Case.closed_at >= START, Case.reporter_name.is_not(None),
                                         Case.reporter_phone.is_not(None)).order_by(Case.closed_at.desc())).first()
        phone = case.reporter_phone
        case.result_summary = (f"已于2026-11-01修复。经回访{case.reporter_name}（电话{phone[:3]} {phone[3:7]} {phone[7:]}）"
                               f"表示满意，补助资金1200元已发放。")
        s.add(case)
        s.commit()
        s.refresh(case)
        return township, case


def test_a_board_lists_the_townships_closes_of_the_period_without_personal_data(bdb):
    _url, engine = bdb
    township, quoted = quoting_the_resident(engine)
    with Session(engine) as s:
        board = public_board.board(s, township_id=township, start=START, end=END, lang="zh", now=DEMO_NOW)
        expected = set(s.exec(select(Case.tracking_code).where(  # written apart from core.public_board
            Case.township_id == township, Case.status.in_([CaseStatus.closed, CaseStatus.explained]),
            Case.closed_at >= START, Case.closed_at < date(2026, 11, 22))).all())
        people = s.exec(select(Case.reporter_name, Case.reporter_phone, Case.content)).all()
        county = network.county_name(s)
    assert {r.code for r in board.rows} == expected and board.closed_total == len(expected) > 10
    assert [r.closed for r in board.rows] == sorted((r.closed for r in board.rows), reverse=True)
    row = next(r for r in board.rows if r.code == quoted.tracking_code)
    assert row.result == "已于2026-11-01修复。经回访＊＊（电话＊＊）表示满意，补助资金1200元已发放。"
    sheet = public_board.sheet_html(board, county=county, lang="zh")
    shown = [sheet, *(f"{r.category}{r.village}{r.result}" for r in board.rows)]
    for text in shown:
        assert not re.search(r"1\d{10}", re.sub(r"[\s-]", "", text)), "a phone number is on the board"
    listed = {r.code for r in board.rows}
    with Session(engine) as s:
        listed_people = s.exec(select(Case.reporter_name, Case.content).where(Case.tracking_code.in_(listed))).all()
    for name, content in listed_people:
        assert content not in sheet  # residents' own words are not published
        if name and len(name) >= 2:
            assert name not in sheet, name
    assert people  # the county has reporters at all


def test_the_board_shows_the_four_100_as_the_dashboard_computes_them(bdb):
    _url, engine = bdb
    with Session(engine) as s:
        township = busiest_township(s)
        board = public_board.board(s, township_id=township, start=START, end=END, lang="zh", now=DEMO_NOW)
        dashboard = kpi.compute(s, kpi.KpiFilter(start=START, end=END, township_id=township), now=DEMO_NOW)
    figures = {key: (value, count) for key, value, count in public_board.figures(board)}
    assert list(figures) == list(kpi.FOUR_100)
    for key in kpi.FOUR_100:
        rate = dashboard.rates[key]
        assert figures[key][0] == ("—" if rate is None else f"{rate:.1%}")
    closed, received = (dashboard.counts[c] for c in kpi.RATES["closure_rate"])
    assert figures["closure_rate"][1] == f"{closed:,} / {received:,}"
    assert figures["participation_rate"][1] == "{:,} / {:,}".format(*dashboard.participation)


def test_masking_keeps_dates_and_amounts_and_hides_numbers_and_names():
    assert public_board.masked("2026-11-01 已修复，补助12000元，联系张三 138-1234-5678、身份证430102199001011234",
                               names=["张三", "李"]) == "2026-11-01 已修复，补助12000元，联系＊＊ ＊＊、身份证＊＊"
    assert public_board.masked(None, names=[]) == ""


def test_the_page_is_public_and_shows_no_phone(bdb):
    at = open_page("public_board", None)  # no one signed in
    assert not at.exception
    assert at.title[0].value == "办理结果公开栏"
    assert [m.label for m in at.metric] == [kpi_label for kpi_label in ("办结率", "反馈率", "满意率", "参与协同率")]
    at.selectbox(key="pub_period").select("year").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) > 0 and "反映人" not in table.columns and "联系电话" not in table.columns
    text = table.to_csv()
    assert not re.search(r"1\d{10}", re.sub(r"[\s-]", "", text))
    assert at.get("download_button")  # the sheet to print
