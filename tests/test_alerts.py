"""Early warning: the cluster window (N cases of one category at one place within H hours) and
its edges, re-reports within 90 days of closing, acknowledgement, editable thresholds."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from core import alerts, auth, county_settings
from core.errors import DomainError
from core.models import Case, CaseStatus as S, Role
from tests import factories

NOW = datetime(2026, 11, 21, 10, 0)
H = timedelta(hours=1)


@pytest.fixture
def place(engine):
    with Session(engine) as s:
        units = factories.county(s)
        water = factories.category(s, units["dept"])
        road = factories.category(s, units["other"])
        factories.user(s, "boss", {Role.leader}, NOW)
        factories.user(s, "unit_x", {Role.unit_handler}, NOW, unit_id=units["dept"].id)
        yield s, units, water.id, road.id


def _cases(s, units, category_id, ages_hours, village=True, **fields):
    return [factories.case(s, status=fields.pop("status", S.received), received_at=NOW - h * H, category_id=category_id,
                           township_id=units["town"].id, village_id=units["village"].id if village else None, **fields)
            for h in ages_hours]


def test_five_in_seventy_two_hours_is_a_cluster_and_four_is_not(place):
    s, units, water, road = place
    _cases(s, units, water, [1, 10, 30, 50, 71])
    _cases(s, units, road, [1, 2, 3, 4])  # four of another category
    _cases(s, units, water, [73])  # outside the window
    found = alerts.clusters(s, now=NOW)
    assert [(a.place, a.count) for a in found] == [("乙村", 5)]
    assert len(found[0].case_ids) == 5
    assert alerts.clusters(s, now=NOW, hours=24) == []  # only two within a day
    four = alerts.clusters(s, now=NOW, cases=4)
    assert [(s.get(Case, a.case_ids[0]).category_id, a.count) for a in four] == [(water, 5), (road, 4)]  # largest first
    assert alerts.clusters(s, now=NOW, cases=4, limit=1) == four[:1]
    first = s.get(Case, four[0].case_ids[0])  # the earliest case: it names the cluster
    assert first.received_at == NOW - 71 * H and four[0].key == f"cluster:{first.village_id}:{water}:{first.id}"
    assert alerts.cluster_count(s, now=NOW) == 1


def test_cases_without_a_village_cluster_by_township(place):
    s, units, water, _road = place
    _cases(s, units, water, [1, 2, 3, 4, 5], village=False)
    assert [a.place for a in alerts.clusters(s, now=NOW)] == ["甲镇"]


def test_merged_duplicates_do_not_make_a_cluster(place):
    s, units, water, _road = place
    _cases(s, units, water, [1, 2, 3, 4])
    _cases(s, units, water, [5], status=S.merged)
    assert alerts.clusters(s, now=NOW) == []


def test_a_rereport_within_ninety_days_of_closing(place):
    s, units, water, road = place
    closed_at = NOW - timedelta(days=60)
    first = _cases(s, units, water, [24 * 70], status=S.closed, closed_at=closed_at)[0]
    again = _cases(s, units, water, [5])[0]
    _cases(s, units, road, [5])  # another category: no alert
    found = alerts.rereports(s, now=NOW)
    assert [a.case_ids for a in found] == [(again.id,)]
    behind = set(s.exec(select(Case.id).where(alerts.cases_behind(s, found[0]))).all())
    assert behind == {again.id, first.id}  # the new case and the closed one it repeats
    assert alerts.rereports(s, now=NOW, days=30) == []  # closed 60 days before


def test_the_dashboard_gets_the_newest_rereports_up_to_its_cap_and_how_many_there_are(place, monkeypatch):
    s, units, water, _road = place
    _cases(s, units, water, [24 * 70], status=S.closed, closed_at=NOW - timedelta(days=60))
    again = _cases(s, units, water, [5, 6, 7, 8])  # four: not a cluster
    monkeypatch.setattr(alerts, "SHOWN", 3)
    found = alerts.candidates(s, now=NOW)
    assert [a.case_ids for a in found.shown] == [(c.id,) for c in again[:3]]  # newest first, three of four
    assert (found.total, found.more_than) == (4, False)
    monkeypatch.setattr(alerts, "COUNTED", 2)  # counted up to a bound: "more than 2"
    found = alerts.candidates(s, now=NOW)
    assert (found.total, found.more_than, len(found.shown)) == (2, True, 3)


def test_clusters_past_the_cap_are_counted_and_fewer_are_not_counted_again(place, monkeypatch):
    s, units, water, road = place
    _cases(s, units, water, [1, 2, 3, 4, 5])
    _cases(s, units, road, [1, 2, 3, 4, 5])
    counted = []
    real_count = alerts.cluster_count
    monkeypatch.setattr(alerts, "cluster_count", lambda *a, **k: counted.append(1) or real_count(*a, **k))
    found = alerts.candidates(s, now=NOW)
    assert (len(found.shown), found.total, counted) == (2, 2, [])  # all shown: their number is the count
    monkeypatch.setattr(alerts, "SHOWN", 1)
    found = alerts.candidates(s, now=NOW)
    assert (len(found.shown), found.total, counted) == (1, 2, [1])  # one shown of two, counted


def test_acknowledge_with_a_note_and_thresholds(place):
    s, units, water, _road = place
    leader = auth.load_current_user(s, "boss")
    unit = auth.load_current_user(s, "unit_x")
    _cases(s, units, water, [1, 2, 3, 4, 5])
    (alert,) = alerts.active(s, user=leader, now=NOW)
    with pytest.raises(DomainError) as exc:
        alerts.acknowledge(s, actor=leader, key=alert.key, note=" ", now=NOW)
    assert exc.value.key == "error.fields_missing"
    with pytest.raises(DomainError):
        alerts.active(s, user=unit, now=NOW)
    alerts.acknowledge(s, actor=leader, key=alert.key, note="已派水利局现场排查", now=NOW)
    (seen,) = alerts.active(s, user=leader, now=NOW)
    assert seen.acknowledged_note == "已派水利局现场排查"
    with pytest.raises(DomainError) as exc:
        county_settings.change(s, actor=leader, new={"alert.cluster_cases": 3}, now=NOW)
    assert exc.value.key == "error.permission"
    admin = factories.user(s, "root", {Role.admin}, NOW)
    with pytest.raises(DomainError) as exc:
        county_settings.change(s, actor=auth.load_current_user(s, admin.username), new={"alert.cluster_cases": 1},
                               now=NOW)
    assert exc.value.key == "error.setting_range"
    county_settings.change(s, actor=auth.load_current_user(s, "root"), new={"alert.cluster_cases": 6}, now=NOW)
    assert alerts.clusters(s, now=NOW) == []
