"""Each KPI on hand-built cases with known answers: no ratings, all overdue, cases crossing the
period's borders, reopened cases, merged duplicates; drill-down lists equal the figures; the
ranking's minimum case count; the CLI's JSON."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlmodel import Session, select

from core import auth, county_settings, kpi
from core.errors import DomainError
from core.models import (Case, CaseStatus as S, Channel, Liaison, LiaisonSource, Rating, Role,
                         Tier)
from tests import factories

NOW = datetime(2026, 11, 21, 10, 0)
OCT = kpi.KpiFilter(start=date(2026, 10, 1), end=date(2026, 10, 31))
D = timedelta(days=1)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 10, day, hour, 0)


@pytest.fixture
def county(engine):
    with Session(engine) as s:
        units = factories.county(s)
        dept, other, town = units["dept"].id, units["other"].id, units["town"].id
        liaison = Liaison(name="联络员", station_id=units["village"].id, source=LiaisonSource.other)
        idle = Liaison(name="没上报的联络员", station_id=units["village"].id, source=LiaisonSource.other)
        s.add_all([liaison, idle])
        s.flush()
        c = {}

        def case(name, status, received, **fields):
            c[name] = factories.case(s, status=status, received_at=received, township_id=town, **fields)

        # closed on time, satisfied at once, followed up, fed back
        case("good", S.closed, at(2), unit_id=dept, dispatched_at=at(2, 10), accepted_at=at(2, 12),
             reported_at=at(4), due_at=at(7, 23), approved_at=at(5), fed_back_at=at(5), followed_up_at=at(6),
             closed_at=at(6), rating=Rating.satisfied, first_rating=Rating.satisfied, liaison_id=liaison.id,
             tier=Tier.unit, channel=Channel.liaison_form)
        # closed late after a return for redo; dissatisfied first, basically satisfied at the end
        case("late", S.closed, at(3), unit_id=dept, dispatched_at=at(3, 10), accepted_at=at(4, 10),
             reported_at=at(12), due_at=at(8, 23), approved_at=at(13), fed_back_at=at(13), followed_up_at=at(14),
             closed_at=at(14), rating=Rating.basically_satisfied, first_rating=Rating.dissatisfied, return_count=1,
             tier=Tier.unit)
        # answered on the spot: closed, counts as fed back, no rating
        case("spot", S.closed, at(10), tier=Tier.on_spot, closed_at=at(10, 10), followed_up_at=at(10, 10),
             channel=Channel.reception)
        # still in handling, misrouted once, overdue now
        case("open", S.in_progress, at(20), unit_id=other, dispatched_at=at(21), accepted_at=at(22), misroute_count=1,
             due_at=datetime(2026, 10, 26, 23, 59, 59), tier=Tier.unit)
        # reopened: was closed, now drafted again — not closed
        case("reopened", S.drafted, at(25), closed_at=None)
        # a merged duplicate: not in the cohort
        case("dup", S.merged, at(25))
        # crossing the borders: received 30 Sep (out), received 31 Oct 23:00 (in), 1 Nov (out)
        case("before", S.closed, datetime(2026, 9, 30, 23, 0), closed_at=at(2))
        case("last_minute", S.received, datetime(2026, 10, 31, 23, 0))
        case("after", S.received, datetime(2026, 11, 1, 0, 0))
        # a unit that was sent a case but never accepted it
        case("ignored", S.dispatched, at(28), unit_id=units["county"].id, dispatched_at=at(28), tier=Tier.unit)
        s.commit()
        yield s, c


def test_counts_and_rates_on_known_cases(county):
    s, _c = county
    k = kpi.compute(s, OCT, now=NOW)
    n = k.counts
    assert n["received"] == 7  # good, late, spot, open, reopened, last_minute, ignored (not dup/before/after)
    assert k.by_channel == {"liaison_form": 1, "hotline": 5, "reception": 1}
    assert n["closed"] == 3 and k.rates["closure_rate"] == pytest.approx(3 / 7)
    # of the two closed with a deadline, good on time and late reported after its due; spot had none
    assert n["closed_with_deadline"] == 2 and n["on_time"] == 1 and k.rates["on_time_rate"] == pytest.approx(1 / 2)
    assert k.no_deadline == 1
    assert n["handled"] == 3 and n["fed_back"] == 3 and k.rates["feedback_rate"] == 1.0
    assert n["followed_up"] == 3 and k.rates["follow_up_rate"] == 1.0
    assert k.rates["satisfaction_rate"] == 1.0 and k.rates["first_satisfaction_rate"] == 0.5
    assert k.rates["return_rate"] == pytest.approx(1 / 2)  # of the two reported
    assert k.rates["misroute_rate"] == pytest.approx(1 / 4)  # of the four dispatched
    assert k.backlog == 4  # open, reopened, last_minute, ignored (after is received after the period)
    assert k.overdue == 1
    # participation: 1 of 2 liaisons reported; 2 of the 3 units the cohort went to accepted a case
    assert (k.liaisons_active, k.liaisons_total, k.units_active, k.units_involved) == (1, 2, 2, 3)
    assert k.rates["participation_rate"] == pytest.approx(3 / 5)
    # response (received → accepted): 3 h, 25 h, 48 h → median 25, P90 48
    assert k.response_hours == {"median": 25.0, "p90": 48.0}
    # handling (received → closed): spot 1 h, good 96 h, late 264 h
    assert k.handling_hours == {"median": 96.0, "p90": 260.0}  # 264 h cut to two significant figures


def test_no_ratings_is_no_rate_not_zero(county):
    s, _c = county
    k = kpi.compute(s, kpi.KpiFilter(start=date(2026, 10, 10), end=date(2026, 10, 10)), now=NOW)
    assert k.counts["received"] == 1 and k.rates["satisfaction_rate"] is None
    empty = kpi.compute(s, kpi.KpiFilter(start=date(2025, 1, 1), end=date(2025, 1, 31)), now=NOW)
    assert empty.counts["received"] == 0
    assert all(v is None for key, v in empty.rates.items() if key != "participation_rate")
    assert empty.rates["participation_rate"] == 0.0  # the liaisons were there; none reported
    assert empty.response_hours == {"median": None, "p90": None}


def test_all_overdue(engine):
    with Session(engine) as s:
        units = factories.county(s)
        for day in (1, 2, 3):
            factories.case(s, status=S.dispatched, received_at=at(day), unit_id=units["dept"].id,
                           dispatched_at=at(day), due_at=at(day + 3, 23))
        k = kpi.compute(s, OCT, now=NOW)
        assert k.overdue == 3 == k.backlog and k.counts["closed"] == 0 and k.rates["closure_rate"] == 0.0


def test_every_figure_lists_exactly_its_cases(county):
    s, c = county
    for key in ("received", "closed", "on_time", "not_on_time", "no_deadline", "fed_back", "followed_up", "rated", "satisfied",
                "returned", "misrouted", "backlog", "overdue", "closure_rate", "channel:reception"):
        ids = set(s.exec(select(Case.id).where(kpi.behind(key, OCT, now=NOW))).all())
        k = kpi.compute(s, OCT, now=NOW)
        expected = {"not_on_time": k.counts["closed_with_deadline"] - k.counts["on_time"], "backlog": k.backlog,
                    "no_deadline": k.no_deadline,
                    "overdue": k.overdue, "closure_rate": k.counts["closed"],
                    "channel:reception": k.by_channel["reception"]}.get(key, k.counts.get(key))
        assert len(ids) == expected, key
    assert set(s.exec(select(Case.id).where(kpi.behind("not_on_time", OCT, now=NOW))).all()) == {c["late"].id}
    assert set(s.exec(select(Case.id).where(kpi.behind("no_deadline", OCT, now=NOW))).all()) == {c["spot"].id}


def test_closed_without_a_deadline_is_not_on_time(engine):
    """The S4 month imported: closed cases without a time limit are "no deadline", shown apart,
    not 100 % on time; the on-time rate has no base at all when none had a deadline."""
    with Session(engine) as s:
        units = factories.county(s)
        for day in (1, 2, 3):
            factories.case(s, status=S.closed, received_at=at(day), unit_id=units["dept"].id, dispatched_at=at(day),
                           closed_at=at(day + 2), imported=True)
        k = kpi.compute(s, OCT, now=NOW)
        assert (k.counts["closed"], k.counts["closed_with_deadline"], k.no_deadline) == (3, 0, 3)
        assert k.counts["on_time"] == 0 and k.rates["on_time_rate"] is None


def test_participation_of_imported_cases(engine):
    """A ledger's cases record no liaison: the liaisons' part is not applicable (not 0 %), and a
    unit that closed a case dispatched to it took part even though no acceptance was written."""
    with Session(engine) as s:
        units = factories.county(s)
        s.add(Liaison(name="联络员", station_id=units["village"].id, source=LiaisonSource.other))
        s.flush()
        factories.case(s, status=S.closed, received_at=at(1), unit_id=units["dept"].id, dispatched_at=at(1),
                       closed_at=at(3), imported=True)
        factories.case(s, status=S.dispatched, received_at=at(2), unit_id=units["other"].id, dispatched_at=at(2),
                       imported=True)
        s.commit()
        k = kpi.compute(s, OCT, now=NOW)
        assert not k.liaisons_apply and k.counts["imported"] == 2
        assert (k.units_active, k.units_involved) == (1, 2)
        assert k.rates["participation_rate"] == pytest.approx(1 / 2)  # the units' part alone
        factories.case(s, status=S.received, received_at=at(5))  # one case entered here: liaisons count again
        s.commit()
        k = kpi.compute(s, OCT, now=NOW)
        assert k.liaisons_apply and k.rates["participation_rate"] == pytest.approx(1 / 3)


def test_overdue_is_a_part_of_the_backlog(engine):
    """Both snapshots are of the cases received before the period's end: a case received after it
    and overdue now is in neither (it was county-wide before, the backlog not)."""
    with Session(engine) as s:
        units = factories.county(s)
        for received in (at(5), datetime(2026, 11, 2, 9, 0)):
            factories.case(s, status=S.dispatched, received_at=received, unit_id=units["dept"].id,
                           dispatched_at=received, due_at=received + 3 * D)
        k = kpi.compute(s, OCT, now=NOW)
        assert k.backlog == 1 == k.overdue
        ids = s.exec(select(Case.id).where(kpi.behind("overdue", OCT, now=NOW))).all()
        assert len(ids) == 1
        # a period that ends after the last case came in (as one ending today): the snapshots count
        # without testing the receipt date, and still agree with the cases behind them
        both = kpi.KpiFilter(start=date(2026, 10, 1), end=date(2026, 11, 30))
        k = kpi.compute(s, both, now=NOW)
        assert k.backlog == 2 == k.overdue
        assert len(s.exec(select(Case.id).where(kpi.behind("backlog", both, now=NOW))).all()) == 2


def test_filters_by_unit_and_breakdowns_add_up(county):
    s, c = county
    dept = c["good"].unit_id
    k = kpi.compute(s, kpi.KpiFilter(start=OCT.start, end=OCT.end, unit_id=dept), now=NOW)
    assert k.counts["received"] == 2
    frame = kpi.by_group(s, OCT, group="unit")
    assert frame["received"].sum() == 7  # the rows add up to the county, cases with no unit in one row
    assert frame.loc[frame["id"].isna(), "received"].item() == 3
    assert frame.loc[frame["id"] == dept, "on_time_rate"].item() == 0.5
    for row in frame.itertuples():  # each breakdown row opens exactly its cases
        key = f"unit:{'none' if row.id is pd.NA else row.id}"
        assert len(s.exec(select(Case.id).where(kpi.behind(key, OCT, now=NOW))).all()) == row.received
    weeks = kpi.weekly(s, OCT)
    assert weeks["received"].sum() == 7 and weeks["closed"].sum() == 3  # of October's cohort: good, late, spot
    assert all(w.weekday() == 0 for w in weeks["week"])
    # October 2026 starts on a Thursday and ends on a Saturday: both edge weeks are partial
    october = pd.date_range("2026-10-01", "2026-10-31")
    for week, days in zip(weeks["week"], weeks["days"]):
        assert days == sum(1 for d in october if week <= d < week + pd.Timedelta(days=7))
    whole, left_out = kpi.full_weeks(pd.DataFrame({"week": pd.to_datetime(["2026-09-28", "2026-10-05", "2026-10-26"]),
                                                   "received": [1, 5, 2], "closed": [0, 3, 1], "days": [4, 7, 6]}))
    assert list(whole["received"]) == [5] and left_out == 10


def test_a_unit_with_one_case_cannot_top_the_ranking(engine):
    with Session(engine) as s:
        units = factories.county(s)
        big, small = units["dept"].id, units["other"].id
        for i in range(12):  # 12 cases, 9 on time
            factories.case(s, status=S.closed, received_at=at(1 + i), unit_id=big, dispatched_at=at(1 + i),
                           reported_at=at(2 + i), due_at=at(4 + i, 23) if i < 9 else at(1 + i, 23), closed_at=at(3 + i),
                           rating=Rating.satisfied)
        factories.case(s, status=S.closed, received_at=at(5), unit_id=small, dispatched_at=at(5), reported_at=at(5),
                       due_at=at(8, 23), closed_at=at(6), rating=Rating.satisfied)
        ranked = kpi.ranking(s, OCT, group="unit")
        assert list(ranked["id"]) == [big]
        everyone = kpi.ranking(s, OCT, group="unit", min_cases=1)
        assert list(everyone["id"]) == [small, big]  # the one perfect case wins only without the floor
        score = everyone.set_index("id").loc[big, "score"]
        assert score == pytest.approx(100 * (0.4 * 9 / 12 + 0.3 + 0.2 + 0.1), abs=0.1)
        assert not everyone["flagged"].any()
        # the one perfect case's band is wide: its score could be far lower; twelve cases' narrower
        bands = everyone.set_index("id")
        assert bands.loc[small, "score_low"] < bands.loc[big, "score_low"] < bands.loc[big, "score"]
        assert bands.loc[small, "score_high"] == 100.0
        # the admin moves the weights: the ranking follows, and the change is on record
        admin = auth.load_current_user(s, factories.user(s, "root", {Role.admin}, NOW).username)
        county_settings.change(s, actor=admin, new={"score.on_time_rate": 70, "score.satisfaction_rate": 0}, now=NOW)
        moved = kpi.ranking(s, OCT, group="unit", min_cases=1).set_index("id")
        assert moved.loc[big, "score"] == pytest.approx(100 * (0.7 * 9 / 12 + 0.2 + 0.1), abs=0.1)
        assert list(county_settings.history(s, "score.")["changed_by"]) == ["root", "root"]


@pytest.mark.parametrize("k, n, low, high", [(0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (5, 10, 0.2366, 0.7634),
                                             (1, 1, 0.2065, 1.0), (81, 263, 0.2553, 0.3662)])
def test_wilson_intervals_match_published_values(k, n, low, high):
    """Values from the Wilson formula as tabulated (e.g. Newcombe 1998, 81/263: 0.2553–0.3662)."""
    found = kpi.wilson(k, n)
    assert found == pytest.approx((low, high), abs=5e-4)
    assert kpi.wilson(0, 0) is None


def test_weights_must_add_up_and_only_the_admin_moves_them(engine):
    with Session(engine) as s:
        admin = auth.load_current_user(s, factories.user(s, "root", {Role.admin}, NOW).username)
        sup = auth.load_current_user(s, factories.user(s, "sup", {Role.supervisor}, NOW).username)
        with pytest.raises(DomainError) as exc:
            county_settings.change(s, actor=admin, new={"score.on_time_rate": 50}, now=NOW)
        assert exc.value.key == "error.weights_sum" and exc.value.values["total"] == 110
        with pytest.raises(DomainError) as exc:
            county_settings.change(s, actor=sup, new={"score.on_time_rate": 30, "score.closure_rate": 30}, now=NOW)
        assert exc.value.key == "error.permission"
        assert county_settings.history(s, "score.").empty
        assert county_settings.score_weights(s) == {"on_time_rate": 0.4, "satisfaction_rate": 0.3,
                                                    "closure_rate": 0.2, "return_rate": 0.1}


def test_cli_kpi_json(county, engine, capsys, monkeypatch):
    from core import cli
    s, _c = county
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert cli.main(["kpi", "--from", "2026-10-01", "--to", "2026-10-31", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["received"] == 7 and data["closure_rate"] == round(3 / 7, 4) and data["overdue"] >= 0
    for key in ("on_time_rate", "feedback_rate", "follow_up_rate", "satisfaction_rate", "return_rate",
                "misroute_rate", "participation_rate", "response_hours_median", "handling_hours_p90", "backlog"):
        assert key in data
    assert cli.main(["kpi", "--from", "2026-10-01", "--to", "2026-10-31", "--township", "甲镇", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["received"] == 7
    assert cli.main(["kpi", "--from", "2026-10-01", "--to", "2026-10-31", "--township", "没有这个镇"]) == 2


@pytest.mark.parametrize("n", [1, 2, 7, 10, 31])
def test_percentiles_are_the_nearest_rank(engine, n):
    import math
    import random
    rng = random.Random(n)
    hours = [rng.randint(1, 500) for _ in range(n)]
    with Session(engine) as s:
        units = factories.county(s)
        township, category = units["town"].id, factories.category(s, units["dept"]).id
        for i, h in enumerate(hours):
            factories.case(s, status=S.in_progress, received_at=at(1 + i % 28), township_id=township,
                           category_id=category, accepted_at=at(1 + i % 28) + timedelta(hours=h))
        s.commit()
        found = kpi.compute(s, OCT, now=NOW).response_hours
    ordered = sorted(hours)
    assert found == {"median": two_figures(60 * ordered[math.ceil(0.5 * n) - 1]),
                     "p90": two_figures(60 * ordered[math.ceil(0.9 * n) - 1])}
    # the same for the township (kept buckets too), and for the category (read from its cases)
    with Session(engine) as s:
        for part in ({"township_id": township}, {"category_id": category}):
            assert kpi.compute(s, kpi.KpiFilter(start=OCT.start, end=OCT.end, **part), now=NOW).response_hours == found


def two_figures(minutes: int) -> float:
    """Hours cut toward zero to two significant figures, as written here independently of the SQL:
    tenths of an hour below 10 h, whole hours below 100 h, tens below 1,000 h…"""
    tenths, step = minutes // 6, 1
    while tenths >= 100 * step:
        step *= 10
    return tenths // step * step / 10


@pytest.mark.parametrize("minutes", [1, 59, 61, 599, 600, 1499, 1500, 5999, 6000, 59_999, 60_000, 600_001])
def test_hours_are_cut_to_two_figures_the_same_way_from_buckets_and_cases(engine, minutes):
    with Session(engine) as s:
        units = factories.county(s)
        category = factories.category(s, units["dept"]).id
        factories.case(s, status=S.in_progress, received_at=at(3), accepted_at=at(3) + timedelta(minutes=minutes),
                       category_id=category)
        s.commit()
        county = kpi.compute(s, OCT, now=NOW).response_hours["median"]
        of_category = kpi.compute(s, kpi.KpiFilter(start=OCT.start, end=OCT.end, category_id=category),
                                  now=NOW).response_hours["median"]
    assert county == of_category == two_figures(minutes)


def test_months_around_cross_years():
    assert kpi.months_around(date(2026, 1, 31), back=2, ahead=1) == [date(2025, 11, 1), date(2025, 12, 1),
                                                                     date(2026, 1, 1), date(2026, 2, 1)]


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2026, 1, 1), date(2026, 12, 31), (date(2026, 1, 1), date(2026, 12, 1))),
    (date(2026, 1, 15), date(2026, 11, 22), (date(2026, 2, 1), date(2026, 10, 1))),
    (date(2026, 11, 1), date(2026, 11, 22), None),
    (date(2026, 11, 2), date(2026, 11, 30), None),
    (date(2025, 12, 31), date(2026, 2, 1), (date(2026, 1, 1), date(2026, 1, 1))),
    (date(2026, 2, 1), date(2026, 2, 28), (date(2026, 2, 1), date(2026, 2, 1))),
])
def test_whole_months_of_a_period(start, end, months):
    assert kpi.whole_months(start, end) == months


def test_a_score_taken_apart(engine):
    """The explanation adds up to the score; the misroute the unit sent back is listed apart and
    not counted; a return for redo is listed and counted."""
    from core.models import CaseAction, CaseEvent
    with Session(engine) as s:
        units = factories.county(s)
        big, other = units["dept"].id, units["other"].id
        for i in range(12):  # 12 cases: 9 on time; one returned for redo once
            factories.case(s, status=S.closed, received_at=at(1 + i), unit_id=big, dispatched_at=at(1 + i),
                           reported_at=at(2 + i), due_at=at(4 + i, 23) if i < 9 else at(1 + i, 23), closed_at=at(3 + i),
                           rating=Rating.satisfied if i else Rating.dissatisfied, return_count=int(i == 0))
        sent_back = factories.case(s, status=S.closed, received_at=at(20), unit_id=other, dispatched_at=at(21),
                                   reported_at=at(22), due_at=at(25), closed_at=at(23), misroute_count=1)
        s.add(CaseEvent(case_id=sent_back.id, at=at(20, 15), actor_name="水利局", actor_role="unit_handler",
                        action=CaseAction.decline, to_status=S.drafted,
                        details={"reason": "不属本单位职责", "unit_id": big}))
        s.commit()
        found = kpi.explain(s, OCT, group="unit", member_id=big)
        parts = {p["rate"]: p for p in found["parts"]}
        assert (parts["on_time_rate"]["count"], parts["on_time_rate"]["base"]) == (9, 12)
        assert (parts["satisfaction_rate"]["count"], parts["satisfaction_rate"]["base"]) == (11, 12)
        assert (parts["return_rate"]["count"], parts["return_rate"]["base"]) == (1, 12)
        assert parts["on_time_rate"]["band"] == pytest.approx(kpi.wilson(9, 12))
        assert found["received"] == 12 and found["rank"] == 1 and found["minimum"] == 10
        assert sum(p["points"] for p in found["parts"]) == pytest.approx(found["score"], abs=0.2)
        assert found["score_band"][0] < found["score"] < found["score_band"][1]
        assert list(found["returned"]["tracking_code"]) == [s.get(Case, 1).tracking_code]
        assert list(found["misroutes"]["tracking_code"]) == [sent_back.tracking_code]
        assert list(found["misroutes"]["reason"]) == ["不属本单位职责"]


def test_the_annual_assessment_derives_the_s4_lists(engine):
    """S4: the most circulars — 1 township, 3 county departments (ties at the edge included) — and,
    of the others, those under 60 and ranked last."""
    from core.models import Circular, Unit, UnitKind
    with Session(engine) as s:
        units = factories.county(s)
        root, t1 = units["county"].id, units["town"].id
        t2 = Unit(name="丙镇", kind=UnitKind.township, parent_id=root)
        depts = [Unit(name=f"县{n}局", kind=UnitKind.department, parent_id=root) for n in "一二三四五"]
        s.add_all([t2, *depts])
        s.flush()
        good = dict(status=S.closed, reported_at=at(2), due_at=at(5), closed_at=at(3), rating=Rating.satisfied)
        bad = dict(status=S.closed, reported_at=at(9), due_at=at(5), closed_at=at(10), rating=Rating.dissatisfied)
        for dept, how in zip(depts, (bad, good, good, bad, good)):  # 一 and 四 score 30, the rest 100
            for i in range(10):
                factories.case(s, received_at=at(1, 8 + i % 10), unit_id=dept.id, dispatched_at=at(1), **how)
        for town, how in ((t1, good), (t2.id, bad)):
            for i in range(20):
                factories.case(s, received_at=at(1, 8), township_id=town, **how)
        for dept, n in zip(depts, (3, 2, 2, 1, 0)):
            for _ in range(n):
                s.add(Circular(unit_id=dept.id, issued_at=at(15), reason="超期"))
        s.add(Circular(unit_id=units["village"].id, issued_at=at(15), reason="超期"))  # a village of 甲镇
        s.add(Circular(unit_id=depts[0].id, issued_at=datetime(2025, 12, 31, 9), reason="去年的"))
        s.commit()
        found = kpi.assessment(s, 2026)
        d = found["unit"].set_index("name")
        assert d.loc["县一局", "circulars"] == 3
        assert set(d.index[d["most_circulars"]]) == {"县一局", "县二局", "县三局"}  # 县二局 and 县三局 tie for the last place of three
        assert set(d.index[d["lowest"]]) == {"县四局"}  # 县一局 scores 30 too, but is on the first list
        assert d.loc["县四局", "score"] < kpi.SCORE_FLOOR
        t = found["township"].set_index("name")
        assert t.loc["甲镇", "circulars"] == 1 and bool(t.loc["甲镇", "most_circulars"])
        assert set(t.index[t["lowest"]]) == {"丙镇"}
