"""The liaison network: units tree (county → township/community, the 联络中心 → village, the 联络站
→ group; departments and enterprises), categories, leaders with their portfolios, liaisons with
their appointment letters — read for staff, written by the admin."""
from __future__ import annotations

import html
import re
from datetime import date, datetime

import pandas as pd
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from core import labels, portfolio, services, suggest
from core.auth import CurrentUser
from core.errors import DomainError
from core.intake import normalize_phone
from core.models import (Case, Category, Channel, ContactMethod, Leader, Liaison, LiaisonContact,
                         LiaisonLink, LiaisonSource, Role, Tier, Unit, UnitKind)


KIND_ORDER = {kind: i for i, kind in enumerate(UnitKind)}


def units_frame(session: Session) -> pd.DataFrame:
    """Every unit in the order of the tree: the county, each township followed by its villages and
    their groups, then the departments and enterprises — the way an office reads its network."""
    parent = aliased(Unit)
    rows = session.exec(
        select(Unit.id, Unit.parent_id, Unit.name, Unit.kind, Unit.code, parent.name.label("parent"), Unit.phone,
               Unit.contact_name, Unit.active, Unit.sort_order)
        .outerjoin(parent, parent.id == Unit.parent_id)
    ).mappings().all()
    children: dict[int | None, list] = {}
    for row in sorted(rows, key=lambda r: (KIND_ORDER[UnitKind(r["kind"])], r["sort_order"], r["id"])):
        children.setdefault(row["parent_id"], []).append(row)
    ordered, stack = [], list(reversed(children.get(None, [])))
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(reversed(children.get(row["id"], [])))
    return pd.DataFrame(ordered, columns=["id", "name", "kind", "code", "parent", "phone", "contact_name", "active"])


def all_units(session: Session) -> list[Unit]:
    """Every unit, active or not, for the admin's pickers."""
    return session.exec(select(Unit).order_by(Unit.kind, Unit.sort_order, Unit.id)).all()


def station_place(session: Session, liaison_id: int | None) -> tuple[int | None, int | None]:
    """A liaison's (township, village): where their reports come from unless they say otherwise."""
    liaison = session.get(Liaison, liaison_id) if liaison_id else None
    station = session.get(Unit, liaison.station_id) if liaison else None
    if station is None:
        return None, None
    if station.kind in (UnitKind.township, UnitKind.county):
        return (station.id if station.kind == UnitKind.township else None), None
    parent = session.get(Unit, station.parent_id) if station.parent_id else None
    return (parent.id if parent and parent.kind in (UnitKind.township, UnitKind.community) else None), station.id


def unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit else ""


def parent_of(session: Session, unit_id: int | None) -> int | None:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.parent_id if unit else None


def unit_counts(session: Session) -> dict[str, int]:
    """Units per kind, in the order of the tree (county first)."""
    rows = session.exec(select(Unit.kind, func.count()).group_by(Unit.kind)).all()
    return {str(kind): n for kind, n in sorted(rows, key=lambda r: KIND_ORDER[UnitKind(r[0])])}


def leaders_frame(session: Session) -> pd.DataFrame:
    rows = session.exec(select(Leader.name, Leader.title, Leader.duties, Leader.rotation_order)
                        .order_by(Leader.rotation_order)).mappings().all()
    return pd.DataFrame(rows, columns=["name", "title", "duties", "rotation_order"])


def liaisons_frame(session: Session) -> pd.DataFrame:
    station, township = aliased(Unit), aliased(Unit)
    rows = session.exec(
        select(Liaison.id, Liaison.name, Liaison.phone, Liaison.station_id, station.name.label("station"),
               township.name.label("township"), Liaison.source, Liaison.appointment_no, Liaison.appointed_on,
               Liaison.active)
        .join(station, station.id == Liaison.station_id)
        .outerjoin(township, township.id == station.parent_id)
        .order_by(township.sort_order, station.sort_order, Liaison.id)
    ).mappings().all()
    return pd.DataFrame(rows, columns=["id", "name", "phone", "station_id", "station", "township", "source",
                                       "appointment_no", "appointed_on", "active"])


