from datetime import date, datetime

import pytest

from datetime import timedelta

from sqlmodel import select

from core import deadlines, limits, services, workflow
from core.errors import DomainError
from core.models import CaseAction, CaseEvent, Channel, Priority, Role, Tier
from tests.world import NOW


def order_at(s, world, when: datetime):
    case = services.register(s, actor=world.users[Role.clerk], now=when, channel=Channel.hotline, content="路灯不亮")
    case = services.draft(s, case_id=case.id, actor=world.users[Role.clerk], now=when, expected_version=1,
                          category_id=world.category_id, tier=Tier.unit, priority=Priority.easy,
                          unit_id=world.units["dept"])
    return services.order(s, case_id=case.id, actor=world.users[Role.leader], now=when, expected_version=2)


def test_admin_time_limits_category_beats_county_wide_beats_default(world_session):
    s, world = world_session
    admin = world.users[Role.admin]
    assert limits.working_days_for(s, category_id=world.category_id, tier=Tier.unit) == 3
    limits.set_time_limit(s, actor=admin, tier=Tier.unit, working_days=5, now=NOW)
    assert limits.working_days_for(s, category_id=world.category_id, tier=Tier.unit) == 5
    limits.set_time_limit(s, actor=admin, tier=Tier.unit, working_days=1, now=NOW, category_id=world.category_id)
    assert limits.working_days_for(s, category_id=world.category_id, tier=Tier.unit) == 1
    assert limits.working_days_for(s, category_id=None, tier=Tier.unit) == 5
    assert order_at(s, world, NOW).due_at == datetime(2026, 11, 23, 23, 59, 59)  # Friday + 1 working day
    limits.set_time_limit(s, actor=admin, tier=Tier.unit, working_days=2, now=NOW, category_id=world.category_id)
    assert limits.working_days_for(s, category_id=world.category_id, tier=Tier.unit) == 2


def test_only_admins_edit_limits_and_values_are_bounded(world_session):
    s, world = world_session
    with pytest.raises(DomainError) as err:
        limits.set_time_limit(s, actor=world.users[Role.clerk], tier=Tier.unit, working_days=5, now=NOW)
    assert err.value.key == "error.permission"
    with pytest.raises(DomainError) as err:
        limits.set_time_limit(s, actor=world.users[Role.admin], tier=Tier.unit, working_days=-1, now=NOW)
    assert err.value.key == "error.working_days_range"
    with pytest.raises(DomainError):
        limits.set_calendar_override(s, actor=world.users[Role.leader], day=date(2027, 1, 4), is_working_day=True)


