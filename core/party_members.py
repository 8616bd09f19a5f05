"""在职党员进社区 (S1 三进一诉 §三): serving party members of the county's units, registered with a
community. At least 40 % of each unit's serving members are key-selected (重点选派); the community
gives each key-selected member three households (五类户) to serve, and each of those is visited at
least once a quarter. Here: the register, the assignments, and the quarter's checks — each unit's
share, each member's three households, and each household's visit in the quarter.

A household assigned less than ASSIGNED_GRACE_DAYS before a quarter ends is first due the next
quarter. Names of party members are staff data (leaders see the checks); the households' names and
phones stay with core.households' readers."""
from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, func, select

from core import households
from core.auth import CurrentUser
from core.errors import DomainError
from core.intake import NAME_MAX, collect, normalize_phone, text_field
from core.models import Household, PartyMember, PartyMemberHousehold, Role, Unit, UnitKind, Visit

KEY_SHARE_MIN = 40  # % of a unit's serving members that are key-selected (S1: 原则上不少于 40%)
HOUSEHOLDS_EACH = 3  # households a key-selected member serves (S1: 每人分别安排3户)
ASSIGNED_GRACE_DAYS = 30
KEEPERS = households.KEEPERS
READERS = (*KEEPERS, Role.supervisor, Role.leader)
COMMUNITY_KINDS = (UnitKind.community, UnitKind.township, UnitKind.village)
WORK_UNIT_KINDS = (UnitKind.department, UnitKind.township, UnitKind.community, UnitKind.enterprise, UnitKind.county)


def _require(user: CurrentUser, roles) -> None:
    if not user.has(*roles):
        raise DomainError("error.permission")


def _unit(session: Session, unit_id: int | None, kinds, field: str) -> int:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None or unit.kind not in kinds:
        raise DomainError("error.fields_missing", field=field, fields=[field])
    return unit.id


def save_member(session: Session, *, actor: CurrentUser, name: str, unit_id: int | None, community_id: int | None,
                phone: str | None = None, key_selected: bool = False, active: bool = True,
                member_id: int | None = None) -> PartyMember:
    _require(actor, KEEPERS)
    member = session.get(PartyMember, member_id) if member_id is not None else None
    if member_id is not None and member is None:
        raise DomainError("error.party_member_not_found")
    v = collect({
        "name": lambda: text_field(name, "member_name", required=True, high=NAME_MAX),
        "phone": lambda: normalize_phone(phone),
        "work_unit_id": lambda: _unit(session, unit_id, WORK_UNIT_KINDS, "work_unit_id"),
        "community_id": lambda: _unit(session, community_id, COMMUNITY_KINDS, "community_id"),
    })
    values = {"name": v["name"], "phone": v["phone"], "unit_id": v["work_unit_id"], "community_id": v["community_id"],
              "key_selected": bool(key_selected), "active": bool(active)}
    if member is None:
        member = PartyMember(**values)
        session.add(member)
    else:
        if member.community_id != values["community_id"]:  # households belong to the community left behind
            _drop_assignments(session, member.id)
        for k, value in values.items():
            setattr(member, k, value)
    session.flush()
    return member


def _drop_assignments(session: Session, member_id: int) -> None:
    for row in session.exec(select(PartyMemberHousehold).where(PartyMemberHousehold.member_id == member_id)):
        session.delete(row)


def _in_community(session: Session, community_id: int) -> sa.ColumnElement[bool]:
    """Households of the community itself or of its villages (a 社区's 小区, a township's 村)."""
    return sa.or_(Household.village_id == community_id,
                  Household.village_id.in_(select(Unit.id).where(Unit.parent_id == community_id)))


def assign(session: Session, *, actor: CurrentUser, member_id: int, household_ids: list[int], on: date) -> None:
    """The households the member serves, at most three, all in their community; households kept
    from before keep their first day."""
    _require(actor, KEEPERS)
    member = session.get(PartyMember, member_id)
    if member is None or not member.active:
        raise DomainError("error.party_member_not_found")
    wanted = set(household_ids)
    if len(wanted) > HOUSEHOLDS_EACH:
        raise DomainError("error.party_member_too_many", field="household_ids", n=HOUSEHOLDS_EACH)
    fitting = set(session.exec(select(Household.id).where(Household.id.in_(wanted), Household.active == True,  # noqa: E712
                                                          _in_community(session, member.community_id))).all())
    if fitting != wanted:
        raise DomainError("error.party_member_household", field="household_ids")
    current = {row.household_id: row for row in session.exec(
        select(PartyMemberHousehold).where(PartyMemberHousehold.member_id == member.id))}
    for household_id, row in current.items():
        if household_id not in wanted:
            session.delete(row)
    for household_id in wanted - set(current):
        session.add(PartyMemberHousehold(member_id=member.id, household_id=household_id, assigned_on=on))
    session.flush()


def candidates(session: Session, *, user: CurrentUser, member_id: int) -> pd.DataFrame:
    """The households of the member's community the user may see, for the assignment."""
    member = session.get(PartyMember, member_id)
    frame = households.households_frame(session, user=user)
    inside = set(session.exec(select(Household.id).where(_in_community(session, member.community_id))).all())
    return frame[frame["id"].isin(inside)].reset_index(drop=True)


def serves(session: Session, member_id: int, household_id: int) -> bool:
    return session.get(PartyMemberHousehold, (member_id, household_id)) is not None


