"""Working days on China's official calendar (make-up working days included) and due dates by tier.

Pure functions: `now`/`start` are always parameters. A year the calendar package does not know
raises CalendarUnknownError unless the caller passes overrides for those dates (core.limits reads
the admin-editable override table and the admin's time limits)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

from core.errors import DomainError
from core.models import Tier

END_OF_DAY = time(23, 59, 59)

# Working days a tier allows after dispatch (S2 §二.2: transferred → 3 working days; direct →
# same day). meeting/county have no limit in the seeds: 10 and 15 working days are this
# product's defaults until the admin sets them per category.
WORKING_DAYS_BY_TIER: dict[Tier, int] = {
    Tier.on_spot: 0,
    Tier.direct: 0,
    Tier.unit: 3,
    Tier.meeting: 10,
    Tier.county: 15,
}
# S4 立案交办: cases from a leader's reception — general within one week, major within two.
RECEPTION_CALENDAR_DAYS = {False: 7, True: 14}


class CalendarUnknownError(DomainError):
    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__("error.calendar_unknown", year=day.year, day=day.isoformat())


def is_working_day(day: date, overrides: Mapping[date, bool] | None = None) -> bool:
    """Why: a make-up Saturday (调休) is a working day and a weekday in Golden Week is not;
    guessing 'Monday–Friday' for an unknown year would set wrong deadlines silently."""
    if overrides and day in overrides:
        return overrides[day]
    return _official_working_day(day)


@lru_cache(maxsize=4096)
def _official_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarUnknownError(day) from exc


def working_day_on_or_after(day: date, overrides: Mapping[date, bool] | None = None) -> date:
    while not is_working_day(day, overrides):
        day += timedelta(days=1)
    return day


def last_official_year() -> int:
    """The last year the installed chinesecalendar knows (its holiday table's newest date)."""
    return max(day.year for day in chinese_calendar.holidays)


def add_working_days(start: date, n: int, overrides: Mapping[date, bool] | None = None) -> date:
    """The n-th working day after `start` (start itself not counted); n=0 gives `start` itself
    when it is a working day, else the next working day."""
    if n == 0:
        return working_day_on_or_after(start, overrides)
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            remaining -= 1
    return day


def due_at(*, tier: Tier, start: datetime, major: bool = False, from_reception: bool = False,
           received_at: datetime | None = None, working_days: int | None = None,
           overrides: Mapping[date, bool] | None = None) -> datetime:
    """Deadline for a case dispatched at `start`: end of the due day, local time. Why: a deadline
    always falls on a working day — same-day handling ordered on a Sunday is due Monday, and a
    reception case whose week ends on a rest day is due on the next working day. A reception
    case counts from the reception itself (`received_at`): the leader promised the resident an
    answer within the week (S4 立案交办), whenever the order went out."""
    if from_reception and tier not in (Tier.on_spot, Tier.direct):
        base = (received_at or start).date()
        due_day = working_day_on_or_after(base + timedelta(days=RECEPTION_CALENDAR_DAYS[major]), overrides)
    else:
        limit = WORKING_DAYS_BY_TIER[Tier(tier)] if working_days is None else working_days
        due_day = add_working_days(start.date(), limit, overrides)
    return datetime.combine(due_day, END_OF_DAY)

