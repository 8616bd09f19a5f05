"""The network built from nothing: units tree rules, categories, leaders' portfolios routing cases,
working-group links and contacts, accounts tied to the network, and the network workbook."""
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session, func, select

from core import auth, network, network_io, portfolio, services, suggest, workbook
from core.errors import DomainError
from core.models import (Case, Category, Channel, ContactMethod, KeywordRule, Leader, Liaison, LiaisonLink, Role,
                         Tier, Unit, UnitKind, User)

NOW = datetime(2026, 11, 22, 10, 0)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_county.xlsx"
TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "network_template.xlsx"


@pytest.fixture
def admin_session(engine):
    with Session(engine) as s:
        auth.create_user(s, actor=None, username="admin", display_name="管理员", password="Secret-pass-1",
                         roles={Role.admin}, now=NOW)
        s.commit()
        yield s, auth.load_current_user(s, "admin")


def test_the_tree_is_built_by_its_rules_and_nothing_is_deleted(admin_session):
    s, admin = admin_session
    county, _ = network.save_unit(s, actor=admin, name="新县", kind=UnitKind.county, parent_id=None)
    town, _ = network.save_unit(s, actor=admin, name="甲镇", kind=UnitKind.township, parent_id=county.id, code="T1")
    village, _ = network.save_unit(s, actor=admin, name="乙村", kind=UnitKind.village, parent_id=town.id)
    group, _ = network.save_unit(s, actor=admin, name="乙村一组", kind=UnitKind.group, parent_id=village.id)
    for kind, parent, key in [(UnitKind.village, county.id, "error.unit_parent"),      # a village under the county
                              (UnitKind.county, None, "error.unit_one_county"),
                              (UnitKind.township, county.id, "error.unit_name_taken")]:  # 甲镇 twice
        with pytest.raises(DomainError) as err:
            network.save_unit(s, actor=admin, name="甲镇", kind=kind, parent_id=parent)
        assert err.value.key == key
    with pytest.raises(DomainError) as err:  # a village moved under its own group would cut the tree
        network.save_unit(s, actor=admin, unit_id=village.id, name="乙村", kind=UnitKind.village, parent_id=group.id)
    assert err.value.key == "error.unit_parent"
    with pytest.raises(DomainError) as err:
        network.save_unit(s, actor=admin, name="丙镇", kind=UnitKind.township, parent_id=county.id, code="T1")
    assert err.value.key == "error.unit_code_taken"
    assert "上级须是" in DomainError("error.unit_parent", kind=UnitKind.village,
                                    kinds=[UnitKind.township]).message("zh")
    # rename, move, deactivate: the same row, still there
    other, _ = network.save_unit(s, actor=admin, name="丁镇", kind=UnitKind.township, parent_id=county.id)
    moved, changed = network.save_unit(s, actor=admin, unit_id=village.id, name="乙村（新）", kind=UnitKind.village,
                                       parent_id=other.id, active=False)
    assert changed and moved.id == village.id and moved.parent_id == other.id and not moved.active
    assert network.save_unit(s, actor=admin, unit_id=village.id, name="乙村（新）", kind=UnitKind.village,
                             parent_id=other.id, active=False)[1] is False
    assert network.villages(s, other.id) == []  # inactive units leave the pickers
    clerk = auth.create_user(s, actor=admin, username="clerk1", display_name="clerk1", password="Secret-pass-1",
                             roles={Role.clerk}, now=NOW)
    with pytest.raises(DomainError) as err:
        network.save_unit(s, actor=auth.load_current_user(s, clerk.username), name="戊镇",
                          kind=UnitKind.township, parent_id=county.id)
    assert err.value.key == "error.permission"


def _county_with_portfolios(s, admin):
    county, _ = network.save_unit(s, actor=admin, name="新县", kind=UnitKind.county, parent_id=None)
    towns = [network.save_unit(s, actor=admin, name=n, kind=UnitKind.township, parent_id=county.id)[0]
             for n in ("甲镇", "乙镇")]
    dept, _ = network.save_unit(s, actor=admin, name="县水务局", kind=UnitKind.department, parent_id=county.id)
    water, _ = network.save_category(s, actor=admin, code="water", name_zh="饮水", name_en="Drinking water",
                                     default_tier=Tier.unit, default_unit_id=dept.id, now=NOW)
    roads, _ = network.save_category(s, actor=admin, code="roads", name_zh="道路", name_en="Roads", now=NOW)
    a, _ = network.save_leader(s, actor=admin, name="甲", title="副县长", categories=[water.id])
    b, _ = network.save_leader(s, actor=admin, name="乙", title="副县长", townships=[towns[0].id])
    c, _ = network.save_leader(s, actor=admin, name="丙", title="副县长", categories=[water.id], townships=[towns[1].id])
    return towns, water, roads, (a, b, c)