def leaders(session: Session) -> list[Leader]:
    return session.exec(select(Leader).order_by(Leader.rotation_order)).all()


def townships(session: Session) -> list[Unit]:
    return session.exec(select(Unit).where(Unit.kind.in_([UnitKind.township, UnitKind.community]),
                                           Unit.parent_id == select(Unit.id).where(Unit.kind == UnitKind.county)
                                           .limit(1).scalar_subquery(), Unit.active == True)  # noqa: E712
                        .order_by(Unit.sort_order)).all()


def villages(session: Session, township_id: int) -> list[Unit]:
    return session.exec(select(Unit).where(Unit.parent_id == township_id, Unit.kind.in_(
        [UnitKind.village, UnitKind.community]), Unit.active == True).order_by(Unit.sort_order, Unit.id)).all()  # noqa: E712


def categories(session: Session, *, include_inactive: bool = False) -> list[Category]:
    query = select(Category).order_by(Category.sort_order, Category.id)
    return session.exec(query if include_inactive else query.where(Category.active == True)).all()  # noqa: E712


def handling_units(session: Session) -> list[Unit]:
    """Units a handling-unit account may belong to (everything but groups)."""
    return session.exec(select(Unit).where(Unit.kind != UnitKind.group, Unit.active == True)  # noqa: E712
                        .order_by(Unit.kind, Unit.sort_order)).all()


def county_name(session: Session) -> str:
    return session.exec(select(Unit.name).where(Unit.kind == UnitKind.county).order_by(Unit.id)).first() or ""


# ---- administration: the admin builds the network; nothing a case refers to is ever deleted --------

# which kind of unit may hang under which (None: the top of the tree)
PARENT_KINDS: dict[UnitKind, tuple[UnitKind | None, ...]] = {
    UnitKind.county: (None,),
    UnitKind.township: (UnitKind.county,),
    UnitKind.community: (UnitKind.county, UnitKind.township),
    UnitKind.village: (UnitKind.township, UnitKind.community),
    UnitKind.group: (UnitKind.village, UnitKind.community),
    UnitKind.department: (UnitKind.county,),
    UnitKind.enterprise: (UnitKind.county, UnitKind.township),
}
NETWORK_ADMINS = (Role.admin,)
CONTACT_KEEPERS = (Role.admin, Role.clerk, Role.leader)
LINKS_PER_MEMBER = (2, 5)  # S2 §一.1: each working-group member links 2–5 liaisons


def _require(actor: CurrentUser, roles=NETWORK_ADMINS) -> None:
    if not actor.has(*roles):
        raise DomainError("error.permission")


def _clean(value: str | None, *, field: str, limit: int, required: bool = False) -> str | None:
    text = " ".join((value or "").split())
    if required and not text:
        raise DomainError("error.network_required", field=field)
    if len(text) > limit:
        raise DomainError("error.network_too_long", field=field, n=limit)
    return text or None


