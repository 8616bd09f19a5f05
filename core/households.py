"""一户一档 (S1 一户一卡, S2 part 3, S3): the households on file in each village with their categories,
the visits made to them (民情日记: who went, when, what was heard) and the cases that came of them;
a visit's note becomes a case in one click; the 五必访 checklist per village and quarter (S3: every
must-visit household visited at least once a quarter).

Who sees what — a household's head, phone, address and the visitors' notes are personal data:
- the center (clerk) and the admin keep the whole county's file (and import it);
- a liaison keeps and visits the households of their own station, and sees no other;
- the supervision office reads every household (it checks the visits) and changes nothing;
- leaders and the dashboard get figures only (coverage), handling units nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, func, select

from core import services
from core.auth import CurrentUser
from core.db import id_chunks
from core.errors import DomainError
from core.intake import CONTENT_MAX, CONTENT_MIN, NAME_MAX, collect, normalize_phone, text_field
from core.ledger import visible_cases
from core.workbook import enum_value
from core.models import (Case, Channel, Household, HouseholdCategory as HC, HouseholdTag, Liaison, LinkLeader,
                         PartyMember, PartyMemberHousehold, Role, Unit, UnitKind, Visit)

KEEPERS = (Role.clerk, Role.admin)  # the whole county's file
SPOT_CHECKERS = (Role.clerk, Role.supervisor)  # 抽查 the 片组户 links
LINKED_MAX = 5  # households a link leader keeps in touch with (片组户)
READERS = (*KEEPERS, Role.supervisor, Role.liaison)
FIVE_KINDS = (HC.assisted, HC.three_nos, HC.empty_nest, HC.petitioner, HC.representative)  # S1 五类户
MUST_VISIT = (HC.extreme_poverty, HC.old_party_member, HC.left_behind, HC.lonely_elder, HC.big_grower,
              HC.appellant)  # S3 五必访
KEY_PERSONS = (HC.subsistence, HC.disabled, HC.living_alone, HC.single_parent, HC.illness_poverty,
               HC.mental_disorder, HC.migrant_worker)  # S2 重点人员
GROUP_MAX, ADDRESS_MAX, NOTES_MAX, VISIT_NOTES_MAX, MEMBERS_MAX = 40, 200, 500, 2000, 30
VISIT_BACKDATE_DAYS = 92  # a diary written up late: at most a quarter back
HOUSEHOLD_VILLAGE_KINDS = (UnitKind.village, UnitKind.community)


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter holding `day`: (first day, last day)."""
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = date(start.year + (start.month == 10), 1 if start.month == 10 else start.month + 3, 1)
    return start, following - timedelta(days=1)


def station_of(session: Session, user: CurrentUser) -> int | None:
    if user.liaison_id is None:
        return None
    return session.exec(select(Liaison.station_id).where(Liaison.id == user.liaison_id)).first()


def villages_in_reach(session: Session, user: CurrentUser) -> list[int] | None:
    """The villages whose households the user may read: None for the whole county."""
    if user.has(*KEEPERS, Role.supervisor):
        return None
    if user.has(Role.liaison) and (station := station_of(session, user)) is not None:
        return [station]
    raise DomainError("error.permission")


def _may_write(session: Session, user: CurrentUser, village_id: int) -> bool:
    return user.has(*KEEPERS) or (user.has(Role.liaison) and station_of(session, user) == village_id)


def _reach_clause(session: Session, user: CurrentUser) -> sa.ColumnElement[bool]:
    villages = villages_in_reach(session, user)
    return sa.true() if villages is None else Household.village_id.in_(villages)


def _household(session: Session, user: CurrentUser, household_id: int, *, write: bool = False) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise DomainError("error.household_not_found")
    villages = villages_in_reach(session, user)
    if villages is not None and household.village_id not in villages:
        raise DomainError("error.household_not_found")  # another station's: as if it were not there
    if write and not _may_write(session, user, household.village_id):
        raise DomainError("error.permission")
    return household


def _village(session: Session, village_id: int | None) -> int:
    unit = session.get(Unit, village_id) if village_id is not None else None
    if unit is None or unit.kind not in HOUSEHOLD_VILLAGE_KINDS:
        raise DomainError("error.fields_missing", field="village_id", fields=["village_id"])
    return unit.id