def test_a_portfolio_names_the_owner_of_a_case(admin_session):
    s, admin = admin_session
    towns, water, roads, (a, b, c) = _county_with_portfolios(s, admin)
    assert portfolio.owner_for(s, category_id=water.id, township_id=towns[1].id) == c.id  # both
    assert portfolio.owner_for(s, category_id=water.id, township_id=towns[0].id) == a.id  # 分管 first in rotation
    assert portfolio.owner_for(s, category_id=roads.id, township_id=towns[0].id) == b.id  # 包联
    assert portfolio.owner_for(s, category_id=roads.id, township_id=towns[1].id) == c.id  # 包联 乙镇
    assert portfolio.owner_for(s, category_id=roads.id, township_id=None) is None
    assert portfolio.of_leader(s, c.id) == ([water.id], [towns[1].id])
    network.save_leader(s, actor=admin, leader_id=a.id, name="甲", title="副县长", active=False, categories=[water.id])
    assert portfolio.owner_for(s, category_id=water.id, township_id=towns[0].id) == c.id  # inactive skipped


def test_drafting_gives_the_case_its_portfolio_leader_unless_one_is_chosen(admin_session):
    s, admin = admin_session
    towns, water, _roads, (_a, b, c) = _county_with_portfolios(s, admin)
    clerk_user = auth.create_user(s, actor=admin, username="clerk", display_name="值班员", password="Secret-pass-1",
                                  roles={Role.clerk}, now=NOW)
    clerk = auth.load_current_user(s, clerk_user.username)
    case = services.register(s, actor=clerk, now=NOW, channel=Channel.hotline, content="停水三天",
                             township_id=towns[1].id)
    case = services.draft(s, case_id=case.id, actor=clerk, now=NOW, expected_version=1, category_id=water.id,
                          tier=Tier.unit, priority="easy", unit_id=water.default_unit_id)
    assert case.owner_leader_id == c.id
    other = services.register(s, actor=clerk, now=NOW, channel=Channel.hotline, content="停水", township_id=towns[1].id,
                              owner_leader_id=b.id)
    other = services.draft(s, case_id=other.id, actor=clerk, now=NOW, expected_version=1, category_id=water.id,
                           tier=Tier.unit, priority="easy", unit_id=water.default_unit_id)
    assert other.owner_leader_id == b.id  # chosen before: kept


