"""The liaison network read side: units tree, leaders, liaisons (staff contact cards)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from core.models import Category, Leader, Liaison, Unit, UnitKind


def units_frame(session: Session) -> pd.DataFrame:
    parent = aliased(Unit)
    rows = session.exec(
        select(Unit.id, Unit.name, Unit.kind, Unit.code, parent.name.label("parent"), Unit.active)
        .outerjoin(parent, parent.id == Unit.parent_id).order_by(Unit.kind, Unit.sort_order, Unit.id)
    ).mappings().all()
    return pd.DataFrame(rows)


def unit_counts(session: Session) -> dict[str, int]:
    rows = session.exec(select(Unit.kind, func.count()).group_by(Unit.kind)).all()
    return {str(kind): n for kind, n in rows}


def leaders_frame(session: Session) -> pd.DataFrame:
    rows = session.exec(select(Leader.name, Leader.title, Leader.duties, Leader.rotation_order)
                        .order_by(Leader.rotation_order)).mappings().all()
    return pd.DataFrame(rows)


def liaisons_frame(session: Session) -> pd.DataFrame:
    station, township = aliased(Unit), aliased(Unit)
    rows = session.exec(
        select(Liaison.name, Liaison.phone, station.name.label("station"), township.name.label("township"),
               Liaison.source, Liaison.appointment_no, Liaison.appointed_on)
        .join(station, station.id == Liaison.station_id)
        .outerjoin(township, township.id == station.parent_id)
        .order_by(township.sort_order, station.sort_order, Liaison.id)
    ).mappings().all()
    return pd.DataFrame(rows)


def leaders(session: Session) -> list[Leader]:
    return session.exec(select(Leader).order_by(Leader.rotation_order)).all()


def townships(session: Session) -> list[Unit]:
    return session.exec(select(Unit).where(Unit.kind.in_([UnitKind.township, UnitKind.community]))
                        .order_by(Unit.sort_order)).all()


def villages(session: Session, township_id: int) -> list[Unit]:
    return session.exec(select(Unit).where(Unit.parent_id == township_id, Unit.kind.in_(
        [UnitKind.village, UnitKind.community])).order_by(Unit.sort_order, Unit.id)).all()


def categories(session: Session) -> list[Category]:
    return session.exec(select(Category).where(Category.active == True).order_by(Category.sort_order)).all()  # noqa: E712


def handling_units(session: Session) -> list[Unit]:
    """Units a handling-unit account may belong to (everything but groups)."""
    return session.exec(select(Unit).where(Unit.kind != UnitKind.group).order_by(Unit.kind, Unit.sort_order)).all()


def county_name(session: Session) -> str:
    return session.exec(select(Unit.name).where(Unit.kind == UnitKind.county).order_by(Unit.id)).first() or ""
