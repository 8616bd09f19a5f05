from datetime import datetime, timedelta

from sqlmodel import Session, select

from core import auth, board, kpi, ledger
from core.models import CaseStatus as S, Leader, Rating, Role
from tests import factories

NOW = datetime(2026, 11, 21, 9, 0)
DAY = timedelta(days=1)


def county_with_cases(s):
    units = factories.county(s)
    factories.case(s, status=S.received, received_at=NOW - DAY)
    factories.case(s, status=S.received, received_at=NOW - DAY)
    factories.case(s, status=S.approved, received_at=NOW - 5 * DAY)
    factories.case(s, status=S.fed_back, received_at=NOW - 6 * DAY, rated_at=NOW - DAY, rating=Rating.satisfied)
    factories.case(s, status=S.fed_back, received_at=NOW - 6 * DAY)  # not rated yet: not "to close"
    factories.case(s, status=S.reported, received_at=NOW - 4 * DAY, unit_id=units["dept"].id)
    factories.case(s, status=S.dispatched, received_at=NOW - 4 * DAY, unit_id=units["dept"].id,
                   due_at=NOW - DAY)  # overdue, the dept's
    factories.case(s, status=S.in_progress, received_at=NOW - 2 * DAY, unit_id=units["dept"].id,
                   due_at=NOW.replace(hour=23, minute=59))  # due today, the dept's
    factories.case(s, status=S.returned, received_at=NOW - 2 * DAY, unit_id=units["other"].id, circular_due=True,
                   due_at=NOW - 2 * DAY, on_supervision_register=True)  # overdue, another unit's
    factories.case(s, status=S.closed, received_at=NOW - 9 * DAY, on_supervision_register=True, is_major=True)
    return units


def test_queue_counts_on_known_cases(engine):
    with Session(engine) as s:
        units = county_with_cases(s)
        factories.user(s, "multi", {Role.clerk, Role.supervisor}, NOW)
        factories.user(s, "water", {Role.unit_handler}, NOW, unit_id=units["dept"].id)
        multi = dict(board.counts(s, user=auth.load_current_user(s, "multi"), now=NOW))
        water = dict(board.counts(s, user=auth.load_current_user(s, "water"), now=NOW))
    assert multi == {"to_draft": 2, "to_order": 0, "to_review": 1, "returned": 1, "to_feed_back": 1, "to_close": 1,
                     "supervised": 1, "circular_due": 1, "due_today": 1, "overdue": 2}
    # a unit handler's queues hold only their unit's cases
    assert water == {"to_accept": 1, "in_handling": 1, "supervised": 0, "due_soon": 1, "overdue": 1}


def test_a_unit_is_warned_48_hours_before_a_deadline(engine):
    with Session(engine) as s:
        units = factories.county(s)
        dept = units["dept"].id
        factories.case(s, status=S.in_progress, received_at=NOW - DAY, unit_id=dept, due_at=NOW + timedelta(hours=47))
        factories.case(s, status=S.returned, received_at=NOW - DAY, unit_id=dept, due_at=NOW + timedelta(hours=49))
        factories.case(s, status=S.reported, received_at=NOW - DAY, unit_id=dept, due_at=NOW + DAY)  # reported: done
        factories.case(s, status=S.dispatched, received_at=NOW - DAY, unit_id=dept, due_at=NOW - DAY)  # overdue
        factories.user(s, "water", {Role.unit_handler}, NOW, unit_id=dept)
        counts = dict(board.counts(s, user=auth.load_current_user(s, "water"), now=NOW))
    assert (counts["due_soon"], counts["overdue"]) == (1, 1)


def test_queue_lists_match_counts_and_come_nearest_deadline_first(engine):
    with Session(engine) as s:
        county_with_cases(s)
        factories.user(s, "desk", {Role.clerk, Role.supervisor}, NOW)
        user = auth.load_current_user(s, "desk")
        for key, n in board.counts(s, user=user, now=NOW):
            total, rows = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=NOW, by_deadline=True,
                                            extra=board.condition(s, user=user, key=key, now=NOW))
            assert total == n, key
        _total, overdue = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=NOW, by_deadline=True,
                                            extra=board.condition(s, user=user, key="overdue", now=NOW))
    assert list(overdue["due_at"]) == sorted(overdue["due_at"])


def test_a_queue_of_another_role_is_empty(engine):
    with Session(engine) as s:
        county_with_cases(s)
        factories.user(s, "desk", {Role.clerk}, NOW)
        user = auth.load_current_user(s, "desk")
        total, _ = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=NOW,
                                     extra=board.condition(s, user=user, key="to_review", now=NOW))
    assert total == 0


def test_leader_owned_queue(engine):
    with Session(engine) as s:
        factories.county(s)
        boss = factories.user(s, "boss", {Role.leader}, NOW)
        leader = s.exec(select(Leader).where(Leader.user_id == boss.id)).one()  # made with the account
        factories.case(s, status=S.in_progress, received_at=NOW - DAY, owner_leader_id=leader.id)
        factories.case(s, status=S.closed, received_at=NOW - DAY, owner_leader_id=leader.id)
        factories.case(s, status=S.in_progress, received_at=NOW - DAY)
        user = auth.load_current_user(s, "boss")
        counts = dict(board.counts(s, user=user, now=NOW))
        total, _ = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(owner_leader_id=leader.id), now=NOW)
    assert counts["owned"] == 1
    assert total == 2  # the leader filter: both of the leader's cases, not the third


def test_admin_counters(engine):
    with Session(engine) as s:
        factories.county(s)
        factories.user(s, "root", {Role.admin}, NOW)
        gone = factories.user(s, "gone", {Role.clerk}, NOW)
        gone.active = False
        s.flush()
        assert dict(kpi.admin_counters(s)) == {"counter.active_users": 1, "counter.disabled_users": 1,
                                               "counter.units": 5, "counter.liaisons": 0}
        assert board.counts(s, user=auth.load_current_user(s, "root"), now=NOW) == []