def test_links_contacts_and_a_contact_becoming_a_case(admin_session):
    s, admin = admin_session
    county, _ = network.save_unit(s, actor=admin, name="新县", kind=UnitKind.county, parent_id=None, phone="0851-6621234")
    town, _ = network.save_unit(s, actor=admin, name="甲镇", kind=UnitKind.township, parent_id=county.id)
    village, _ = network.save_unit(s, actor=admin, name="乙村", kind=UnitKind.village, parent_id=town.id)
    member, _ = network.save_leader(s, actor=admin, name="联线领导", title="副局长", phone="13900000001",
                                    email="m@example.org")
    liaisons = [network.save_liaison(s, actor=admin, name=f"联络员{i}", station_id=village.id, phone=f"1370000000{i}",
                                     source="old_party_member", appointment_no=f"NO-{i}", appointed_on=date(2026, 3, 1))[0]
                for i in range(6)]
    network.set_links(s, actor=admin, leader_id=member.id, liaison_ids=[liaisons[0].id])
    assert network.link_flags(s) == [("联线领导", 1)]  # fewer than two
    network.set_links(s, actor=admin, leader_id=member.id, liaison_ids=[li.id for li in liaisons])
    assert network.link_flags(s) == [("联线领导", 6)]  # more than five
    network.set_links(s, actor=admin, leader_id=member.id, liaison_ids=[li.id for li in liaisons[:3]])
    assert network.link_flags(s) == []
    with pytest.raises(DomainError) as err:
        network.log_contact(s, actor=admin, leader_id=member.id, liaison_id=liaisons[5].id, on=NOW.date(),
                            method=ContactMethod.phone, note="x", now=NOW)
    assert err.value.key == "error.contact_not_linked"
    network.log_contact(s, actor=admin, leader_id=member.id, liaison_id=liaisons[0].id, on=date(2026, 10, 30),
                        method=ContactMethod.phone, note="上月的电话", now=NOW)
    contact = network.log_contact(s, actor=admin, leader_id=member.id, liaison_id=liaisons[1].id, on=NOW.date(),
                                  method=ContactMethod.visit, note="村口路灯坏了一个月", now=NOW)
    frame = network.links_frame(s, month_start=date(2026, 11, 1))
    assert dict(zip(frame["liaison"], frame["contacted_this_month"])) == {"联络员0": False, "联络员1": True,
                                                                          "联络员2": False}
    with pytest.raises(DomainError) as err:  # the admin keeps the network, the center registers cases
        network.contact_to_case(s, actor=admin, contact_id=contact.id, now=NOW)
    assert err.value.key == "error.permission"
    clerk = auth.create_user(s, actor=admin, username="clerk1", display_name="值班员", password="Secret-pass-1",
                             roles={Role.clerk}, now=NOW)
    case = network.contact_to_case(s, actor=auth.load_current_user(s, clerk.username), contact_id=contact.id, now=NOW)
    assert (case.channel, case.content, case.liaison_id, case.village_id, case.township_id) == \
        (Channel.direct_report, "村口路灯坏了一个月", liaisons[1].id, village.id, town.id)
    with pytest.raises(DomainError) as err:
        network.contact_to_case(s, actor=admin, contact_id=contact.id, now=NOW)
    assert err.value.key == "error.contact_has_case"
    card = network.contact_card(s, leader_id=member.id)
    assert "联线领导" in card and "13900000001" in card and "联络员2" in card and "联络员5" not in card
    assert "@page" in card and "0851-6621234" in card
    village_card = network.contact_card(s, village_id=village.id)
    assert "联络员5" in village_card and "联线领导" in village_card
    letter = network.appointment_letter(s, liaison_id=liaisons[0].id)
    assert "聘书" in letter and "联络员0" in letter and "甲镇乙村" in letter and "NO-0" in letter
    evil, _ = network.save_liaison(s, actor=admin, name="<script>x</script>", station_id=village.id)
    assert "<script>x" not in network.appointment_letter(s, liaison_id=evil.id)


def test_a_leader_account_is_a_leader_of_the_network_and_user_names_ignore_case(admin_session):
    s, admin = admin_session
    user = auth.create_user(s, actor=admin, username="ZhangSan", display_name="张三", password="Secret-pass-1",
                            roles={Role.leader}, now=NOW, leader_title="副县长")
    assert user.username == "zhangsan"
    leader = s.exec(select(Leader).where(Leader.user_id == user.id)).one()
    assert (leader.name, leader.title) == ("张三", "副县长")
    assert auth.load_current_user(s, "ZHANGSAN").id == user.id
    with pytest.raises(DomainError) as err:
        auth.create_user(s, actor=admin, username="zhangSAN", display_name="x", password="Secret-pass-1",
                         roles={Role.clerk}, now=NOW)
    assert err.value.key == "error.username_taken"
    # an existing leader record of the same name is taken over, not duplicated
    network.save_leader(s, actor=admin, name="李四", title="县长")
    li = auth.create_user(s, actor=admin, username="lisi", display_name="李四", password="Secret-pass-1",
                          roles={Role.clerk}, now=NOW)
    auth.update_user(s, actor=admin, user_id=li.id, display_name="李四", roles={Role.leader}, active=True, now=NOW)
    assert s.exec(select(func.count()).select_from(Leader).where(Leader.name == "李四")).one() == 1
    assert s.exec(select(Leader.user_id).where(Leader.name == "李四")).one() == li.id


def _import(s, admin, data: bytes, name="net.xlsx"):
    result = network_io.import_network(s, actor=admin, data=data, filename=name, now=NOW)
    (s.rollback if result.errors else s.commit)()
    return result


