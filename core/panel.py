"""民事民议 (S1 三进一诉 §四.3): a pool of citizens' representatives (群众议事代表: deputies, experts,
respected people, residents); for a dispute the center draws a panel (评理团) at random, leaving
out the parties and anyone with a conflict; the hearing's statements and the panel's vote go into
the case's record.

The draw can be checked by anyone: the pool as it stood (ids, sorted), who was left out and why,
and the seed are kept, and `random.Random(f"{seed}:{case_id}").sample(eligible, size)` gives the
same panel again. Representatives' phones are for the center only."""
from __future__ import annotations

import random
import secrets
from datetime import date, datetime

import pandas as pd
from sqlmodel import Session, select

from core import services
from core.auth import CurrentUser
from core.errors import DomainError
from core.intake import NAME_MAX, collect, normalize_phone, text_field
from core.models import (Case, CaseAction, PanelDraw, PanelSeat, PanelVote, Representative, RepresentativeKind, Role,
                         Unit, UnitKind)

KEEPERS = (Role.clerk, Role.admin)  # the 群众诉求服务中心 keeps the pool, draws and records
READERS = (*KEEPERS, Role.supervisor, Role.leader)
SIZE_MIN, SIZE_MAX = 3, 21
PARTY, CONFLICT = "party", "conflict"
STATEMENTS_MAX, CONCLUSION_MAX, REASON_MAX = 4000, 1000, 100


def _require(user: CurrentUser, roles) -> None:
    if not user.has(*roles):
        raise DomainError("error.permission")


def save_representative(session: Session, *, actor: CurrentUser, name: str, kind: RepresentativeKind | str,
                        phone: str | None = None, township_id: int | None = None, active: bool = True,
                        representative_id: int | None = None) -> Representative:
    _require(actor, KEEPERS)
    row = session.get(Representative, representative_id) if representative_id is not None else None

    def township() -> int | None:
        if township_id is None:
            return None
        unit = session.get(Unit, township_id)
        if unit is None or unit.kind not in (UnitKind.township, UnitKind.community):
            raise DomainError("error.fields_missing", field="township_id", fields=["township_id"])
        return unit.id

    def member_kind() -> RepresentativeKind:
        try:
            return RepresentativeKind(kind)
        except ValueError:
            raise DomainError("error.fields_missing", field="kind", fields=["kind"]) from None

    v = collect({"name": lambda: text_field(name, "member_name", required=True, high=NAME_MAX),
                 "phone": lambda: normalize_phone(phone), "kind": member_kind, "township_id": township})
    if row is None:
        row = Representative(**v, active=bool(active))
        session.add(row)
    else:
        for k, value in {**v, "active": bool(active)}.items():
            setattr(row, k, value)
    session.flush()
    return row


def representatives(session: Session, *, user: CurrentUser) -> pd.DataFrame:
    _require(user, READERS)
    town = {u.id: u.name for u in session.exec(select(Unit).where(Unit.kind.in_([UnitKind.township,
                                                                                 UnitKind.community])))}
    phones = user.has(*KEEPERS)
    rows = session.exec(select(Representative).order_by(Representative.township_id, Representative.name)).all()
    return pd.DataFrame([{"id": r.id, "name": r.name, "phone": (r.phone or "") if phones else "", "kind": r.kind,
                          "township": town.get(r.township_id, ""), "active": r.active} for r in rows],
                        columns=["id", "name", "phone", "kind", "township", "active"])


def pool(session: Session, township_id: int | None) -> list[int]:
    """The active representatives a panel is drawn from: of the township, or of the whole county."""
    query = select(Representative.id).where(Representative.active == True)  # noqa: E712
    if township_id is not None:
        query = query.where(Representative.township_id == township_id)
    return sorted(session.exec(query).all())


def parties(session: Session, case: Case, candidates: list[int]) -> set[int]:
    """Representatives who are themselves a party: the reporter, by phone or by name."""
    rows = session.exec(select(Representative).where(Representative.id.in_(candidates))).all() if candidates else []
    return {r.id for r in rows if (case.reporter_phone and r.phone == case.reporter_phone)
            or (case.reporter_name and r.name == case.reporter_name.strip())}


def seats_for(seed: int, case_id: int, pool_ids: list[int], excluded: dict, size: int) -> list[int]:
    """The panel a seed gives: the same inputs, the same seats, on any machine."""
    eligible = [i for i in sorted(pool_ids) if str(i) not in excluded]
    return sorted(random.Random(f"{seed}:{case_id}").sample(eligible, size))


