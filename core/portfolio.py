"""Leaders' portfolios (分管 categories, 包联 townships) and the owner (包案领导) they give a case."""
from __future__ import annotations

from sqlmodel import Session, select

from core.models import Leader, LeaderPortfolio


def of_leader(session: Session, leader_id: int) -> tuple[list[int], list[int]]:
    """(category ids, township ids) of a leader's portfolio (分管 / 包联)."""
    rows = session.exec(select(LeaderPortfolio).where(LeaderPortfolio.leader_id == leader_id)).all()
    return ([r.category_id for r in rows if r.category_id is not None],
            [r.township_id for r in rows if r.township_id is not None])


def set_portfolio(session: Session, leader_id: int, categories: list[int], townships: list[int]) -> bool:
    wanted = {("c", c) for c in categories} | {("t", t) for t in townships}
    rows = session.exec(select(LeaderPortfolio).where(LeaderPortfolio.leader_id == leader_id)).all()
    have = {(("c", r.category_id) if r.category_id is not None else ("t", r.township_id)): r for r in rows}
    for key in have.keys() - wanted:
        session.delete(have[key])
    for kind, ref in wanted - have.keys():
        session.add(LeaderPortfolio(leader_id=leader_id, category_id=ref if kind == "c" else None,
                                    township_id=ref if kind == "t" else None))
    return wanted != have.keys()


def owner_for(session: Session, *, category_id: int | None, township_id: int | None) -> int | None:
    """The leader a case is owned by (包案) when nobody chose one: the leader in charge of both its
    category and its township, else of its category (分管), else linked to its township (包联);
    among equals the first in rotation order. Why: S4 groups the ten-day digest by leaders'
    portfolios and each leader answers for their fields and places."""
    if category_id is None and township_id is None:
        return None
    rows = session.exec(select(LeaderPortfolio.leader_id, LeaderPortfolio.category_id, LeaderPortfolio.township_id)
                        .join(Leader, Leader.id == LeaderPortfolio.leader_id)
                        .where(Leader.active == True)  # noqa: E712
                        .order_by(Leader.rotation_order, Leader.id)).all()
    by_category = [lid for lid, c, _t in rows if c is not None and c == category_id]
    by_township = [lid for lid, _c, t in rows if t is not None and t == township_id]
    both = [lid for lid in by_category if lid in by_township]
    return next(iter(both or by_category or by_township), None)