def test_the_sample_county_imports_whole_and_again_changes_nothing(admin_session):
    s, admin = admin_session
    first = _import(s, admin, SAMPLE.read_bytes())
    assert first.errors == []
    assert first.created == {"单位": 21, "村社区": 20, "类别": 12, "领导": 6, "联络员": 30, "用户": 8}
    assert {name for name, _pw in first.passwords} == {"yx_zhongxin", "yx_duban", "zhenghy", "chuming", "yx_zhujian",
                                                        "yx_shuiwu", "yx_baiyan", "zhaodeshan"}
    assert s.exec(select(func.count()).select_from(LiaisonLink)).one() == 30
    assert network.link_flags(s) == []  # every member links five
    liaison_user = auth.load_current_user(s, "zhaodeshan")
    assert liaison_user.liaison_id is not None  # the account took over the listed liaison
    assert s.exec(select(func.count()).select_from(Liaison)).one() == 30
    leader = s.exec(select(Leader).where(Leader.name == "褚明")).one()
    assert leader.user_id == auth.load_current_user(s, "chuming").id
    categories, townships = portfolio.of_leader(s, leader.id)
    assert len(categories) == 3 and len(townships) == 2
    water = s.exec(select(Category).where(Category.code == "water")).one()
    assert water.default_tier == Tier.direct and s.get(Unit, water.default_unit_id).code == "SW"
    # no past case to learn from yet: the categories' starter keywords sort the first reports
    suggested, _units = suggest.suggest(s, suggest.train(s), "三组的自来水管破裂，停水两天了")
    assert suggested and suggested[0].id == water.id
    rules = s.exec(select(func.count()).select_from(KeywordRule)).one()
    again = _import(s, admin, SAMPLE.read_bytes())
    assert (again.errors, again.changed, again.passwords) == ([], 0, [])
    assert s.exec(select(func.count()).select_from(KeywordRule)).one() == rules
    exported = network_io.write_workbook(network_io.export_rows(s))
    assert _import(s, admin, exported).changed == 0
    book = openpyxl.load_workbook(TEMPLATE)
    assert book.sheetnames == list(network_io.SHEETS)


def test_a_bad_workbook_names_every_bad_cell_and_writes_nothing(admin_session):
    s, admin = admin_session
    sheets = workbook.read_sheets(SAMPLE.read_bytes(), "x.xlsx")
    rows = {name: values[1:] for name, values in sheets.items()}
    rows["村社区"][0][2] = "不存在镇"            # an unknown parent
    rows["类别"][1][3] = "马上办"               # not a tier
    rows["领导"][2][5] = "not-an-email"
    rows["联络员"][3][1] = "12345"              # not a phone
    rows["联络员"][4][6] = "2031-01-01"         # appointed in the future
    rows["用户"][0][2] = "管理员、神仙"           # one unknown role
    bad = network_io.write_workbook(rows)
    result = _import(s, admin, bad)
    named = {(c.sheet, c.row, c.column) for c in result.errors}
    assert {("村社区", 2, "上级"), ("类别", 3, "默认层级"), ("领导", 4, "邮箱"), ("联络员", 5, "电话"),
            ("联络员", 6, "聘任日期"), ("用户", 2, "角色")} <= named
    assert all(c.error.message("zh") for c in result.errors)
    assert s.exec(select(func.count()).select_from(Unit)).one() == 0
    assert s.exec(select(func.count()).select_from(User)).one() == 1  # the admin only
    with pytest.raises(DomainError) as err:
        network_io.import_network(s, actor=admin, data=b"not a workbook", filename="x.xlsx", now=NOW)
    assert err.value.key == "error.import_unreadable"
    csv = "名称,类型,上级,颜色\n甲镇,乡镇,,红\n".encode("utf-8")
    with pytest.raises(DomainError) as err:
        network_io.read_workbook(csv, "单位.csv")
    assert err.value.key == "error.network_no_sheet"


def test_cli_network_import_export_round_trip(empty_url, tmp_path, capsys, monkeypatch):
    from core import cli
    monkeypatch.setenv("DATABASE_URL", empty_url)
    monkeypatch.setenv("MQT_MODE", "production")
    monkeypatch.setenv("MQT_COOKIE_KEY", "k" * 40)
    assert cli.main(["network", "import", str(SAMPLE), "--dry-run"]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert cli.main(["network", "import", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "单位 +21" in out and "first password (shown once)" in out
    assert cli.main(["network", "import", str(SAMPLE)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    target = tmp_path / "network.xlsx"
    assert cli.main(["network", "export", str(target)]) == 0
    assert cli.main(["network", "import", str(target)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert cli.main(["network", "import", str(bad)]) == 2


def test_the_first_run_checklist_ticks_itself_from_the_database(admin_session):
    from core import checklist
    s, admin = admin_session
    assert [step.done for step in checklist.steps(s, today=date(2026, 11, 22))] == [False] * 8
    _import(s, admin, SAMPLE.read_bytes())
    done = {step.key: step.done for step in checklist.steps(s, today=date(2026, 11, 22))}
    assert done == {"network": True, "units": True, "categories": True, "leaders": True, "users": True,
                    "limits": False, "reception": False, "holidays": False}
    assert {step.key: step.done for step in checklist.steps(s, today=date(2026, 10, 22))}["holidays"]  # not yet due