def _members(value) -> int:
    try:
        members = int(value)
    except (TypeError, ValueError):
        raise DomainError("error.household_members", field="members", n=MEMBERS_MAX) from None
    if not 1 <= members <= MEMBERS_MAX:
        raise DomainError("error.household_members", field="members", n=MEMBERS_MAX)
    return members


def _categories(values) -> list[HC]:
    """Members, codes or labels in either language (a workbook's cells)."""
    found = set()
    for value in values or ():
        try:
            found.add(enum_value(HC, value))
        except DomainError:
            raise DomainError("error.household_category_named", field="categories", value=str(value)) from None
    return sorted(found, key=list(HC).index)


def save_household(session: Session, *, actor: CurrentUser, village_id: int | None, head_name: str,
                   phone: str | None = None, address: str | None = None, group_name: str | None = None,
                   members=1, categories=(), notes: str | None = None, active: bool = True,
                   household_id: int | None = None) -> tuple[Household, bool]:
    """Create or change a household on file: (household, changed). Every refused field is reported
    at once; the same head with the same phone in the same village is one household, not two."""
    if not actor.has(*KEEPERS, Role.liaison):
        raise DomainError("error.permission")
    existing = _household(session, actor, household_id, write=True) if household_id is not None else None
    v = collect({
        "village_id": lambda: _village(session, village_id),
        "head_name": lambda: text_field(head_name, "head_name", required=True, high=NAME_MAX),
        "phone": lambda: normalize_phone(phone),
        "address": lambda: text_field(address, "home_address", required=False, high=ADDRESS_MAX) or "",
        "group_name": lambda: text_field(group_name, "group_name", required=False, high=GROUP_MAX) or "",
        "members": lambda: _members(members),
        "categories": lambda: _categories(categories),
        "notes": lambda: text_field(notes, "notes", required=False, high=NOTES_MAX) or "",
    })
    if not _may_write(session, actor, v["village_id"]):
        raise DomainError("error.permission")
    twin = session.exec(select(Household.id).where(
        Household.village_id == v["village_id"], Household.head_name == v["head_name"],
        Household.phone == v["phone"] if v["phone"] else Household.phone.is_(None),
        Household.id != (existing.id if existing else -1))).first()
    if twin is not None:
        raise DomainError("error.household_exists", field="head_name")
    tags = v.pop("categories")
    values = {**v, "active": bool(active)}
    if existing is None:
        household = Household(**values)
        session.add(household)
        session.flush()
        changed = True
    else:
        household = existing
        changed = any(getattr(household, k) != value for k, value in values.items())
        if household.village_id != values["village_id"]:
            household.link_leader_id = None  # its link leader keeps to the village it left
        for k, value in values.items():
            setattr(household, k, value)
    had = set(session.exec(select(HouseholdTag.category).where(HouseholdTag.household_id == household.id)).all())
    if had != set(tags):
        changed = True
        for tag in had - set(tags):
            session.delete(session.get(HouseholdTag, (household.id, tag)))
        for tag in set(tags) - had:
            session.add(HouseholdTag(household_id=household.id, category=tag))
    session.flush()
    return household, changed


def tags_of(session: Session, household_ids: list[int]) -> dict[int, list[HC]]:
    out: dict[int, list[HC]] = {i: [] for i in household_ids}
    for chunk in id_chunks(HouseholdTag.household_id, household_ids):
        for hid, tag in session.exec(select(HouseholdTag.household_id, HouseholdTag.category).where(chunk)):
            out[hid].append(HC(tag))
    order = list(HC).index
    return {hid: sorted(tags, key=order) for hid, tags in out.items()}


@dataclass(frozen=True)
class HouseholdFilter:
    township_id: int | None = None
    village_id: int | None = None
    category: str | None = None
    text: str = ""
    include_inactive: bool = False