def _changed(row, values: dict) -> bool:
    differs = any(getattr(row, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(row, name, value)
    return differs


def _save(session: Session, model, row_id: int | None, values: dict, *, order: str | None = None,
          order_where=()) -> tuple:
    """Create the row (next in `order` when none was given) or apply `values` to it: (row, changed)."""
    row = session.get(model, row_id) if row_id is not None else None
    if row is None:
        if order is not None and order not in values:
            column = getattr(model, order)
            values[order] = (session.exec(select(func.max(column)).where(*order_where)).one() or 0) + 1
        row = model(**values)
        session.add(row)
        session.flush()
        return row, True
    changed = _changed(row, values)
    session.flush()
    return row, changed


def save_unit(session: Session, *, actor: CurrentUser, name: str, kind: UnitKind | str, parent_id: int | None,
              unit_id: int | None = None, code: str | None = None, phone: str | None = None,
              contact_name: str | None = None, sort_order: int | None = None, active: bool = True) -> tuple[Unit, bool]:
    """Create a unit, or rename, move, recontact or (de)activate one. Returns (unit, changed).
    Why: cases, accounts and reception rules point at units, so a unit is never deleted —
    deactivated, it stays on old cases and leaves the pickers."""
    _require(actor)
    kind = UnitKind(kind)
    name = _clean(name, field="name", limit=80, required=True)
    code = _clean(code, field="code", limit=20)
    parent = session.get(Unit, parent_id) if parent_id is not None else None
    if (parent.kind if parent else None) not in PARENT_KINDS[kind]:
        raise DomainError("error.unit_parent", field="parent_id", kind=kind,
                          kinds=[k for k in PARENT_KINDS[kind] if k])
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if unit is not None and parent is not None:
        ancestor = parent
        while ancestor is not None:  # moving a unit under itself would cut the tree
            if ancestor.id == unit.id:
                raise DomainError("error.unit_cycle", field="parent_id")
            ancestor = session.get(Unit, ancestor.parent_id) if ancestor.parent_id else None
    if kind == UnitKind.county:
        other = session.exec(select(Unit.id).where(Unit.kind == UnitKind.county, Unit.id != (unit_id or 0))).first()
        if other is not None:
            raise DomainError("error.unit_one_county", field="kind")
    if code and session.exec(select(Unit.id).where(Unit.code == code, Unit.id != (unit_id or 0))).first():
        raise DomainError("error.unit_code_taken", field="code", code=code)
    same = select(Unit.id).where(Unit.name == name, Unit.id != (unit_id or 0),
                                 Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id)
    if session.exec(same).first() is not None:
        raise DomainError("error.unit_name_taken", field="name", name=name)
    values = dict(name=name, kind=kind, parent_id=parent_id, code=code,
                  phone=normalize_phone(phone), contact_name=_clean(contact_name, field="contact_name", limit=40),
                  active=active)
    if sort_order is not None:
        values["sort_order"] = sort_order
    return _save(session, Unit, unit_id if unit is not None else None, values, order="sort_order",
                 order_where=(Unit.kind == kind,))


def save_category(session: Session, *, actor: CurrentUser, code: str, name_zh: str, name_en: str,
                  default_tier: Tier | str = Tier.unit, default_unit_id: int | None = None,
                  category_id: int | None = None, sort_order: int | None = None,
                  active: bool = True, now: datetime) -> tuple[Category, bool]:
    """A category with its English name, default tier and unit; a new one starts with keyword rules
    (its name and starter words) so that reports are sorted into it at once."""
    _require(actor)
    code = _clean(code, field="code", limit=30, required=True)
    if not re.fullmatch(r"[A-Za-z0-9_]+", code):
        raise DomainError("error.category_code", field="code")
    values = dict(code=code, name_zh=_clean(name_zh, field="name_zh", limit=30, required=True),
                  name_en=_clean(name_en, field="name_en", limit=60, required=True),
                  default_tier=Tier(default_tier), default_unit_id=default_unit_id, active=active)
    if session.exec(select(Category.id).where(Category.code == code, Category.id != (category_id or 0))).first():
        raise DomainError("error.category_code_taken", field="code", code=code)
    if session.exec(select(Category.id).where(Category.name_zh == values["name_zh"],
                                              Category.id != (category_id or 0))).first():
        raise DomainError("error.unit_name_taken", field="name_zh", name=values["name_zh"])
    if sort_order is not None:
        values["sort_order"] = sort_order
    category, changed = _save(session, Category, category_id, values, order="sort_order")
    if category_id is None:
        suggest.starter_rules(session, category, now=now)
    return category, changed


def save_leader(session: Session, *, actor: CurrentUser, name: str, title: str, leader_id: int | None = None,
                duties: str = "", unit_id: int | None = None, phone: str | None = None, email: str | None = None,
                rotation_order: int | None = None, active: bool = True, user_id: int | None = None,
                categories: list[int] | None = None, townships: list[int] | None = None) -> tuple[Leader, bool]:
    """A leader (or working-group member) with the portfolio that routes cases to them (包案)."""
    _require(actor)
    email = _clean(email, field="email", limit=120)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise DomainError("error.email_format", field="email")
    values = dict(name=_clean(name, field="name", limit=40, required=True),
                  title=_clean(title, field="title", limit=80, required=True) or "",
                  duties=_clean(duties, field="duties", limit=200) or "", unit_id=unit_id,
                  phone=normalize_phone(phone), email=email, active=active)
    if user_id is not None:
        values["user_id"] = user_id
    if rotation_order is not None:
        values["rotation_order"] = rotation_order
    row, changed = _save(session, Leader, leader_id, values, order="rotation_order")
    if categories is not None or townships is not None:
        changed = portfolio.set_portfolio(session, row.id, categories or [], townships or []) or changed
    session.flush()
    return row, changed


def save_liaison(session: Session, *, actor: CurrentUser, name: str, station_id: int, liaison_id: int | None = None,
                 phone: str | None = None, source: LiaisonSource | str = LiaisonSource.other,
                 appointment_no: str | None = None, appointed_on: date | None = None, active: bool = True,
                 user_id: int | None = None) -> tuple[Liaison, bool]:
    """民情联络员 with their appointment letter (聘书: number and date, issued by the township) and
    background (S0: 老党员、老干部、两代表一委员、复退军人、创业致富带头人)."""
    _require(actor)
    station = session.get(Unit, station_id) if station_id is not None else None
    if station is None or station.kind not in (UnitKind.village, UnitKind.community):
        raise DomainError("error.station_required", field="station_id")
    values = dict(name=_clean(name, field="name", limit=40, required=True), station_id=station_id,
                  phone=normalize_phone(phone), source=LiaisonSource(source),
                  appointment_no=_clean(appointment_no, field="appointment_no", limit=30),
                  appointed_on=appointed_on, active=active)
    if user_id is not None:
        values["user_id"] = user_id
    return _save(session, Liaison, liaison_id, values)


# ---- working-group members and their liaisons (S2 §一: 2–5 each, a call a month, a contact card) ----

def set_links(session: Session, *, actor: CurrentUser, leader_id: int, liaison_ids: list[int]) -> bool:
    """The liaisons a working-group member is linked to. Outside 2–5 is allowed but flagged
    (`link_flags`): a member newly appointed may not have all of theirs yet."""
    _require(actor)
    have = set(session.exec(select(LiaisonLink.liaison_id).where(LiaisonLink.leader_id == leader_id)).all())
    wanted = set(liaison_ids)
    for liaison_id in have - wanted:
        session.delete(session.get(LiaisonLink, (leader_id, liaison_id)))
    for liaison_id in wanted - have:
        session.add(LiaisonLink(leader_id=leader_id, liaison_id=liaison_id))
    session.flush()
    return have != wanted


def links_frame(session: Session, *, month_start: date) -> pd.DataFrame:
    """One row per link: member, liaison, station, the last contact and whether there was one in the
    month starting `month_start` (S2 §一.1: at least once a month)."""
    station = aliased(Unit)
    last = (select(LiaisonContact.leader_id, LiaisonContact.liaison_id, func.max(LiaisonContact.on).label("last_on"))
            .group_by(LiaisonContact.leader_id, LiaisonContact.liaison_id).subquery())
    rows = session.exec(
        select(LiaisonLink.leader_id, Leader.name.label("member"), Leader.title, LiaisonLink.liaison_id,
               Liaison.name.label("liaison"), Liaison.phone, station.name.label("station"), last.c.last_on)
        .join(Leader, Leader.id == LiaisonLink.leader_id).join(Liaison, Liaison.id == LiaisonLink.liaison_id)
        .join(station, station.id == Liaison.station_id)
        .outerjoin(last, (last.c.leader_id == LiaisonLink.leader_id) & (last.c.liaison_id == LiaisonLink.liaison_id))
        .order_by(Leader.rotation_order, Leader.id, Liaison.id)).mappings().all()
    frame = pd.DataFrame(rows, columns=["leader_id", "member", "title", "liaison_id", "liaison", "phone", "station",
                                        "last_on"])
    frame["contacted_this_month"] = frame["last_on"].map(lambda d: d is not None and d >= month_start)
    return frame


def link_flags(session: Session) -> list[tuple[str, int]]:
    """Working-group members linked to fewer than 2 or more than 5 liaisons: (name, count)."""
    low, high = LINKS_PER_MEMBER
    counts = session.exec(select(Leader.name, func.count(LiaisonLink.liaison_id))
                          .join(LiaisonLink, LiaisonLink.leader_id == Leader.id)
                          .group_by(Leader.id, Leader.name).order_by(Leader.rotation_order)).all()
    return [(name, n) for name, n in counts if not low <= n <= high]


def log_contact(session: Session, *, actor: CurrentUser, leader_id: int, liaison_id: int, on: date,
                method: ContactMethod | str, note: str, now: datetime) -> LiaisonContact:
    """A call or visit between a member and one of their liaisons. A member logs their own; the
    center and the admin log for anyone."""
    _require(actor, CONTACT_KEEPERS)
    if session.get(LiaisonLink, (leader_id, liaison_id)) is None:
        raise DomainError("error.contact_not_linked", field="liaison_id")
    if not actor.has(Role.admin, Role.clerk):
        own = session.exec(select(Leader.id).where(Leader.user_id == actor.id)).first()
        if own != leader_id:
            raise DomainError("error.permission")
    if on > now.date():
        raise DomainError("error.future_date", field="on")
    row = LiaisonContact(leader_id=leader_id, liaison_id=liaison_id, on=on, method=ContactMethod(method),
                         note=_clean(note, field="note", limit=2000) or "", recorded_at=now, recorded_by_id=actor.id)
    session.add(row)
    session.flush()
    return row


def contact_to_case(session: Session, *, actor: CurrentUser, contact_id: int, now: datetime,
                    content: str | None = None) -> Case:
    """What a liaison told their member becomes a case in one click: registered by the center as a
    direct report from that liaison, at the liaison's station (S2 §一.3–5)."""
    contact = session.get(LiaisonContact, contact_id)
    if contact is None:
        raise DomainError("error.case_not_found")
    if contact.case_id is not None:
        raise DomainError("error.contact_has_case", code=session.get(Case, contact.case_id).tracking_code)
    liaison = session.get(Liaison, contact.liaison_id)
    station = session.get(Unit, liaison.station_id)
    case = services.register(session, actor=actor, now=now, channel=Channel.direct_report,
                             content=(content or contact.note), reporter_name=liaison.name,
                             reporter_phone=liaison.phone, village_id=station.id, township_id=station.parent_id,
                             liaison_id=liaison.id)
    contact.case_id = case.id
    session.flush()
    return case


def contacts_frame(session: Session, *, since: date) -> pd.DataFrame:
    rows = session.exec(
        select(LiaisonContact.id, LiaisonContact.on, Leader.name.label("member"), Liaison.name.label("liaison"),
               LiaisonContact.method, LiaisonContact.note, Case.tracking_code)
        .join(Leader, Leader.id == LiaisonContact.leader_id).join(Liaison, Liaison.id == LiaisonContact.liaison_id)
        .outerjoin(Case, Case.id == LiaisonContact.case_id)
        .where(LiaisonContact.on >= since).order_by(LiaisonContact.on.desc(), LiaisonContact.id.desc())).mappings().all()
    return pd.DataFrame(rows, columns=["id", "on", "member", "liaison", "method", "note", "tracking_code"])


def contact_card(session: Session, *, leader_id: int | None = None, village_id: int | None = None,
                 lang: str = "zh") -> str:
    """民情联系卡 (S2 §一.2, part 3), print-ready escaped HTML on A4: for a working-group member, their
    name, title, phone, email and linked liaisons; for a village, its station's contacts, liaisons
    and the members linked to them, with the 24-hour duty line and the service items."""
    county = county_name(session)
    members: list[Leader] = []
    if leader_id is not None:
        members = [session.get(Leader, leader_id)]
        liaisons = session.exec(select(Liaison).join(LiaisonLink, LiaisonLink.liaison_id == Liaison.id)
                                .where(LiaisonLink.leader_id == leader_id).order_by(Liaison.id)).all()
        heading = members[0].name
    else:
        village = session.get(Unit, village_id)
        liaisons = session.exec(select(Liaison).where(Liaison.station_id == village_id, Liaison.active == True)  # noqa: E712
                                .order_by(Liaison.id)).all()
        members = session.exec(select(Leader).join(LiaisonLink, LiaisonLink.leader_id == Leader.id)
                               .where(LiaisonLink.liaison_id.in_([l.id for l in liaisons] or [-1]))
                               .distinct().order_by(Leader.rotation_order)).all()
        heading = village.name
    center = session.exec(select(Unit).where(Unit.kind == UnitKind.county)).first()
    t = lambda key, **v: labels.t(key, lang, **v)  # noqa: E731
    esc = html.escape
    member_rows = "".join(f"<tr><td>{esc(m.name)}</td><td>{esc(m.title)}</td><td>{esc(m.phone or '')}</td>"
                          f"<td>{esc(m.email or '')}</td></tr>" for m in members)
    liaison_rows = "".join(f"<tr><td>{esc(l.name)}</td><td>{esc(l.phone or '')}</td>"
                           f"<td>{esc(labels.label(l.source, lang))}</td><td>{esc(l.appointment_no or '')}</td></tr>"
                           for l in liaisons)
    return f"""<!doctype html><html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{esc(t('card.title'))} · {esc(heading)}</title>
<style>@page {{ size: A4; margin: 18mm; }} body {{ font-family: "Noto Serif CJK SC", "FangSong", serif; }}
h1 {{ text-align: center; font-family: "Noto Sans CJK SC", "SimHei", sans-serif; }}
table {{ border-collapse: collapse; width: 100%; margin: 8px 0 16px; }} td, th {{ border: 1px solid #333; padding: 6px; }}
.foot {{ margin-top: 24px; color: #333; }}</style></head><body>
<h1>{esc(county)} {esc(t('card.title'))}</h1><h2>{esc(heading)}</h2>
<h3>{esc(t('card.members'))}</h3><table><tr><th>{esc(t('col.display_name'))}</th><th>{esc(t('col.position'))}</th>
<th>{esc(t('col.phone'))}</th><th>{esc(t('card.email'))}</th></tr>{member_rows}</table>
<h3>{esc(t('card.liaisons'))}</h3><table><tr><th>{esc(t('col.display_name'))}</th><th>{esc(t('col.phone'))}</th>
<th>{esc(t('col.source'))}</th><th>{esc(t('col.appointment'))}</th></tr>{liaison_rows}</table>
<p>{esc(t('card.duty', phone=(center.phone if center and center.phone else '—')))}</p>
<p>{esc(t('card.services'))}</p>
<p class="foot">{esc(t('card.roster'))}</p></body></html>"""


def appointment_letter(session: Session, *, liaison_id: int, lang: str = "zh") -> str:
    """聘书: the township's appointment letter for a liaison (S0: 由乡(镇、社区)颁发聘书), print-ready."""
    liaison = session.get(Liaison, liaison_id)
    station = session.get(Unit, liaison.station_id)
    township = session.get(Unit, station.parent_id) if station.parent_id else None
    esc = html.escape
    issued = liaison.appointed_on.strftime("%Y年%m月%d日") if liaison.appointed_on else "　　年　　月　　日"
    body = labels.t("letter.body", lang, name=liaison.name, station=station.name,
                    township=township.name if township else "")
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(labels.t('letter.title', lang))}</title>
<style>@page {{ size: A4 landscape; margin: 25mm; }} body {{ font-family: "Noto Serif CJK SC", "FangSong", serif;
font-size: 20pt; text-align: center; }} h1 {{ font-size: 40pt; letter-spacing: 1em; color: #b00; }}
.body {{ text-align: left; text-indent: 2em; line-height: 2; margin: 40px 60px; }} .no {{ font-size: 12pt; }}
.sign {{ text-align: right; margin-right: 60px; }}</style></head><body>
<p class="no">{esc(labels.t('letter.no', lang))}{esc(liaison.appointment_no or '')}</p>
<h1>{esc(labels.t('letter.title', lang))}</h1><p class="body">{esc(body)}</p>
<p class="sign">{esc(township.name if township else county_name(session))}<br>{esc(issued)}</p></body></html>"""
