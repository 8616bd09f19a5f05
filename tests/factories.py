"""Small builders for hand-made test data with known answers."""
from __future__ import annotations

from datetime import datetime
from itertools import count

from sqlmodel import Session

from core import auth
from core.models import Case, CaseStatus, Category, Channel, Role, Tier, Unit, UnitKind

_codes = count(1)


def county(session: Session) -> dict[str, Unit]:
    root = Unit(name="测试县", kind=UnitKind.county)
    session.add(root)
    session.flush()
    town = Unit(name="甲镇", kind=UnitKind.township, parent_id=root.id)
    dept = Unit(name="县水利局", kind=UnitKind.department, parent_id=root.id)
    other = Unit(name="县交通运输局", kind=UnitKind.department, parent_id=root.id)
    session.add_all([town, dept, other])
    session.flush()
    village = Unit(name="乙村", kind=UnitKind.village, parent_id=town.id)
    session.add(village)
    session.flush()
    return {"county": root, "town": town, "village": village, "dept": dept, "other": other}


def category(session: Session, unit: Unit) -> Category:
    cat = Category(code=f"water{next(_codes)}", name_zh="饮水", name_en="Drinking water", default_unit_id=unit.id,
                   default_tier=Tier.unit)
    session.add(cat)
    session.flush()
    return cat


def case(session: Session, *, status: CaseStatus, received_at: datetime, **fields) -> Case:
    row = Case(tracking_code=f"MQ-2026-T{next(_codes):05d}", channel=fields.pop("channel", Channel.hotline),
               status=status, title="测试事项", content=fields.pop("content", "测试事项内容"),
               received_at=received_at, **fields)
    session.add(row)
    session.flush()
    return row


def user(session: Session, username: str, roles: set[Role], now: datetime, **fields):
    return auth.create_user(session, actor=None, username=username, display_name=username, password="password123",
                            roles=roles, now=now, must_change_password=False, **fields)