def households_frame(session: Session, *, user: CurrentUser, filters: HouseholdFilter = HouseholdFilter(),
                     quarter: tuple[date, date] | None = None) -> pd.DataFrame:
    """The households the user may read, with their categories, the number of visits and the last
    one, and (when `quarter` is given) the visits in that quarter."""
    village = sa.orm.aliased(Unit)
    town = sa.orm.aliased(Unit)
    last_visit = select(func.max(Visit.visited_on)).where(Visit.household_id == Household.id).scalar_subquery()
    visits = select(func.count()).select_from(Visit).where(Visit.household_id == Household.id).scalar_subquery()
    columns = [Household.id, town.name.label("township"), village.name.label("village"), Household.group_name,
               Household.head_name, Household.phone, Household.address, Household.members, Household.notes,
               Household.active,
               visits.label("visits"), last_visit.label("last_visit")]
    if quarter is not None:
        columns.append(select(func.count()).select_from(Visit).where(
            Visit.household_id == Household.id, Visit.visited_on.between(*quarter)).scalar_subquery().label("in_quarter"))
    query = (select(*columns).join(village, village.id == Household.village_id)
             .join(town, town.id == village.parent_id, isouter=True).where(_reach_clause(session, user)))
    if not filters.include_inactive:
        query = query.where(Household.active == True)  # noqa: E712
    if filters.village_id is not None:
        query = query.where(Household.village_id == filters.village_id)
    elif filters.township_id is not None:
        query = query.where(village.parent_id == filters.township_id)
    if filters.category:
        query = query.where(Household.id.in_(select(HouseholdTag.household_id)
                                             .where(HouseholdTag.category == HC(filters.category))))
    if text := " ".join(filters.text.split())[:40]:
        like = f"%{text}%"
        query = query.where(sa.or_(Household.head_name.like(like), Household.phone.like(like),
                                   Household.address.like(like), Household.group_name.like(like)))
    rows = session.exec(query.order_by(town.name, village.name, Household.group_name, Household.head_name)).all()
    frame = pd.DataFrame([dict(r._mapping) for r in rows], columns=[c.key for c in columns])
    tags = tags_of(session, frame["id"].tolist())
    frame["categories"] = [tags[i] for i in frame["id"]]
    return frame


def members_of(session: Session, household_id: int) -> list[PartyMember]:
    """The serving party members who serve a household (core.party_members): who may be named as a
    visit's visitor."""
    return session.exec(select(PartyMember).join(PartyMemberHousehold, PartyMemberHousehold.member_id == PartyMember.id)
                        .where(PartyMemberHousehold.household_id == household_id, PartyMember.active == True)  # noqa: E712
                        .order_by(PartyMember.name)).all()


@dataclass
class HouseholdFile:
    household: Household
    village: str
    township: str
    categories: list[HC]
    visits: list[Visit]
    cases: pd.DataFrame  # the cases it reported or a visit turned into, that the user may see
    may_write: bool
    members: list[PartyMember]  # the party members who serve it
    link_leader: LinkLeader | None  # its 联户长 (片组户)


def household_file(session: Session, *, user: CurrentUser, household_id: int) -> HouseholdFile:
    """一户一档: the household with its categories, every visit (newest first) and its cases."""
    household = _household(session, user, household_id)
    village = session.get(Unit, household.village_id)
    township = session.get(Unit, village.parent_id) if village.parent_id else None
    visits = session.exec(select(Visit).where(Visit.household_id == household.id)
                          .order_by(Visit.visited_on.desc(), Visit.id.desc())).all()
    linked = [v.case_id for v in visits if v.case_id is not None]
    own = [Case.id.in_(linked)] if linked else []
    if household.phone:
        own.append(Case.reporter_phone == household.phone)
    cases = pd.DataFrame(columns=["id", "tracking_code", "title", "status", "received_at", "closed_at"])
    if own:
        rows = session.exec(select(Case.id, Case.tracking_code, Case.title, Case.status, Case.received_at,
                                   Case.closed_at).where(sa.or_(*own), visible_cases(user))
                            .order_by(Case.received_at.desc()).limit(200)).all()
        cases = pd.DataFrame([dict(r._mapping) for r in rows], columns=cases.columns)
    return HouseholdFile(household=household, village=village.name, township=township.name if township else "",
                         categories=tags_of(session, [household.id])[household.id], visits=list(visits),
                         cases=cases, may_write=_may_write(session, user, household.village_id),
                         members=members_of(session, household.id),
                         link_leader=session.get(LinkLeader, household.link_leader_id) if household.link_leader_id else None)