def draw(session: Session, *, actor: CurrentUser, case_id: int, size: int, now: datetime,
         conflicts: dict[int, str] | None = None, township_only: bool = False, seed: int | None = None) -> PanelDraw:
    """Draws the case's panel once. `conflicts` names representatives with a stake (kin, neighbours,
    business) and why; the parties are found and left out too."""
    _require(actor, KEEPERS)
    case = session.get(Case, case_id)
    if case is None:
        raise DomainError("error.case_not_found")
    if session.exec(select(PanelDraw).where(PanelDraw.case_id == case.id)).first() is not None:
        raise DomainError("error.panel_drawn")
    if not SIZE_MIN <= int(size) <= SIZE_MAX:
        raise DomainError("error.panel_size", field="size", low=SIZE_MIN, high=SIZE_MAX)
    township_id = case.township_id if township_only else None
    pool_ids = pool(session, township_id)
    excluded = {str(i): PARTY for i in parties(session, case, pool_ids)}
    for rep_id, reason in (conflicts or {}).items():
        if int(rep_id) in pool_ids and str(rep_id) not in excluded:
            why = text_field(reason, "reason", required=True, high=REASON_MAX)
            excluded[str(rep_id)] = f"{CONFLICT}: {why}"
    if len(pool_ids) - len(excluded) < int(size):
        raise DomainError("error.panel_pool_small", n=len(pool_ids) - len(excluded), size=int(size))
    row = PanelDraw(case_id=case.id, size=int(size), seed=secrets.randbelow(2**31) if seed is None else seed,
                    township_id=township_id, pool=pool_ids, excluded=excluded, drawn_at=now, drawn_by_id=actor.id)
    session.add(row)
    session.flush()
    seats = seats_for(row.seed, case.id, pool_ids, excluded, row.size)
    for rep_id in seats:
        session.add(PanelSeat(draw_id=row.id, representative_id=rep_id))
    services.note(session, case, actor=actor, action=CaseAction.panel_draw, now=now,
                  details={"draw": row.id, "seed": row.seed, "size": row.size, "pool": len(pool_ids),
                           "excluded": len(excluded), "panel": _names(session, seats)})
    session.flush()
    return row


def _names(session: Session, ids: list[int]) -> list[str]:
    names = dict(session.exec(select(Representative.id, Representative.name).where(Representative.id.in_(ids))).all())
    return [names[i] for i in ids]


def verify(session: Session, row: PanelDraw) -> bool:
    """Does the seed, with the pool and exclusions on file, give exactly the seats on file?"""
    on_file = sorted(session.exec(select(PanelSeat.representative_id).where(PanelSeat.draw_id == row.id)).all())
    return seats_for(row.seed, row.case_id, row.pool, row.excluded, row.size) == on_file


def of_case(session: Session, *, user: CurrentUser, case_id: int) -> tuple[PanelDraw, pd.DataFrame] | None:
    """The case's panel with its seats (names; phones for the center) and votes, or None."""
    _require(user, READERS)
    row = session.exec(select(PanelDraw).where(PanelDraw.case_id == case_id)).first()
    if row is None:
        return None
    seats = session.exec(select(PanelSeat, Representative).join(Representative, Representative.id ==
                                                                 PanelSeat.representative_id)
                         .where(PanelSeat.draw_id == row.id).order_by(Representative.name)).all()
    phones = user.has(*KEEPERS)
    return row, pd.DataFrame([{"id": r.id, "name": r.name, "kind": r.kind, "phone": (r.phone or "") if phones else "",
                               "vote": seat.vote} for seat, r in seats],
                             columns=["id", "name", "kind", "phone", "vote"])


def record_hearing(session: Session, *, actor: CurrentUser, case_id: int, held_on: date, statements: str,
                   votes: dict[int, PanelVote | str], conclusion: str, now: datetime) -> PanelDraw:
    """评理大会: what the sides said, each seated representative's vote (or absence), and the
    panel's finding, once; the tally goes into the case's record."""
    _require(actor, KEEPERS)
    row = session.exec(select(PanelDraw).where(PanelDraw.case_id == case_id)).first()
    if row is None:
        raise DomainError("error.panel_none")
    if row.heard_on is not None:
        raise DomainError("error.panel_heard", day=row.heard_on.isoformat())
    seats = {s.representative_id: s for s in session.exec(select(PanelSeat).where(PanelSeat.draw_id == row.id))}

    def day() -> date:
        if held_on is None or held_on > now.date() or held_on < row.drawn_at.date():
            raise DomainError("error.panel_day", field="held_on", drawn=row.drawn_at.date().isoformat())
        return held_on

    def ballots() -> dict[int, PanelVote]:
        try:
            given = {int(k): PanelVote(v) for k, v in (votes or {}).items() if v}
        except ValueError:
            raise DomainError("error.panel_votes", field="votes") from None
        if set(given) != set(seats):
            raise DomainError("error.panel_votes", field="votes")
        return given

    v = collect({"held_on": day, "votes": ballots,
                 "statements": lambda: text_field(statements, "statements", required=True, high=STATEMENTS_MAX),
                 "conclusion": lambda: text_field(conclusion, "conclusion", required=True, high=CONCLUSION_MAX)})
    for rep_id, vote in v["votes"].items():
        seats[rep_id].vote = vote
    row.heard_on = v["held_on"]
    tally = {str(k): sum(1 for vote in v["votes"].values() if vote == k) for k in PanelVote}
    services.note(session, session.get(Case, case_id), actor=actor, action=CaseAction.panel_hearing, now=now,
                  details={"draw": row.id, "held_on": row.heard_on.isoformat(), "tally": tally,
                           "statements": v["statements"], "conclusion": v["conclusion"]})
    session.flush()
    return row