# a made-up 2027 New Year's Day (the real notice is not out on this machine's calendar package):
# four days off and a make-up Saturday
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知（测试用）
一、元旦：1月1日（周五）至4日（周一）放假调休，共4天。1月9日（周六）上班。
二、春节：2月5日（农历腊月二十九、周五）至11日（农历正月初五、周四）放假调休，共7天。2月13日（周六）上班。
"""


def test_an_order_at_the_year_boundary_gets_a_provisional_deadline_then_the_schedule_recomputes_it(world_session):
    s, world = world_session
    case = order_at(s, world, datetime(2026, 12, 30, 10, 0))  # Wed: Dec 31, (Jan 1 holiday, weekend) Jan 4, 5
    assert case.due_at == datetime(2027, 1, 5, 23, 59, 59)
    assert limits.schedule_warning(s, today=date(2026, 11, 1)) == 2027
    assert limits.schedule_warning(s, today=date(2026, 10, 31)) is None  # before November: no banner yet
    version = case.version
    moved = limits.set_year_schedule(s, actor=world.users[Role.admin], year=2027,
                                     holidays=limits.parse_notice(NOTICE_2027, year=2027), now=NOW)
    assert moved == 1
    s.refresh(case)
    assert case.due_at == datetime(2027, 1, 6, 23, 59, 59)  # Dec 31, then Jan 5, 6
    assert case.version == version + 1
    event = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())).first()
    assert event.action == CaseAction.reschedule and event.details["old_due_at"] == "2027-01-05T23:59"
    assert event.from_status == event.to_status == case.status
    assert workflow.replay([(e.action, e.from_status, e.to_status) for e in s.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()]) == case.status
    assert limits.schedule_warning(s, today=date(2026, 11, 1)) is None
    assert not limits.calendar(s).is_working_day(date(2027, 1, 4))
    assert limits.calendar(s).is_working_day(date(2027, 1, 9))  # the make-up Saturday
    # entering the same schedule again moves nothing
    assert limits.set_year_schedule(s, actor=world.users[Role.admin], year=2027,
                                    holidays=limits.parse_notice(NOTICE_2027, year=2027), now=NOW) == 0


def test_a_reception_case_and_an_extended_case_are_recomputed_from_what_set_them(world_session):
    s, world = world_session
    clerk, admin = world.users[Role.clerk], world.users[Role.admin]
    # a reception case: one week after 2026-12-28 is Monday 2027-01-04, a day off in the entered notice
    visit = services.register(s, actor=clerk, now=datetime(2026, 12, 28, 9), channel=Channel.reception,
                              content="老旧小区加装电梯")
    assert visit.due_at == datetime(2027, 1, 4, 23, 59, 59)
    limits.set_year_schedule(s, actor=admin, year=2027, holidays=limits.parse_notice(NOTICE_2027, year=2027), now=NOW)
    s.refresh(visit)
    assert visit.due_at == datetime(2027, 1, 5, 23, 59, 59)


def test_a_schedule_is_refused_by_the_holiday_it_gets_wrong(world_session):
    s, world = world_session
    admin = world.users[Role.admin]
    bad = [limits.HolidayEntry("春节", date(2027, 2, 5), date(2027, 2, 25)),  # 21 days
           limits.HolidayEntry("元旦", date(2027, 1, 3), date(2027, 1, 1)),    # backwards
           limits.HolidayEntry("元旦", date(2027, 1, 1), date(2027, 1, 3), (date(2027, 1, 6),)),  # a Wednesday
           limits.HolidayEntry("元旦", date(2027, 1, 1), date(2027, 1, 3), (date(2027, 1, 2),))]  # inside the days off
    for entry in bad:
        with pytest.raises(DomainError) as err:
            limits.set_year_schedule(s, actor=admin, year=2027, holidays=[entry], now=NOW)
        assert entry.name in err.value.message("zh")
    with pytest.raises(DomainError) as err:
        limits.set_year_schedule(s, actor=admin, year=2026, holidays=[bad[0]], now=NOW)
    assert err.value.key == "error.schedule_official"
    with pytest.raises(DomainError) as err:
        limits.set_year_schedule(s, actor=world.users[Role.clerk], year=2027,
                                 holidays=limits.parse_notice(NOTICE_2027, year=2027), now=NOW)
    assert err.value.key == "error.permission"
    with pytest.raises(DomainError) as err:
        limits.parse_notice("一、春节：农历正月初一放假", year=2027)
    assert err.value.key == "error.notice_line"
    assert limits.schedule(s, 2027) == []


def test_the_parser_reads_the_real_2026_notice_exactly_as_the_package_knows_it():
    import chinese_calendar
    notice = """一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。"""
    entries = limits.parse_notice(notice, year=2026)
    limits.check_schedule(2026, entries)
    entered = {}
    for entry in entries:
        day = entry.first_day
        while day <= entry.last_day:
            entered[day] = (False, entry.name)
            day += timedelta(days=1)
        entered.update({d: (True, None) for d in entry.makeup_days})
    cal = deadlines.WorkCalendar(entered=entered, entered_years=frozenset({2026}))
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_a_schedule_file_and_the_form_rows_read_the_same(world_session):
    rows = [{"name": "元旦", "first": "2027-01-01", "last": "2027-01-04", "makeup": "2027-01-09"},
            {"name": "春节", "first": date(2027, 2, 5), "last": date(2027, 2, 11), "makeup": "2027-02-13"},
            {"name": "清明节", "first": None, "last": None, "makeup": ""}]
    from_form = limits.holidays_from_rows(rows)
    csv = "节日,放假起,放假止,调休上班\n元旦,2027-01-01,2027-01-04,2027-01-09\n春节,2027/02/05,2027/02/11,2027-02-13\n"
    assert limits.holidays_from_file(csv.encode("utf-8-sig"), "2027.csv") == from_form
    assert from_form == limits.parse_notice(NOTICE_2027, year=2027)


def test_override_beats_the_official_calendar(world_session):
    s, world = world_session
    limits.set_calendar_override(s, actor=world.users[Role.admin], day=date(2026, 11, 23), is_working_day=False,
                                 note="本地停工")
    assert order_at(s, world, NOW).due_at == datetime(2026, 11, 26, 23, 59, 59)
    limits.remove_calendar_override(s, actor=world.users[Role.admin], day=date(2026, 11, 23))
    assert limits.calendar_overrides(s) == {}
