"""一户一档 (issue #12 items 1, 2, 4): households on file, who sees them, visits and the case a
visit becomes, the 五必访 checklist across quarter borders, and the Excel workbook in and out."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlmodel import Session, select

from core.clock import local_now
from core.db import make_engine

from core import households, households_io
from core.errors import DomainError, FormErrors
from core.models import Case, CaseStatus, Channel, Household, HouseholdCategory as HC, Role, Unit, UnitKind, Visit
from tests import factories
from tests.pagetest import button, demo_database, open_page

NOW = datetime(2026, 11, 21, 9, 0)


def add(session, world, head="赵大", *, phone="13900000001", village=None, categories=(HC.extreme_poverty,), **kw):
    household, _changed = households.save_household(
        session, actor=world.users[Role.clerk], village_id=village or world.units["village"], head_name=head,
        phone=phone, categories=categories, **kw)
    return household


def other_village(session, world) -> int:
    unit = Unit(name="丙村", kind=UnitKind.village, parent_id=world.units["town"])
    session.add(unit)
    session.flush()
    return unit.id


def test_quarters_begin_and_end_where_the_calendar_says():
    assert households.quarter_of(date(2026, 11, 21)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert households.quarter_of(date(2026, 10, 1)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert households.quarter_of(date(2026, 9, 30)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert households.quarter_of(date(2027, 2, 28)) == (date(2027, 1, 1), date(2027, 3, 31))


def test_a_household_is_checked_whole_and_kept_once(world_session):
    session, world = world_session
    with pytest.raises(FormErrors) as refused:
        households.save_household(session, actor=world.users[Role.clerk], village_id=world.units["dept"],
                                  head_name=" ", phone="12345", members=0, categories=["martian"])
    assert set(refused.value.errors) == {"village_id", "head_name", "phone", "members", "categories"}
    household = add(session, world, group_name="三组", address="乙村三组 12 号", members=4,
                    categories=[HC.left_behind, HC.assisted, HC.left_behind])
    assert (household.group_name, household.members) == ("三组", 4)
    assert households.tags_of(session, [household.id])[household.id] == [HC.assisted, HC.left_behind]
    with pytest.raises(DomainError, match="already has a household"):
        add(session, world)  # same village, head and phone
    again, changed = households.save_household(session, actor=world.users[Role.clerk], village_id=household.village_id,
                                               head_name="赵大", phone="13900000001", group_name="三组",
                                               address="乙村三组 12 号", members=4,
                                               categories=[HC.assisted, HC.left_behind], household_id=household.id)
    assert again.id == household.id and not changed


def test_only_those_who_need_it_see_a_household(world_session):
    session, world = world_session
    mine = add(session, world, "钱二")
    theirs = add(session, world, "孙三", village=other_village(session, world))
    liaison = world.users[Role.liaison]  # stationed at world.units["village"]
    seen = households.households_frame(session, user=liaison)
    assert seen["head_name"].tolist() == ["钱二"]
    assert households.household_file(session, user=liaison, household_id=mine.id).may_write
    with pytest.raises(DomainError, match="No such household"):
        households.household_file(session, user=liaison, household_id=theirs.id)
    with pytest.raises(DomainError, match="No such household"):
        households.record_visit(session, actor=liaison, household_id=theirs.id, visited_on=NOW.date(),
                                notes="入户了解情况，一切正常。", now=NOW)
    with pytest.raises(DomainError, match="permission|may not"):
        households.save_household(session, actor=liaison, village_id=theirs.village_id, head_name="李四")
    supervisor = world.users[Role.supervisor]
    assert set(households.households_frame(session, user=supervisor)["head_name"]) == {"钱二", "孙三"}
    assert not households.household_file(session, user=supervisor, household_id=mine.id).may_write
    with pytest.raises(DomainError, match="may not"):
        households.record_visit(session, actor=supervisor, household_id=mine.id, visited_on=NOW.date(),
                                notes="抽查走访情况。", now=NOW)
    for role in (Role.leader, Role.unit_handler):  # figures only, never a name
        with pytest.raises(DomainError, match="may not"):
            households.households_frame(session, user=world.users[role])
        with pytest.raises(DomainError, match="may not"):
            households.household_file(session, user=world.users[role], household_id=mine.id)
    assert households.coverage(session, quarter=households.quarter_of(NOW.date())) == (0, 2)


def test_a_visit_is_dated_honestly_and_its_note_becomes_a_case_once(world_session):
    session, world = world_session
    household = add(session, world, "周五", address="乙村二组", group_name="二组")
    liaison = world.users[Role.liaison]
    for day, message in ((NOW.date() + timedelta(days=1), "future"), (NOW.date() - timedelta(days=120), "days late")):
        with pytest.raises(FormErrors, match=message):
            households.record_visit(session, actor=liaison, household_id=household.id, visited_on=day,
                                    notes="家里老人腿脚不便，希望村里帮忙修一下门口的台阶。", now=NOW)
    visit = households.record_visit(session, actor=liaison, household_id=household.id, visited_on=NOW.date(),
                                    notes="家里老人腿脚不便，希望村里帮忙修一下门口的台阶。", now=NOW)
    assert (visit.visitor_id, visit.visitor_name) == (liaison.id, liaison.display_name)
    case = households.visit_to_case(session, actor=liaison, visit_id=visit.id, now=NOW)
    assert (case.channel, case.reporter_name, case.reporter_phone) == (Channel.visit, "周五", "13900000001")
    assert (case.village_id, case.township_id, case.liaison_id) == (world.units["village"], world.units["town"],
                                                                     liaison.liaison_id)
    assert "台阶" in case.content and session.get(Visit, visit.id).case_id == case.id
    with pytest.raises(DomainError, match="already became case"):
        households.visit_to_case(session, actor=world.users[Role.clerk], visit_id=visit.id, now=NOW)
    file = households.household_file(session, user=liaison, household_id=household.id)
    assert file.cases["tracking_code"].tolist() == [case.tracking_code]
    assert [v.id for v in file.visits] == [visit.id]
    # a case the household reported by phone, not through a visit, is in its file too, for those who may see it
    other = factories.case(session, status=CaseStatus.received, received_at=NOW,
                           reporter_phone="13900000001")
    clerk_file = households.household_file(session, user=world.users[Role.clerk], household_id=household.id)
    assert set(clerk_file.cases["id"]) == {case.id, other.id}
    assert other.id not in set(households.household_file(session, user=liaison, household_id=household.id).cases["id"])


def test_the_must_visit_checklist_runs_by_calendar_quarter(world_session):
    session, world = world_session
    poor = add(session, world, "吴六", categories=[HC.extreme_poverty])
    grower = add(session, world, "郑七", phone="13900000002", categories=[HC.big_grower, HC.subsistence])
    add(session, world, "王八", phone="13900000003", categories=[HC.subsistence])  # not a must-visit kind
    gone = add(session, world, "冯九", phone="13900000004", categories=[HC.appellant], active=False)
    clerk = world.users[Role.clerk]
    september_30, october_1 = datetime(2026, 9, 30, 18), datetime(2026, 10, 1, 8)
    households.record_visit(session, actor=clerk, household_id=poor.id, visited_on=september_30.date(),
                            notes="季度末走访，了解冬季取暖准备。", now=september_30)
    q3, q4 = households.quarter_of(september_30.date()), households.quarter_of(october_1.date())
    assert households.checklist(session, user=clerk, quarter=q3)["head_name"].tolist() == ["郑七"]
    assert households.checklist(session, user=clerk, quarter=q4)["head_name"].tolist() == ["吴六", "郑七"]
    assert households.coverage(session, quarter=q3) == (1, 2) and households.coverage(session, quarter=q4) == (0, 2)
    households.record_visit(session, actor=clerk, household_id=grower.id, visited_on=october_1.date(),
                            notes="新季度第一天走访，了解秋收情况。", now=october_1)
    assert households.checklist(session, user=clerk, quarter=q4)["head_name"].tolist() == ["吴六"]
    assert households.coverage(session, quarter=q4) == (1, 2)
    with pytest.raises(DomainError, match="off file"):
        households.record_visit(session, actor=clerk, household_id=gone.id, visited_on=october_1.date(),
                                notes="已迁出。", now=october_1)


def sheet(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = households_io.SHEET
    ws.append([zh for _key, zh in households_io.COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_workbook_imports_all_or_nothing_and_round_trips(world_session):
    session, world = world_session
    clerk = world.users[Role.clerk]
    good = [["甲镇", "乙村", "一组", "陈一", "13900000011", "乙村一组 3 号", "3", "特困户、低保户", "", ""],
            ["甲镇", "乙村", "二组", "褚二", "", "", "", "老党员", "独居", ""]]
    bad = good + [["甲镇", "无此村", "", "卫三", "", "", "0", "", "", ""],
                  ["甲镇", "乙村", "", "蒋四", "1234", "", "99", "火星户", "", ""],
                  ["甲镇", "乙村", "", "", "", "", "", "", "", ""]]
    result = households_io.import_households(session, actor=clerk, data=sheet(bad), filename="户.xlsx")
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(4, "村社区"), (4, "人口"), (5, "电话"), (5, "人口"), (5, "类别"), (6, "户主")}
    session.rollback()  # as the page does: one bad cell and nothing is written
    assert session.exec(select(Household)).all() == []
    result = households_io.import_households(session, actor=clerk, data=sheet(good), filename="户.xlsx")
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    session.commit()
    rows = households_io.export_rows(session, user=clerk)
    assert [r[3] for r in rows] == ["陈一", "褚二"] and rows[0][7] == "特困户、低保户"
    again = households_io.import_households(session, actor=clerk, data=households_io.write_workbook(rows),
                                             filename="一户一档.xlsx")
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    changed = [r[:] for r in rows]
    changed[1][6] = "5"
    third = households_io.import_households(session, actor=clerk, data=households_io.write_workbook(changed),
                                            filename="一户一档.xlsx")
    assert (third.created, third.updated) == (0, 1)
    for role in (Role.liaison, Role.supervisor, Role.leader):
        with pytest.raises(DomainError, match="may not"):
            households_io.import_households(session, actor=world.users[role], data=sheet(good), filename="户.xlsx")
        with pytest.raises(DomainError, match="may not"):
            households_io.export_rows(session, user=world.users[role])


# ---- the page --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hdb(tmp_path_factory):
    yield from demo_database(tmp_path_factory, "households", cases=60, today=local_now().date())  # this quarter


@pytest.fixture
def demo_db(hdb, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", hdb[0])
    return hdb[1]


def test_the_page_lists_the_county_for_the_center_and_the_station_for_a_liaison(demo_db):
    at = open_page("households", "clerk")
    assert not at.exception
    assert at.title[0].value == "一户一档"
    with demo_db.connect() as conn:
        total = conn.execute(select(Household.id).where(Household.active == True)).all()  # noqa: E712
    assert at.metric[0].value == f"{len(total):,}"
    liaison = open_page("households", "liaison")
    assert not liaison.exception
    assert int(liaison.metric[0].value) < len(total)
    assert "联络站" in " ".join(c.value for c in liaison.caption) or liaison.text_input(key="hh_f_station").value
    leader = open_page("households", "leader")
    assert not [t for t in leader.title if t.value == "一户一档"]  # refused before anything is shown


def test_a_refused_household_keeps_what_was_typed(demo_db):
    at = open_page("households", "liaison")
    at.text_input(key="hh_new_head").input("新户主")
    at.text_input(key="hh_new_phone").input("12345")
    at.text_input(key="hh_new_address").input("一组 8 号")
    button(at, "保存").click().run()
    assert at.error and any("电话" in e.value or "号码" in e.value for e in at.error)
    assert at.text_input(key="hh_new_head").value == "新户主"
    assert at.text_input(key="hh_new_address").value == "一组 8 号"
    at.text_input(key="hh_new_phone").input("13900000077")
    button(at, "保存").click().run()
    assert not at.exception
    with demo_db.connect() as conn:
        assert conn.execute(select(Household.id).where(Household.head_name == "新户主")).first() is not None


def test_a_county_with_no_households_yet_is_told_where_to_begin(world_session, monkeypatch):
    session, _world = world_session  # a county in production with its network and accounts, no household yet
    monkeypatch.setenv("DATABASE_URL", session.get_bind().url.render_as_string(hide_password=False))
    monkeypatch.setenv("MQT_MODE", "production")
    monkeypatch.setenv("MQT_COOKIE_KEY", "k" * 40)
    at = open_page("households", "w_clerk")
    assert not at.exception and not at.error
    assert at.metric[0].value == "0"
    info = " ".join(i.value for i in at.info)  # both tabs are drawn in one run
    assert "还没有在册的户" in info and "没有登记为五必访类别的户" in info


def test_the_cli_imports_checks_and_exports_the_households(tmp_path, monkeypatch, capsys, hdb):
    from core import cli
    monkeypatch.setenv("DATABASE_URL", hdb[0])
    template = tmp_path / "template.xlsx"
    assert cli.main(["households", "template", str(template)]) == 0
    book = openpyxl.load_workbook(template)
    sheet_rows = list(book[households_io.SHEET].values)
    assert sheet_rows[0] == tuple(zh for _key, zh in households_io.COLUMNS)
    with Session(make_engine(hdb[0])) as s:
        town = s.exec(select(Unit).where(Unit.kind == UnitKind.township)).first()
        village = s.exec(select(Unit.name).where(Unit.parent_id == town.id, Unit.kind == UnitKind.village)).first()
    book[households_io.SHEET].delete_rows(2)
    book[households_io.SHEET].append([town.name, village, "一组", "导入户主", "13900000099", "", "2", "特困户", "", ""])
    book.save(template)
    assert cli.main(["households", "import", str(template), "--dry-run"]) == 0
    assert "1 to add" in capsys.readouterr().out
    assert cli.main(["households", "import", str(template)]) == 0
    assert cli.main(["households", "import", str(template)]) == 0
    assert "0 added, 0 updated" in capsys.readouterr().out
    out = tmp_path / "out.xlsx"
    assert cli.main(["households", "export", str(out)]) == 0
    exported = [r for r in openpyxl.load_workbook(out)[households_io.SHEET].values][1:]
    assert ("导入户主", "13900000099") in {(r[3], r[4]) for r in exported}
    book[households_io.SHEET].append([town.name, "无此村", "", "某某", "", "", "", "", "", ""])
    book.save(template)
    assert cli.main(["households", "import", str(template)]) == 2
    assert "row 3, column 村社区" in capsys.readouterr().err


def test_a_link_leader_keeps_five_households_of_the_village_and_is_spot_checked_by_quarter(world_session):
    session, world = world_session
    clerk, liaison, supervisor = world.users[Role.clerk], world.users[Role.liaison], world.users[Role.supervisor]
    homes = [add(session, world, f"联户{i}", phone=f"1390000010{i}") for i in range(6)]
    elsewhere = add(session, world, "外村户", phone="13900000199", village=other_village(session, world))
    with pytest.raises(FormErrors) as refused:
        households.save_link_leader(session, actor=liaison, village_id=None, name="", phone="1")
    assert set(refused.value.errors) == {"village_id", "name", "phone"}
    leader = households.save_link_leader(session, actor=liaison, village_id=world.units["village"], name="组长甲",
                                         group_name="一组", phone="13900000200")
    with pytest.raises(DomainError, match="may not"):  # a liaison keeps only their own station's
        households.save_link_leader(session, actor=liaison, village_id=elsewhere.village_id, name="组长乙")
    with pytest.raises(DomainError, match="at most 5"):
        households.link(session, actor=liaison, leader_id=leader.id, household_ids=[h.id for h in homes])
    with pytest.raises(DomainError, match="leader's village"):
        households.link(session, actor=liaison, leader_id=leader.id, household_ids=[homes[0].id, elsewhere.id])
    households.link(session, actor=liaison, leader_id=leader.id, household_ids=[h.id for h in homes[:5]])
    other = households.save_link_leader(session, actor=clerk, village_id=world.units["village"], name="组长丙")
    households.link(session, actor=clerk, leader_id=other.id, household_ids=[homes[4].id, homes[5].id])
    assert session.get(Household, homes[4].id).link_leader_id == other.id  # one link leader per household
    assert households.household_file(session, user=liaison, household_id=homes[0].id).link_leader.name == "组长甲"
    with pytest.raises(DomainError, match="may not"):  # a spot check is the center's or the supervision office's
        households.record_visit(session, actor=liaison, household_id=homes[0].id, visited_on=date(2026, 9, 30),
                                notes="抽查联户长联系情况。", now=NOW, spot_check=True)
    for day, home in ((date(2026, 9, 30), homes[0]), (date(2026, 10, 1), homes[1]), (date(2026, 11, 2), homes[1])):
        households.record_visit(session, actor=supervisor, household_id=home.id, visited_on=day,
                                notes="抽查：户主知道联户长，本月联系过。", now=NOW, spot_check=True)
    households.record_visit(session, actor=liaison, household_id=homes[2].id, visited_on=date(2026, 10, 5),
                            notes="日常走访，不是抽查。", now=NOW)
    q4 = households.link_leaders(session, user=supervisor, quarter=households.quarter_of(date(2026, 10, 1)))
    q3 = households.link_leaders(session, user=clerk, quarter=households.quarter_of(date(2026, 9, 30)))
    rows = {r.name: (r.linked, r.spot_checked) for r in q4.itertuples()}
    assert rows == {"组长甲": (4, 1), "组长丙": (2, 0)}
    assert {r.name: r.spot_checked for r in q3.itertuples()} == {"组长甲": 1, "组长丙": 0}
    with pytest.raises(DomainError, match="may not"):
        households.link_leaders(session, user=world.users[Role.leader], quarter=households.quarter_of(NOW.date()))
    moved = session.get(Household, homes[0].id)  # moves to another village: its old link leader lets it go
    households.save_household(session, actor=clerk, village_id=elsewhere.village_id, head_name=moved.head_name,
                              phone=moved.phone, household_id=moved.id)
    assert session.get(Household, homes[0].id).link_leader_id is None
