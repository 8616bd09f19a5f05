"""在职党员进社区 (issue #12 item 3): the ≥ 40 % key-selected check per unit, three households each
in the member's community, and the quarter's visits counted by their date across quarter borders."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from core import households, party_members
from core.errors import DomainError, FormErrors
from core.models import HouseholdCategory as HC, PartyMemberHousehold, Role, Unit, UnitKind

NOW = datetime(2026, 11, 21, 9, 0)
Q3, Q4 = households.quarter_of(date(2026, 9, 30)), households.quarter_of(date(2026, 10, 1))


def household(session, world, head: str, village: int | None = None):
    return households.save_household(session, actor=world.users[Role.clerk], village_id=village or world.units["village"],
                                      head_name=head, categories=[HC.assisted])[0]


def member(session, world, name: str, *, key: bool = True, unit: str = "dept", community: str = "town"):
    return party_members.save_member(session, actor=world.users[Role.clerk], name=name, unit_id=world.units[unit],
                                     community_id=world.units[community], key_selected=key)


def test_a_unit_needs_two_fifths_of_its_serving_members_key_selected(world_session):
    session, world = world_session
    with pytest.raises(FormErrors) as refused:
        party_members.save_member(session, actor=world.users[Role.clerk], name="", unit_id=None,
                                  community_id=world.units["dept"], phone="123")
    assert set(refused.value.errors) == {"name", "phone", "work_unit_id", "community_id"}
    for i in range(5):  # 县水利局: 2 of 5 key-selected = exactly 40 %
        member(session, world, f"水利{i}", key=i < 2)
    for i in range(3):  # 县交通运输局: 1 of 3 = 33 %
        member(session, world, f"交通{i}", key=i < 1, unit="other")
    shares = party_members.unit_shares(session, user=world.users[Role.leader]).set_index("unit")
    assert (shares.loc["县水利局", "key_selected"], shares.loc["县水利局", "members"]) == (2, 5)
    assert not shares.loc["县水利局", "below"] and shares.loc["县交通运输局", "below"]
    assert shares.loc["县交通运输局", "needed"] == 2
    for role in (Role.liaison, Role.unit_handler):
        with pytest.raises(DomainError, match="may not"):
            party_members.unit_shares(session, user=world.users[role])
    with pytest.raises(DomainError, match="may not"):
        party_members.save_member(session, actor=world.users[Role.leader], name="某某", unit_id=world.units["dept"],
            community_id=world.units["town"])


def test_a_member_serves_at_most_three_households_of_their_community(world_session):
    session, world = world_session
    elsewhere = Unit(name="外乡", kind=UnitKind.township, parent_id=world.units["county"])
    session.add(elsewhere)
    session.flush()
    far_village = Unit(name="外村", kind=UnitKind.village, parent_id=elsewhere.id)
    session.add(far_village)
    session.flush()
    near = [household(session, world, f"户{i}") for i in range(4)]
    far = household(session, world, "外户", village=far_village.id)
    m = member(session, world, "李党员")
    clerk = world.users[Role.clerk]
    with pytest.raises(DomainError, match="no more"):
        party_members.assign(session, actor=clerk, member_id=m.id, household_ids=[h.id for h in near], on=NOW.date())
    with pytest.raises(DomainError, match="not in the member's community"):
        party_members.assign(session, actor=clerk, member_id=m.id, household_ids=[near[0].id, far.id], on=NOW.date())
    party_members.assign(session, actor=clerk, member_id=m.id, household_ids=[h.id for h in near[:3]], on=date(2026, 7, 1))
    party_members.assign(session, actor=clerk, member_id=m.id, household_ids=[near[0].id, near[1].id, near[3].id],
                         on=NOW.date())
    kept = {r.household_id: r.assigned_on for r in session.exec(
        select(PartyMemberHousehold).where(PartyMemberHousehold.member_id == m.id))}
    assert kept == {near[0].id: date(2026, 7, 1), near[1].id: date(2026, 7, 1), near[3].id: NOW.date()}
    assert [x.name for x in households.members_of(session, near[3].id)] == ["李党员"]
    with pytest.raises(DomainError, match="not one the member serves"):
        households.record_visit(session, actor=clerk, household_id=near[2].id, visited_on=NOW.date(),
                                notes="党员入户走访，了解困难。", now=NOW, party_member_id=m.id)


def test_quarterly_compliance_counts_each_visit_in_its_own_quarter(world_session):
    session, world = world_session
    clerk = world.users[Role.clerk]
    served = [household(session, world, f"服务户{i}") for i in range(3)]
    m = member(session, world, "王党员")
    late = member(session, world, "赵党员")  # given households near the end of the quarter
    party_members.assign(session, actor=clerk, member_id=m.id, household_ids=[h.id for h in served], on=date(2026, 6, 1))
    party_members.assign(session, actor=clerk, member_id=late.id, household_ids=[h.id for h in served],
                         on=date(2026, 12, 15))
    member(session, world, "钱党员", key=False)  # not key-selected: no quota

    def visit(h, day):
        households.record_visit(session, actor=clerk, household_id=h.id, visited_on=day, notes="党员入户走访，了解近况。",
                                now=datetime.combine(day, NOW.time()), party_member_id=m.id)

    visit(served[0], date(2026, 9, 30))
    visit(served[1], date(2026, 9, 30))
    visit(served[2], date(2026, 7, 1))
    visit(served[0], date(2026, 10, 1))
    visit(served[1], date(2026, 11, 20))
    q3 = party_members.compliance(session, user=world.users[Role.leader], quarter=Q3).set_index("name")
    q4 = party_members.compliance(session, user=world.users[Role.leader], quarter=Q4).set_index("name")
    assert set(q3.index) == {"王党员", "赵党员"}
    assert (q3.loc["王党员", "due"], q3.loc["王党员", "visited"], q3.loc["王党员", "compliant"]) == (3, 3, True)
    assert (q4.loc["王党员", "due"], q4.loc["王党员", "visited"], q4.loc["王党员", "compliant"]) == (3, 2, False)
    # assigned on 12-15, less than 30 days before the quarter ends: first due in 2027 Q1
    assert (q4.loc["赵党员", "due"], q4.loc["赵党员", "visited"], q4.loc["赵党员", "compliant"]) == (0, 0, True)
    visit(served[2], date(2026, 12, 31))
    q4 = party_members.compliance(session, user=world.users[Role.leader], quarter=Q4).set_index("name")
    assert q4.loc["王党员", "compliant"]
    assert party_members.compliance_figures(session, user=world.users[Role.supervisor], quarter=Q4) == {
        "compliant": 2, "members": 2, "units_below": 0, "units": 1}


def test_one_members_households_show_each_visit_and_what_is_due(world_session):
    session, world = world_session
    clerk = world.users[Role.clerk]
    served = [household(session, world, f"明细户{i}") for i in range(3)]
    m = member(session, world, "孙党员")
    party_members.assign(session, actor=clerk, member_id=m.id, household_ids=[h.id for h in served[:2]],
                         on=date(2026, 6, 1))
    party_members.assign(session, actor=clerk, member_id=m.id, household_ids=[h.id for h in served],
                         on=date(2026, 12, 20))
    households.record_visit(session, actor=clerk, household_id=served[0].id, visited_on=date(2026, 10, 9),
                            notes="党员入户走访。", now=NOW, party_member_id=m.id)
    households.record_visit(session, actor=clerk, household_id=served[0].id, visited_on=date(2026, 9, 9),
                            notes="上季度走访。", now=datetime(2026, 9, 9, 9), party_member_id=m.id)
    homes = party_members.member_households(session, user=world.users[Role.supervisor], member_id=m.id,
                                            quarter=Q4).set_index("head_name")
    assert homes.loc["明细户0", "visits"] == [date(2026, 10, 9)] and homes.loc["明细户1", "visits"] == []
    assert homes["due"].to_dict() == {"明细户0": True, "明细户1": True, "明细户2": False}
    with pytest.raises(DomainError, match="may not"):  # a leader sees the checks, not the households
        party_members.member_households(session, user=world.users[Role.leader], member_id=m.id, quarter=Q4)
