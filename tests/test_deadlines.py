from datetime import date, datetime

import pytest

from core import deadlines
from core.models import Tier


@pytest.mark.parametrize("start,n,expected", [
    (date(2026, 9, 30), 3, date(2026, 10, 10)),   # National Day week, then the make-up Saturday
    (date(2026, 11, 20), 3, date(2026, 11, 25)),  # Friday → skips the weekend
    (date(2026, 2, 13), 1, date(2026, 2, 14)),    # Saturday 2026-02-14 is a make-up working day
    (date(2025, 12, 31), 1, date(2026, 1, 4)),    # New Year holiday, then make-up Sunday 2026-01-04
    (date(2026, 4, 30), 0, date(2026, 4, 30)),
    (date(2026, 5, 1), 0, date(2026, 5, 6)),      # same day on a holiday → first working day after Labour Day
    (date(2026, 11, 22), 0, date(2026, 11, 23)),  # same day on a Sunday → Monday
    (date(2026, 11, 21), 3, date(2026, 11, 25)),  # counted from a Saturday
])
def test_add_working_days_on_the_official_calendar(start, n, expected):
    assert deadlines.add_working_days(start, n) == expected


def test_due_dates_by_tier():
    start = datetime(2026, 9, 30, 10, 0)
    assert deadlines.due_at(tier=Tier.unit, start=start) == datetime(2026, 10, 10, 23, 59, 59)
    assert deadlines.due_at(tier=Tier.direct, start=start) == datetime(2026, 9, 30, 23, 59, 59)
    # one week ends on 2026-10-07, still National Day holiday: due the next working day
    assert deadlines.due_at(tier=Tier.unit, start=start, from_reception=True) == datetime(2026, 10, 8, 23, 59, 59)
    assert deadlines.due_at(tier=Tier.unit, start=start, from_reception=True, major=True) == \
        datetime(2026, 10, 14, 23, 59, 59)
    # one week after Sunday 2026-11-15 is Sunday 2026-11-22: due the next working day
    assert deadlines.due_at(tier=Tier.unit, start=datetime(2026, 11, 15, 9), from_reception=True) == \
        datetime(2026, 11, 23, 23, 59, 59)


def test_a_year_beyond_any_calendar_is_a_clear_error_and_overrides_still_win():
    with pytest.raises(deadlines.CalendarUnknownError, match="does not cover 2100"):
        deadlines.is_working_day(date(2100, 3, 2))
    local = deadlines.WorkCalendar(overrides={date(2026, 11, 23): False})
    assert deadlines.is_working_day(date(2026, 11, 23)) and not deadlines.is_working_day(date(2026, 11, 23), local)


# 2027 is not in the installed package: its statutory holidays come from the lunar calendar
@pytest.mark.parametrize("day,name", [
    (date(2027, 1, 1), "New Year's Day"),
    (date(2027, 2, 5), "Spring Festival"),    # the eve (除夕)
    (date(2027, 2, 8), "Spring Festival"),    # the third day of the first lunar month
    (date(2027, 4, 5), "Tomb-sweeping Day"),  # the Qingming solar term
    (date(2027, 5, 2), "Labour Day"),
    (date(2027, 6, 9), "Dragon Boat Festival"),
    (date(2027, 9, 15), "Mid-autumn Festival"),
    (date(2027, 10, 3), "National Day"),
])
def test_provisional_holidays_of_a_year_the_package_does_not_know(day, name):
    assert 2027 not in deadlines.official_years()
    assert deadlines.provisional_holidays(2027)[day] == name
    assert not deadlines.is_working_day(day) and deadlines.OFFICIAL.holiday(day) == name


def test_provisional_calendar_is_weekends_plus_statutory_days_and_says_so():
    assert len(deadlines.provisional_holidays(2027)) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 (2025 rules)
    assert deadlines.is_working_day(date(2027, 2, 9))       # the fourth day: no bridging days guessed
    assert not deadlines.is_working_day(date(2027, 1, 2))   # Saturday
    # an order on 2026-12-30 (Wed): Dec 31, then Jan 1 is a holiday and Jan 2–3 a weekend → Jan 4, 5
    due = deadlines.due_at(tier=Tier.unit, start=datetime(2026, 12, 30, 10))
    assert due == datetime(2027, 1, 5, 23, 59, 59)
    assert deadlines.is_provisional(due, start=datetime(2026, 12, 30, 10))
    assert not deadlines.is_provisional(datetime(2026, 12, 31, 23, 59), start=datetime(2026, 12, 30))
    entered = deadlines.WorkCalendar(entered={date(2027, 1, 1): (False, "New Year's Day"),
                                              date(2027, 1, 4): (False, "New Year's Day")},
                                     entered_years=frozenset({2027}))
    assert not deadlines.is_provisional(due, entered, start=datetime(2026, 12, 30, 10))
    assert deadlines.due_at(tier=Tier.unit, start=datetime(2026, 12, 30, 10), calendar=entered) == \
        datetime(2027, 1, 6, 23, 59, 59)  # Dec 31, then Jan 1–4 off → Jan 5, 6
