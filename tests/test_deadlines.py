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


def test_unknown_year_is_a_clear_error_and_overrides_work():
    with pytest.raises(deadlines.CalendarUnknownError, match="does not cover 2099"):
        deadlines.is_working_day(date(2099, 3, 2))
    assert deadlines.is_working_day(date(2099, 3, 2), overrides={date(2099, 3, 2): True})

