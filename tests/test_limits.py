from datetime import date, datetime

import pytest

from core import limits, services
from core.deadlines import CalendarUnknownError
from core.errors import DomainError
from core.models import Channel, Priority, Role, Tier
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


def test_unknown_year_is_refused_clearly_until_the_admin_enters_it(world_session):
    s, world = world_session
    new_year_eve = datetime(2026, 12, 31, 10, 0)  # + 3 working days runs into 2027, unknown to the calendar
    with pytest.raises(CalendarUnknownError) as err:
        order_at(s, world, new_year_eve)
    assert "2027" in err.value.message("zh") and "管理员" in err.value.message("zh")
    s.rollback()
    admin = world.users[Role.admin]
    for day, working in [(date(2027, 1, 1), False), (date(2027, 1, 2), False), (date(2027, 1, 3), False),
                         (date(2027, 1, 4), True), (date(2027, 1, 5), True), (date(2027, 1, 6), True)]:
        limits.set_calendar_override(s, actor=admin, day=day, is_working_day=working, note="2027 元旦")
    assert order_at(s, world, new_year_eve).due_at == datetime(2027, 1, 6, 23, 59, 59)  # Jan 4, 5, 6


def test_override_beats_the_official_calendar(world_session):
    s, world = world_session
    limits.set_calendar_override(s, actor=world.users[Role.admin], day=date(2026, 11, 23), is_working_day=False,
                                 note="本地停工")
    assert order_at(s, world, NOW).due_at == datetime(2026, 11, 26, 23, 59, 59)
    limits.remove_calendar_override(s, actor=world.users[Role.admin], day=date(2026, 11, 23))
    assert limits.calendar_overrides(s) == {}
