"""回访抽查: the draw is reproducible from its seed, respects the share and the minimum per unit,
takes every closed case into the pool whatever the unit wants; only the center calls and sees the
phones; the gap flag fires at the threshold and not below."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings, strategies as st
from sqlmodel import Session, select

from core import auth, callback, county_settings
from core.errors import DomainError
from core.models import CallbackCheck, CaseStatus as S, Rating, Role
from tests import factories

NOW = datetime(2026, 11, 22, 10, 0)
OCT = date(2026, 10, 1)


def closed_cases(s, unit_id, n, *, rating=Rating.satisfied, day=5):
    return [factories.case(s, status=S.closed, received_at=datetime(2026, 10, day, 9), unit_id=unit_id,
                           closed_at=datetime(2026, 10, day + 1, 9) + timedelta(minutes=i), rating=rating,
                           reporter_name="张三", reporter_phone="13800000000")
            for i in range(n)]


@pytest.fixture
def county(engine):
    with Session(engine) as s:
        units = factories.county(s)
        people = {name: auth.load_current_user(s, factories.user(s, name, roles, NOW, unit_id=unit).username)
                  for name, roles, unit in (("clerk", {Role.clerk}, None), ("sup", {Role.supervisor}, None),
                                            ("leader", {Role.leader}, None),
                                            ("water", {Role.unit_handler}, units["dept"].id))}
        yield s, units, people


@pytest.mark.parametrize("closed, expected", [(0, 0), (3, 3), (5, 5), (6, 5), (50, 5), (51, 6), (200, 20)])
def test_at_least_a_tenth_and_at_least_five(closed, expected):
    assert callback.needed(closed, share_percent=10, min_per_unit=5) == expected


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(0, 30), st.sets(st.integers(1, 10_000), min_size=1, max_size=80), max_size=6),
       st.integers(0, 2**31 - 1))
def test_the_draw_is_reproducible_and_within_each_unit(strata, seed):
    strata = {unit: sorted(ids) for unit, ids in strata.items()}
    first = callback.sample(strata, seed=seed, share_percent=10, min_per_unit=5)
    shuffled = {unit: list(reversed(ids)) for unit, ids in reversed(list(strata.items()))}
    assert callback.sample(shuffled, seed=seed, share_percent=10, min_per_unit=5) == first  # order does not matter
    for unit, ids in strata.items():
        assert set(first[unit]) <= set(ids)
        assert len(first[unit]) == callback.needed(len(ids), share_percent=10, min_per_unit=5)


def test_a_draw_is_recorded_redrawn_and_verifiable(county, monkeypatch):
    s, units, people = county
    monkeypatch.setattr(callback, "FETCHED", 4)  # the drawn cases are read a few at a time
    closed_cases(s, units["dept"].id, 60)
    closed_cases(s, units["other"].id, 3)
    spot = closed_cases(s, None, 12)  # closed without a unit: drawn too
    factories.case(s, status=S.in_progress, received_at=datetime(2026, 10, 3, 9), unit_id=units["dept"].id)
    factories.case(s, status=S.closed, received_at=datetime(2026, 9, 3, 9), unit_id=units["dept"].id,
                   closed_at=datetime(2026, 9, 30, 23, 0))  # closed in September: not October's
    made = callback.draw(s, actor=people["clerk"], month=OCT, now=NOW, seed=20261101)
    checks = s.exec(select(CallbackCheck).where(CallbackCheck.draw_id == made.id)).all()
    by_unit = {}
    for c in checks:
        by_unit[c.unit_id] = by_unit.get(c.unit_id, 0) + 1
    assert by_unit == {units["dept"].id: 6, units["other"].id: 3, None: 5}
    assert made.population == 75 and made.seed == 20261101
    assert callback.verify(s, made) == {"same_population": True, "same_sample": True}
    # the same seed over the same cases picks the same ones, in a database of its own or not
    again = callback.sample(callback.population(s, OCT), seed=20261101, share_percent=10, min_per_unit=5)
    assert {i for ids in again.values() for i in ids} == {c.case_id for c in checks}
    assert {c.reported_rating for c in checks} == {Rating.satisfied}
    # one draw per month, only once the month is over
    with pytest.raises(DomainError) as exc:
        callback.draw(s, actor=people["sup"], month=OCT, now=NOW)
    assert exc.value.key == "error.callback_drawn"
    with pytest.raises(DomainError) as exc:
        callback.draw(s, actor=people["clerk"], month=date(2026, 11, 1), now=NOW)
    assert exc.value.key == "error.callback_month_open"
    # a case reopened after the draw changes the pool: the verification says so
    spot[0].status = S.in_progress
    s.add(spot[0])
    s.flush()
    assert callback.verify(s, made) == {"same_population": False, "same_sample": False}


def test_the_unit_cannot_draw_record_or_see_the_call_list(county):
    s, units, people = county
    closed_cases(s, units["dept"].id, 6)
    for who in ("water", "leader"):
        with pytest.raises(DomainError) as exc:
            callback.draw(s, actor=people[who], month=OCT, now=NOW)
        assert exc.value.key == "error.permission"
    made = callback.draw(s, actor=people["clerk"], month=OCT, now=NOW)
    check = s.exec(select(CallbackCheck)).first()
    with pytest.raises(DomainError):
        callback.record(s, actor=people["water"], check_id=check.id, reached=True, confirmed=True,
                        rating=Rating.satisfied, now=NOW)
    for who in ("water", "leader"):  # the residents' phones are for the callers
        with pytest.raises(DomainError):
            callback.call_list(s, user=people[who], draw_id=made.id)
    rows = callback.call_list(s, user=people["sup"], draw_id=made.id)
    assert len(rows) == 5 and set(rows["reporter_phone"]) == {"13800000000"}
    with pytest.raises(DomainError):
        callback.comparison(s, user=people["water"], start=OCT, end=date(2026, 10, 31))
    assert not callback.comparison(s, user=people["leader"], start=OCT, end=date(2026, 10, 31)).empty


def test_a_call_is_recorded_once_answered_and_retried_until_then(county):
    s, units, people = county
    closed_cases(s, units["dept"].id, 5)
    callback.draw(s, actor=people["clerk"], month=OCT, now=NOW)
    check = s.exec(select(CallbackCheck)).first()
    with pytest.raises(DomainError) as exc:
        callback.record(s, actor=people["clerk"], check_id=check.id, reached=True, now=NOW)
    assert exc.value.key == "error.fields_missing"
    callback.record(s, actor=people["clerk"], check_id=check.id, reached=False, note="无人接听", now=NOW)
    callback.record(s, actor=people["clerk"], check_id=check.id, reached=True, confirmed=False,
                    rating=Rating.dissatisfied, note="水管仍在漏", now=NOW)
    assert (check.attempts, check.reached, check.confirmed) == (2, True, False)
    with pytest.raises(DomainError) as exc:
        callback.record(s, actor=people["clerk"], check_id=check.id, reached=True, confirmed=True,
                        rating=Rating.satisfied, now=NOW)
    assert exc.value.key == "error.callback_recorded"


def _answer(s, clerk, ratings):
    checks = s.exec(select(CallbackCheck).order_by(CallbackCheck.id)).all()
    for check, rating in zip(checks, ratings):
        callback.record(s, actor=clerk, check_id=check.id, reached=True, confirmed=rating != Rating.dissatisfied,
                        rating=rating, now=NOW)


@pytest.mark.parametrize("dissatisfied, flagged", [(0, False), (1, False), (2, False), (3, True), (4, True)])
def test_the_gap_flag_fires_at_the_threshold_and_not_below(county, dissatisfied, flagged):
    """20 checks of cases all recorded satisfied; each resident who says otherwise opens 5 points:
    10 points (2) is below the default 15, 15 (3) is at it."""
    s, units, people = county
    closed_cases(s, units["dept"].id, 200)
    callback.draw(s, actor=people["clerk"], month=OCT, now=NOW)
    _answer(s, people["clerk"], [Rating.dissatisfied] * dissatisfied + [Rating.satisfied] * (20 - dissatisfied))
    row = callback.comparison(s, user=people["leader"], start=OCT, end=date(2026, 10, 31)).iloc[0]
    assert (row["checks"], row["pairs"]) == (20, 20)
    assert row["reported_rate"] == 1.0 and row["gap_points"] == pytest.approx(5 * dissatisfied)
    assert bool(row["flagged"]) is flagged
    behind = callback.behind_flag(s, user=people["leader"], start=OCT, end=date(2026, 10, 31), unit_id=units["dept"].id)
    assert len(behind) == dissatisfied


def test_too_few_answered_calls_never_flag(county):
    s, units, people = county
    closed_cases(s, units["dept"].id, 5)
    callback.draw(s, actor=people["clerk"], month=OCT, now=NOW)
    _answer(s, people["clerk"], [Rating.dissatisfied] * 4)  # 4 answered, 100 points apart; the minimum is 5
    row = callback.comparison(s, user=people["leader"], start=OCT, end=date(2026, 10, 31)).iloc[0]
    assert row["pairs"] == 4 and row["gap_points"] == 100 and not row["flagged"]
    county_settings.change(s, actor=people["sup"], new={"callback.min_checks": 4}, now=NOW)
    assert callback.comparison(s, user=people["leader"], start=OCT, end=date(2026, 10, 31)).iloc[0]["flagged"]


def test_the_township_view_adds_up(county):
    s, units, people = county
    town = units["town"].id
    for case in closed_cases(s, units["dept"].id, 6):
        case.township_id = town
        s.add(case)
    s.flush()
    callback.draw(s, actor=people["clerk"], month=OCT, now=NOW)
    frame = callback.comparison(s, user=people["clerk"], start=OCT, end=date(2026, 10, 31), group="township")
    assert list(frame["id"]) == [town] and frame.iloc[0]["checks"] == 5


def test_the_cli_draws_last_month_and_reports_the_assessment(county, engine, monkeypatch, capsys):
    import json

    from core import cli
    s, units, _people = county
    closed_cases(s, units["dept"].id, 12)
    s.commit()
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert cli.main(["callback", "draw", "--month", "2026-10", "--seed", "42"]) == 0
    assert "Drew 5 of the 12 cases closed in 2026-10 (seed 42)" in capsys.readouterr().out
    assert cli.main(["callback", "draw", "--month", "2026-10"]) == 2  # drawn once
    assert "already" in capsys.readouterr().err
    assert cli.main(["assess", "--year", "2026"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["year"] == 2026 and {d["name"] for d in found["departments"]["scores"]} >= {"县水利局"}