def record_visit(session: Session, *, actor: CurrentUser, household_id: int, visited_on: date, notes: str,
                 now: datetime, party_member_id: int | None = None, spot_check: bool = False) -> Visit:
    """民情日记: a visit to a household and what was heard, written down by the actor; made by the
    actor, or by a party member who serves the household (core.party_members). A spot check (抽查)
    is the center's or the supervision office's own visit to see that the 片组户 link works."""
    if spot_check and not actor.has(*SPOT_CHECKERS):
        raise DomainError("error.permission")
    household = _household(session, actor, household_id, write=not spot_check)
    if not household.active:
        raise DomainError("error.household_inactive")
    visitor = actor.display_name[:40]
    if party_member_id is not None:
        member = session.get(PartyMember, party_member_id)
        if member is None or session.get(PartyMemberHousehold, (party_member_id, household.id)) is None:
            raise DomainError("error.party_member_household", field="party_member_id")
        visitor = member.name

    def day() -> date:
        if visited_on is None:
            raise DomainError("error.fields_missing", field="visited_on", fields=["visited_on"])
        if visited_on > now.date():
            raise DomainError("error.future_date", field="visited_on")
        if visited_on < now.date() - timedelta(days=VISIT_BACKDATE_DAYS):
            raise DomainError("error.visit_too_old", field="visited_on", n=VISIT_BACKDATE_DAYS)
        return visited_on

    v = collect({"visited_on": day,
                 "notes": lambda: text_field(notes, "notes", required=True, low=CONTENT_MIN, high=VISIT_NOTES_MAX)})
    visit = Visit(household_id=household.id, visitor_id=actor.id, visitor_name=visitor, party_member_id=party_member_id,
                  visited_on=v["visited_on"], notes=v["notes"], spot_check=bool(spot_check))
    session.add(visit)
    session.flush()
    return visit


def visit_to_case(session: Session, *, actor: CurrentUser, visit_id: int, now: datetime,
                  content: str | None = None) -> Case:
    """What was heard on a visit becomes a case in one click: registered through the visit channel
    in the household head's name and phone, at its village, and linked to the visit."""
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise DomainError("error.household_not_found")
    household = _household(session, actor, visit.household_id, write=True)
    if visit.case_id is not None:
        raise DomainError("error.visit_has_case", code=session.get(Case, visit.case_id).tracking_code)
    text = text_field(content if content is not None else visit.notes, "content", required=True, low=CONTENT_MIN,
                      high=CONTENT_MAX)
    village = session.get(Unit, household.village_id)
    case = services.register(session, actor=actor, now=now, channel=Channel.visit, content=text,
                             reporter_name=household.head_name, reporter_phone=household.phone,
                             reporter_address=" ".join(p for p in (household.group_name, household.address) if p) or None,
                             township_id=village.parent_id, village_id=village.id)
    visit.case_id = case.id
    session.flush()
    return case


def must_visit_ids(session: Session, *, township_id: int | None = None, village_id: int | None = None) -> sa.Select:
    """Active households with at least one 五必访 category, in a township or village."""
    query = (select(Household.id).join(HouseholdTag, HouseholdTag.household_id == Household.id)
             .where(HouseholdTag.category.in_(MUST_VISIT), Household.active == True).distinct())  # noqa: E712
    if village_id is not None:
        query = query.where(Household.village_id == village_id)
    elif township_id is not None:
        query = query.where(Household.village_id.in_(select(Unit.id).where(Unit.parent_id == township_id)))
    return query


def coverage(session: Session, *, quarter: tuple[date, date], township_id: int | None = None) -> tuple[int, int]:
    """五必访 coverage, a figure with no personal data: (must-visit households visited at least
    once in the quarter, all must-visit households on file)."""
    ids = must_visit_ids(session, township_id=township_id).subquery()
    total = session.exec(select(func.count()).select_from(ids)).one()
    visited = session.exec(select(func.count(func.distinct(Visit.household_id)))
                           .where(Visit.household_id.in_(select(ids.c.id)), Visit.visited_on.between(*quarter))).one()
    return visited, total


def checklist(session: Session, *, user: CurrentUser, quarter: tuple[date, date], township_id: int | None = None,
              village_id: int | None = None) -> pd.DataFrame:
    """五必访 still to do: the must-visit households the user may read with no visit in the quarter."""
    frame = households_frame(session, user=user, filters=HouseholdFilter(township_id=township_id, village_id=village_id),
                             quarter=quarter)
    due = frame["categories"].map(lambda tags: any(t in MUST_VISIT for t in tags)) & (frame["in_quarter"] == 0)
    return frame[due].reset_index(drop=True)


# ---- 片组户: link leaders and their households ------------------------------------------------------

