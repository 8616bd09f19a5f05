from datetime import datetime, timedelta

from sqlmodel import Session

from core import auth, ledger
from core.models import CaseStatus as S, Role
from tests import factories

NOW = datetime(2026, 11, 21, 9, 0)


def setup(session):
    units = factories.county(session)
    factories.user(session, "water", {Role.unit_handler}, NOW, unit_id=units["dept"].id)
    factories.user(session, "liai", {Role.liaison}, NOW, station_id=units["village"].id)
    factories.user(session, "boss", {Role.leader}, NOW)
    factories.user(session, "desk", {Role.clerk}, NOW)
    li = auth.load_current_user(session, "liai")
    mine = factories.case(session, status=S.in_progress, received_at=NOW - timedelta(days=3), unit_id=units["dept"].id,
                          due_at=NOW - timedelta(hours=1), reporter_name="张三", reporter_phone="17012345678",
                          liaison_id=li.liaison_id)
    other = factories.case(session, status=S.dispatched, received_at=NOW - timedelta(days=2),
                           unit_id=units["other"].id, due_at=NOW + timedelta(days=2), content="路面塌陷")
    return units, mine, other


def codes(session, username, **filters):
    user = auth.load_current_user(session, username)
    total, frame = ledger.list_cases(session, user=user, filters=ledger.LedgerFilter(**filters), now=NOW)
    assert total == len(frame)
    return set(frame["tracking_code"]) if total else set(), frame


def test_scope_by_role(engine):
    with Session(engine) as s:
        _units, mine, other = setup(s)
        assert codes(s, "water")[0] == {mine.tracking_code}
        assert codes(s, "liai")[0] == {mine.tracking_code}
        assert codes(s, "boss")[0] == {mine.tracking_code, other.tracking_code}


def test_personal_data_masked_for_leaders(engine):
    with Session(engine) as s:
        _units, mine, _other = setup(s)
        _, leader_view = codes(s, "boss", text=mine.tracking_code)
        _, clerk_view = codes(s, "desk", text=mine.tracking_code)
    assert leader_view.iloc[0]["reporter_phone"] == "170****5678"
    assert leader_view.iloc[0]["reporter_name"] == "张**"
    assert clerk_view.iloc[0]["reporter_phone"] == "17012345678"


def test_filters(engine):
    with Session(engine) as s:
        units, mine, other = setup(s)
        assert codes(s, "desk", only_overdue=True)[0] == {mine.tracking_code}
        assert codes(s, "desk", text="塌陷")[0] == {other.tracking_code}
        assert codes(s, "desk", text="%")[0] == set()  # % and _ are what was typed, not wildcards
        assert codes(s, "desk", text="路_塌")[0] == set()
        percent = factories.case(s, status=S.reported, received_at=NOW, unit_id=units["other"].id,
                                 content="水费涨了50%_不合理")
        assert codes(s, "desk", text="50%_")[0] == {percent.tracking_code}
        assert codes(s, "desk", statuses=("dispatched",))[0] == {other.tracking_code}
        assert codes(s, "desk", township_id=units["town"].id)[0] == set()


def test_paging(engine):
    with Session(engine) as s:
        factories.county(s)
        factories.user(s, "desk", {Role.clerk}, NOW)
        for i in range(7):
            factories.case(s, status=S.received, received_at=NOW - timedelta(hours=i))
        user = auth.load_current_user(s, "desk")
        total, page2 = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=NOW, page=2, page_size=5)
    assert total == 7 and len(page2) == 2


def test_a_unit_sees_a_case_only_once_it_is_dispatched(engine):
    with Session(engine) as s:
        units = factories.county(s)
        factories.user(s, "water", {Role.unit_handler}, NOW, unit_id=units["dept"].id)
        drafted = factories.case(s, status=S.drafted, received_at=NOW, unit_id=units["dept"].id)
        dispatched = factories.case(s, status=S.dispatched, received_at=NOW, unit_id=units["dept"].id)
        assert codes(s, "water")[0] == {dispatched.tracking_code}
        assert drafted.tracking_code not in codes(s, "water")[0]
