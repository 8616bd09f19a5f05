from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from core import auth, services, supervision
from core.errors import DomainError
from core.models import Case, CaseAction as A, CaseStatus as S, Circular, Role
from tests import factories

NOW = datetime(2026, 11, 21, 10, 0)
DAY = timedelta(days=1)


@pytest.fixture
def world(engine):
    with Session(engine) as s:
        units = factories.county(s)
        dept, other = units["dept"].id, units["other"].id
        cases = {
            "overdue": factories.case(s, status=S.in_progress, received_at=NOW - 9 * DAY, unit_id=dept,
                                      due_at=datetime(2026, 11, 18, 23, 59, 59)),
            "major": factories.case(s, status=S.dispatched, received_at=NOW - DAY, unit_id=other, is_major=True,
                                    due_at=NOW + 5 * DAY),
            "three_returns": factories.case(s, status=S.returned, received_at=NOW - 5 * DAY, unit_id=dept,
                                            circular_due=True, due_at=NOW + DAY, return_count=3),
            "closed_major": factories.case(s, status=S.closed, received_at=NOW - 20 * DAY, unit_id=dept, is_major=True),
            "fine": factories.case(s, status=S.in_progress, received_at=NOW - DAY, unit_id=dept, due_at=NOW + 3 * DAY),
        }
        factories.user(s, "office", {Role.supervisor}, NOW)
        factories.user(s, "water", {Role.unit_handler}, NOW, unit_id=dept)
        yield s, cases, auth.load_current_user(s, "office")


def test_the_register_holds_overdue_major_and_three_returns_most_overdue_first(world):
    s, cases, office = world
    total, rows = supervision.register(s, user=office, now=NOW)
    assert total == 3
    assert list(rows["tracking_code"]) == [cases[k].tracking_code for k in ("overdue", "three_returns", "major")]
    assert list(rows["days_overdue"]) == [3, 0, 0]  # due the 18th: the 19th, 20th and 21st
    counts = {r: supervision.register(s, user=office, now=NOW, reasons=(r,))[0] for r in supervision.REASONS}
    assert counts == {"overdue": 1, "major": 1, "circular_due": 1, "on_register": 0}


def test_reminders_are_counted_and_put_the_case_on_the_register(world):
    s, cases, office = world
    case = cases["overdue"]
    for n in range(2):
        services.supervise(s, case_id=case.id, actor=office, now=NOW + n * timedelta(hours=1),
                           expected_version=case.version, note="请抓紧办理")
    _total, rows = supervision.register(s, user=office, now=NOW + DAY, reasons=("on_register",))
    row = rows.set_index("tracking_code").loc[case.tracking_code]
    assert (row["reminders"], str(row["last_reminded"])[:16]) == (2, "2026-11-21 11:00")


def test_a_unit_may_not_read_the_register(world):
    s, _cases, _office = world
    with pytest.raises(DomainError):
        supervision.register(s, user=auth.load_current_user(s, "water"), now=NOW)


def test_the_circular_lists_units_with_their_cases_and_escapes_what_was_typed(world):
    s, cases, office = world
    cases["overdue"].title = "<script>alert(1)</script>"
    s.flush()
    _total, rows = supervision.register(s, user=office, now=NOW)
    html = supervision.circular_document(rows, title="通报", intro="请整改 <b>", issuer="督办室", now=NOW)
    assert "<script>" not in html and "&lt;script&gt;" in html and "请整改 &lt;b&gt;" in html
    assert "县水利局（2 件）" in html and "县交通运输局（1 件）" in html
    assert "共涉及 2 个单位、3 件事项" in html
    with pytest.raises(DomainError):
        supervision.circular_document(rows.iloc[0:0], title="通报", intro="", issuer="督办室", now=NOW)


def test_issuing_a_circular_records_it_per_unit_and_clears_the_three_returns_flag(world):
    s, cases, office = world
    waiting = factories.case(s, status=S.received, received_at=NOW)
    picked = [cases["three_returns"], cases["overdue"], waiting]
    outcomes = services.act_many(s, A.circulate, cases=[(c.id, c.version) for c in picked], actor=office, now=NOW,
                                 reason="通报：超期与多次退回")
    refused = [case_id for case_id, refusal in outcomes if refusal is not None]
    assert refused == [waiting.id]  # not yet with any unit: nothing to circulate
    assert s.get(Case, cases["three_returns"].id).circular_due is False
    assert len(s.exec(select(Circular)).all()) == 2
    assert len(supervision.recent_circulars(s, user=office)) == 2