def save_link_leader(session: Session, *, actor: CurrentUser, village_id: int | None, name: str,
                     group_name: str | None = None, phone: str | None = None, active: bool = True,
                     leader_id: int | None = None, household_ids: list[int] | None = None) -> LinkLeader:
    """A group's 联户长, kept by the center or by the village's liaison; with `household_ids`, the
    households they keep in touch with (see link)."""
    row = session.get(LinkLeader, leader_id) if leader_id is not None else None
    v = collect({
        "village_id": lambda: _village(session, village_id),
        "name": lambda: text_field(name, "member_name", required=True, high=NAME_MAX),
        "group_name": lambda: text_field(group_name, "group_name", required=False, high=GROUP_MAX) or "",
        "phone": lambda: normalize_phone(phone),
    })
    if not _may_write(session, actor, v["village_id"]) or (row is not None and
                                                         not _may_write(session, actor, row.village_id)):
        raise DomainError("error.permission")
    if row is None:
        row = LinkLeader(**v, active=bool(active))
        session.add(row)
    else:
        if row.village_id != v["village_id"]:  # its households stay in the village it left
            for household in session.exec(select(Household).where(Household.link_leader_id == row.id)):
                household.link_leader_id = None
        for k, value in {**v, "active": bool(active)}.items():
            setattr(row, k, value)
    session.flush()
    if household_ids is not None:
        link(session, actor=actor, leader_id=row.id, household_ids=household_ids)
    return row


def link(session: Session, *, actor: CurrentUser, leader_id: int, household_ids: list[int]) -> None:
    """The households a link leader keeps in touch with: at most five, of the leader's village; a
    household has one link leader, so linking it here unlinks it from another."""
    leader = session.get(LinkLeader, leader_id)
    if leader is None or not leader.active:
        raise DomainError("error.link_leader_not_found")
    if not _may_write(session, actor, leader.village_id):
        raise DomainError("error.permission")
    wanted = set(household_ids)
    if len(wanted) > LINKED_MAX:
        raise DomainError("error.link_too_many", field="household_ids", n=LINKED_MAX)
    rows = session.exec(select(Household).where(Household.id.in_(wanted))).all() if wanted else []
    if len(rows) != len(wanted) or any(h.village_id != leader.village_id or not h.active for h in rows):
        raise DomainError("error.link_household", field="household_ids")
    for household in session.exec(select(Household).where(Household.link_leader_id == leader.id)):
        if household.id not in wanted:
            household.link_leader_id = None
    for household in rows:
        household.link_leader_id = leader.id
    session.flush()


def link_leaders(session: Session, *, user: CurrentUser, quarter: tuple[date, date], township_id: int | None = None,
                 village_id: int | None = None) -> pd.DataFrame:
    """片组户 per link leader: the households linked (at most five) and how many of them the center or
    the supervision office spot-checked in the quarter."""
    village, town = sa.orm.aliased(Unit), sa.orm.aliased(Unit)
    linked = (select(func.count()).select_from(Household)
              .where(Household.link_leader_id == LinkLeader.id, Household.active == True)  # noqa: E712
              .scalar_subquery())
    checked = (select(func.count(func.distinct(Visit.household_id))).join(Household, Household.id == Visit.household_id)
               .where(Household.link_leader_id == LinkLeader.id, Visit.spot_check == True,  # noqa: E712
                      Visit.visited_on.between(*quarter)).scalar_subquery())
    query = (select(LinkLeader.id, town.name.label("township"), village.name.label("village"), LinkLeader.group_name,
                    LinkLeader.name, LinkLeader.phone, LinkLeader.village_id, linked.label("linked"),
                    checked.label("spot_checked"))
             .join(village, village.id == LinkLeader.village_id).join(town, town.id == village.parent_id, isouter=True)
             .where(LinkLeader.active == True))  # noqa: E712
    reach = villages_in_reach(session, user)
    if reach is not None:
        query = query.where(LinkLeader.village_id.in_(reach))
    if village_id is not None:
        query = query.where(LinkLeader.village_id == village_id)
    elif township_id is not None:
        query = query.where(village.parent_id == township_id)
    rows = session.exec(query.order_by(town.name, village.name, LinkLeader.group_name, LinkLeader.name)).all()
    return pd.DataFrame([dict(r._mapping) for r in rows],
                        columns=["id", "township", "village", "group_name", "name", "phone", "village_id", "linked",
                                 "spot_checked"])