def members_frame(session: Session, *, user: CurrentUser) -> pd.DataFrame:
    _require(user, READERS)
    unit, community = sa.orm.aliased(Unit), sa.orm.aliased(Unit)
    served = (select(func.count()).select_from(PartyMemberHousehold)
              .where(PartyMemberHousehold.member_id == PartyMember.id).scalar_subquery())
    rows = session.exec(select(PartyMember.id, PartyMember.name, PartyMember.phone, unit.name.label("unit"),
                               community.name.label("community"), PartyMember.unit_id, PartyMember.community_id,
                               PartyMember.key_selected, PartyMember.active, served.label("households"))
                        .join(unit, unit.id == PartyMember.unit_id).join(community, community.id == PartyMember.community_id)
                        .order_by(unit.name, PartyMember.name)).all()
    return pd.DataFrame([dict(r._mapping) for r in rows],
                        columns=["id", "name", "phone", "unit", "community", "unit_id", "community_id", "key_selected",
                                 "active", "households"])


def unit_shares(session: Session, *, user: CurrentUser) -> pd.DataFrame:
    """Per unit: active serving members, key-selected ones, the share, and whether it is below 40 %."""
    frame = members_frame(session, user=user)
    frame = frame[frame["active"].astype(bool)]
    shares = frame.groupby(["unit_id", "unit"], as_index=False).agg(
        members=("id", "count"), key_selected=("key_selected", "sum"))
    shares["key_selected"] = shares["key_selected"].astype(int)
    shares["needed"] = shares["members"].map(lambda n: math.ceil(n * KEY_SHARE_MIN / 100))
    shares["share"] = shares["key_selected"] / shares["members"]
    shares["below"] = shares["key_selected"] < shares["needed"]
    return shares.sort_values(["below", "share"], ascending=[False, True]).reset_index(drop=True)


def due_in(assigned_on: date, quarter: tuple[date, date]) -> bool:
    """Whether a household assigned on that day must be visited in the quarter."""
    return assigned_on <= quarter[1] - timedelta(days=ASSIGNED_GRACE_DAYS)


def compliance(session: Session, *, user: CurrentUser, quarter: tuple[date, date]) -> pd.DataFrame:
    """Per active key-selected member: households served (should be 3), those due this quarter, those
    the member visited in it, and whether the member is compliant (3 served, every due one visited).
    A visit counts for the quarter of its date only: the last day of one quarter is not the next's."""
    _require(user, READERS)
    members = members_frame(session, user=user)
    members = members[members["active"].astype(bool) & members["key_selected"].astype(bool)].reset_index(drop=True)
    assigned = session.exec(select(PartyMemberHousehold.member_id, PartyMemberHousehold.household_id,
                                   PartyMemberHousehold.assigned_on)
                            .where(PartyMemberHousehold.member_id.in_(members["id"].tolist()))).all()
    visited = set(session.exec(select(Visit.party_member_id, Visit.household_id).where(
        Visit.party_member_id.in_(members["id"].tolist()), Visit.visited_on.between(*quarter)).distinct()).all())
    due: dict[int, list[int]] = {}
    done: dict[int, int] = {}
    for member_id, household_id, assigned_on in assigned:
        if due_in(assigned_on, quarter):
            due.setdefault(member_id, []).append(household_id)
            done[member_id] = done.get(member_id, 0) + ((member_id, household_id) in visited)
    members["due"] = members["id"].map(lambda i: len(due.get(i, [])))
    members["visited"] = members["id"].map(lambda i: done.get(i, 0))
    members["compliant"] = (members["households"] == HOUSEHOLDS_EACH) & (members["visited"] == members["due"])
    return members


def compliance_figures(session: Session, *, user: CurrentUser, quarter: tuple[date, date]) -> dict[str, int]:
    """For the dashboard: key-selected members compliant in the quarter, of all; units below 40 %, of all."""
    table = compliance(session, user=user, quarter=quarter)
    shares = unit_shares(session, user=user)
    return {"compliant": int(table["compliant"].sum()), "members": len(table),
            "units_below": int(shares["below"].sum()), "units": len(shares)}


def member_households(session: Session, *, user: CurrentUser, member_id: int,
                      quarter: tuple[date, date]) -> pd.DataFrame:
    """One member's households for the quarter: due or not yet, and the member's visits in it. Names
    of households: for core.households' readers only."""
    villages = households.villages_in_reach(session, user)
    rows = session.exec(select(Household.id, Household.head_name, Household.group_name, Unit.name.label("village"),
                               PartyMemberHousehold.assigned_on)
                        .join(PartyMemberHousehold, PartyMemberHousehold.household_id == Household.id)
                        .join(Unit, Unit.id == Household.village_id)
                        .where(PartyMemberHousehold.member_id == member_id,
                               sa.true() if villages is None else Household.village_id.in_(villages))
                        .order_by(Household.id)).all()
    visits: dict[int, list[date]] = {}
    for household_id, day in session.exec(select(Visit.household_id, Visit.visited_on).where(
            Visit.party_member_id == member_id, Visit.visited_on.between(*quarter)).order_by(Visit.visited_on)):
        visits.setdefault(household_id, []).append(day)
    return pd.DataFrame([{"id": r.id, "village": r.village, "group_name": r.group_name, "head_name": r.head_name,
                          "assigned_on": r.assigned_on, "due": due_in(r.assigned_on, quarter),
                          "visits": visits.get(r.id, [])} for r in rows],
                        columns=["id", "village", "group_name", "head_name", "assigned_on", "due", "visits"])
