"""Working days on China's official calendar (make-up working days included) and due dates by tier.

Pure functions: `now`/`start` are always parameters. Which days are working days comes from a
`WorkCalendar`: the admin's single-day overrides win, then the chinesecalendar package for the
years it knows, then a year's State Council schedule the admin entered (core.limits), and for any
other year a *provisional* calendar — weekends and the statutory holidays, the lunar ones from a
lunar calendar — whose dates are marked 暂定 until the schedule is entered."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
from lunar_python import Lunar

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

# The statutory holidays (全国年节及纪念日放假办法, as revised in 2024, in force from 2025), in
# chinesecalendar's English names, which core.labels translates.
HOLIDAYS = ("New Year's Day", "Spring Festival", "Tomb-sweeping Day", "Labour Day", "Dragon Boat Festival",
            "Mid-autumn Festival", "National Day")
# the lunar library's range; outside it no provisional calendar can be computed
PROVISIONAL_YEARS = range(1901, 2100)


class CalendarUnknownError(DomainError):
    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__("error.calendar_unknown", year=day.year, day=day.isoformat())


@lru_cache(maxsize=1)
def official_years() -> range:
    """The years the installed chinesecalendar knows."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def last_official_year() -> int:
    """The last year the installed chinesecalendar knows (its holiday table's newest date)."""
    return official_years()[-1]


@lru_cache(maxsize=256)
def provisional_holidays(year: int) -> dict[date, str]:
    """The statutory holiday days of `year` before its schedule is published: New Year's Day,
    Spring Festival (the eve and the first three days), Tomb-sweeping Day (the Qingming solar
    term), Labour Day (1–2 May), Dragon Boat (5th of the 5th lunar month), Mid-autumn (15th of the
    8th) and National Day (1–3 October). Why: the State Council publishes the next year's schedule
    in November or December; until then deadlines must still be computable, and these days are
    certain rest days — only the bridging days and make-up Saturdays are unknown."""
    if year not in PROVISIONAL_YEARS:
        raise CalendarUnknownError(date(year, 1, 1))
    new_year = Lunar.fromYmd(year, 1, 1).getSolar()
    spring = date(new_year.getYear(), new_year.getMonth(), new_year.getDay())
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]

    def lunar(month: int, day: int) -> date:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())

    days = {date(year, 1, 1): "New Year's Day"}
    days.update({spring + timedelta(days=i): "Spring Festival" for i in range(-1, 3)})
    days[date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "Tomb-sweeping Day"
    days.update({date(year, 5, d): "Labour Day" for d in (1, 2)})
    days[lunar(5, 5)] = "Dragon Boat Festival"
    days[lunar(8, 15)] = "Mid-autumn Festival"
    days.update({date(year, 10, d): "National Day" for d in (1, 2, 3)})
    return days


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, and where that knowledge comes from. `overrides` are the
    admin's single days; `entered` the days of entered State Council schedules (a holiday day →
    (False, its name), a make-up working day → (True, None)) for `entered_years`."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    entered: Mapping[date, tuple[bool, str | None]] = field(default_factory=dict)
    entered_years: frozenset[int] = frozenset()

    def is_provisional_year(self, year: int) -> bool:
        return year not in self.entered_years and year not in official_years()

    def is_working_day(self, day: date) -> bool:
        """Why: a make-up Saturday (调休) is a working day and a weekday in Golden Week is not."""
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.entered_years:
            return self.entered[day][0] if day in self.entered else day.weekday() < 5
        if day.year in official_years():
            return _official_working_day(day)
        return day.weekday() < 5 and day not in provisional_holidays(day.year)

    def holiday(self, day: date) -> str | None:
        """The holiday a rest day belongs to (chinesecalendar's English name), if any."""
        if day.year in self.entered_years:
            return self.entered.get(day, (True, None))[1]
        if day.year in official_years():
            return chinese_calendar.get_holiday_detail(day)[1]
        return provisional_holidays(day.year).get(day)


OFFICIAL = WorkCalendar()


@lru_cache(maxsize=4096)
def _official_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarUnknownError(day) from exc


def is_working_day(day: date, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or OFFICIAL).is_working_day(day)


def working_day_on_or_after(day: date, calendar: WorkCalendar | None = None) -> date:
    while not is_working_day(day, calendar):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, n: int, calendar: WorkCalendar | None = None) -> date:
    """The n-th working day after `start` (start itself not counted); n=0 gives `start` itself
    when it is a working day, else the next working day."""
    if n == 0:
        return working_day_on_or_after(start, calendar)
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            remaining -= 1
    return day


def is_provisional(due: datetime | None, calendar: WorkCalendar | None = None,
                   start: datetime | None = None) -> bool:
    """A deadline is provisional (暂定) when a day counted towards it lies in a year whose official
    schedule is not known yet."""
    if due is None:
        return False
    first = (start or due).year
    return any((calendar or OFFICIAL).is_provisional_year(year) for year in range(first, due.year + 1))


def due_at(*, tier: Tier, start: datetime, major: bool = False, from_reception: bool = False,
           received_at: datetime | None = None, working_days: int | None = None,
           calendar: WorkCalendar | None = None) -> datetime:
    """Deadline for a case dispatched at `start`: end of the due day, local time. Why: a deadline
    always falls on a working day — same-day handling ordered on a Sunday is due Monday, and a
    reception case whose week ends on a rest day is due on the next working day. A reception
    case counts from the reception itself (`received_at`): the leader promised the resident an
    answer within the week (S4 立案交办), whenever the order went out."""
    if from_reception and tier not in (Tier.on_spot, Tier.direct):
        base = (received_at or start).date()
        due_day = working_day_on_or_after(base + timedelta(days=RECEPTION_CALENDAR_DAYS[major]), calendar)
    else:
        limit = WORKING_DAYS_BY_TIER[Tier(tier)] if working_days is None else working_days
        due_day = add_working_days(start.date(), limit, calendar)
    return datetime.combine(due_day, END_OF_DAY)
