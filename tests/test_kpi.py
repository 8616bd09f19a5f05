from datetime import datetime, timedelta

from sqlmodel import Session

from core import auth, kpi
from core.models import CaseStatus as S, Rating, Role
from tests import factories

NOW = datetime(2026, 11, 21, 9, 0)


def test_home_counters_on_known_cases(engine):
    with Session(engine) as s:
        units = factories.county(s)
        factories.user(s, "multi", {Role.clerk, Role.supervisor, Role.unit_handler}, NOW, unit_id=units["dept"].id)
        day = timedelta(days=1)
        factories.case(s, status=S.received, received_at=NOW - day)
        factories.case(s, status=S.received, received_at=NOW - day)
        factories.case(s, status=S.approved, received_at=NOW - 5 * day)
        factories.case(s, status=S.fed_back, received_at=NOW - 6 * day, rated_at=NOW - day, rating=Rating.satisfied)
        factories.case(s, status=S.fed_back, received_at=NOW - 6 * day)  # not rated yet: not "to close"
        factories.case(s, status=S.reported, received_at=NOW - 4 * day, unit_id=units["dept"].id)
        factories.case(s, status=S.dispatched, received_at=NOW - 4 * day, unit_id=units["dept"].id,
                       due_at=NOW - day)  # overdue, mine
        factories.case(s, status=S.in_progress, received_at=NOW - 2 * day, unit_id=units["dept"].id,
                       due_at=NOW.replace(hour=23, minute=59))  # due today, mine
        factories.case(s, status=S.returned, received_at=NOW - 2 * day, unit_id=units["other"].id,
                       due_at=NOW - 2 * day, on_supervision_register=True)  # overdue, not mine
        user = auth.load_current_user(s, "multi")
        counters = {role: dict(items) for role, items in kpi.home_counters(s, user=user, now=NOW).items()}
    assert set(counters) == {Role.clerk, Role.supervisor, Role.unit_handler}
    assert counters[Role.clerk] == {"counter.to_draft": 2, "counter.to_feed_back": 1, "counter.to_close": 1,
                                    "counter.overdue": 2}
    assert counters[Role.supervisor] == {"counter.to_review": 1, "counter.overdue": 2, "counter.supervised": 1,
                                         "counter.due_today": 1}
    assert counters[Role.unit_handler] == {"counter.to_accept": 1, "counter.in_handling": 1, "counter.due_today": 1,
                                           "counter.overdue": 1}
