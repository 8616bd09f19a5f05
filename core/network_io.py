"""The whole network in one workbook, in and out: sheets 单位, 村社区, 类别, 领导, 联络员, 用户. An import
is checked whole — every bad cell named by sheet, row and column — and written all-or-nothing (the
caller commits only when nothing was refused); rows are matched by code or name, so importing the
same file twice changes nothing. New accounts get a generated first password unless the sheet
gives one, and must change it at first sign-in."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from core import auth, labels, network, workbook
from core.auth import CurrentUser
from core.errors import DomainError
from core.models import (Category, Leader, LeaderPortfolio, Liaison, LiaisonLink, LiaisonSource, Role, Tier, Unit,
                         UnitKind, User, UserRole)
from core.workbook import CellError, enum_value

# sheet → ((column, Chinese header), …) in the order the template shows them
SHEETS: dict[str, tuple[tuple[str, str], ...]] = {
    "单位": (("name", "名称"), ("kind", "类型"), ("parent", "上级"), ("code", "编码"), ("phone", "电话"),
           ("contact_name", "联系人"), ("inactive", "停用")),
    "村社区": (("name", "名称"), ("kind", "类型"), ("parent", "上级"), ("code", "编码"), ("phone", "电话"),
            ("contact_name", "联系人"), ("inactive", "停用")),
    "类别": (("code", "编码"), ("name_zh", "名称"), ("name_en", "英文名称"), ("default_tier", "默认层级"),
           ("default_unit", "默认承办单位"), ("inactive", "停用")),
    "领导": (("name", "姓名"), ("title", "职务"), ("duties", "分工"), ("unit", "单位"), ("phone", "电话"),
           ("email", "邮箱"), ("rotation_order", "轮值顺序"), ("categories", "分管类别"), ("townships", "包联乡镇"),
           ("inactive", "停用")),
    "联络员": (("name", "姓名"), ("phone", "电话"), ("township", "所属乡镇"), ("station", "联络站"),
            ("source", "身份"), ("appointment_no", "聘书编号"), ("appointed_on", "聘任日期"),
            ("members", "联系领导"), ("inactive", "停用")),
    "用户": (("username", "账号"), ("display_name", "姓名"), ("roles", "角色"), ("unit", "单位"),
           ("township", "所属乡镇"), ("station", "联络站"), ("phone", "电话"), ("password", "初始密码")),
}
REQUIRED = {"单位": ("name", "kind"), "村社区": ("name", "kind", "parent"), "类别": ("code", "name_zh", "name_en"),
            "领导": ("name", "title"), "联络员": ("name", "township", "station"),
            "用户": ("username", "display_name", "roles")}
UPPER_KINDS = (UnitKind.county, UnitKind.township, UnitKind.department, UnitKind.enterprise, UnitKind.community)
FIELD_COLUMN = {"parent_id": "parent", "station_id": "station", "unit_id": "unit", "default_unit_id": "default_unit"}
LIST_SEPARATORS = "、,，;；"
YES = {"是", "yes", "y", "true", "1", "停用", "✓"}


@dataclass
class NetworkImport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)
    passwords: list[tuple[str, str]] = field(default_factory=list)  # (username, generated first password)

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def _split(text: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        text = text.replace(sep, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(LIST_SEPARATORS[0]) if part.strip()]


def _unit(session: Session, name: str, *, kinds=None, parent_id: int | None = None) -> Unit:
    """A unit by code or name; a name two units share is refused (the sheet should use the code)."""
    by_code = session.exec(select(Unit).where(Unit.code == name)).first()
    if by_code is not None:
        return by_code
    query = select(Unit).where(Unit.name == name)
    if kinds:
        query = query.where(Unit.kind.in_(list(kinds)))
    if parent_id is not None:
        query = query.where(Unit.parent_id == parent_id)
    found = session.exec(query).all()
    if not found:
        raise DomainError("error.network_unknown", value=name)
    if len(found) > 1:
        raise DomainError("error.network_ambiguous", value=name)
    return found[0]


def _station(session: Session, township: str, station: str) -> Unit:
    town = _unit(session, township, kinds=(UnitKind.township, UnitKind.community))
    return _unit(session, station, kinds=(UnitKind.village, UnitKind.community), parent_id=town.id)


def _leader(session: Session, name: str) -> Leader:
    found = session.exec(select(Leader).where(Leader.name == name)).all()
    if len(found) != 1:
        raise DomainError("error.network_unknown" if not found else "error.network_ambiguous", value=name)
    return found[0]


def read_workbook(data: bytes, filename: str) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Rows per known sheet; a sheet that is absent is simply not imported."""
    sheets = workbook.read_sheets(data, filename)
    out = {}
    for name, columns in SHEETS.items():
        if name not in sheets:
            continue
        aliases = {zh: key for key, zh in columns} | {key: key for key, _zh in columns}
        header, rows = workbook.records(sheets[name], aliases)
        unknown = [h for h in header if h and h not in aliases.values()]
        if unknown:
            raise DomainError("error.network_header", sheet=name, columns="、".join(unknown))
        missing = [dict(columns)[c] for c in REQUIRED[name] if c not in header]
        if missing:
            raise DomainError("error.network_columns", sheet=name, columns="、".join(missing))
        out[name] = rows
    if not out:
        raise DomainError("error.network_no_sheet", sheets="、".join(SHEETS))
    return out


def import_network(session: Session, *, actor: CurrentUser, data: bytes, filename: str, now: datetime) -> NetworkImport:
    """Write every row, collecting every refusal. The caller commits only when `errors` is empty
    (and rolls back otherwise): all-or-nothing. Sheets go in dependency order, so a village may name
    a township defined above it in the same file."""
    if not actor.has(*network.NETWORK_ADMINS):
        raise DomainError("error.permission")
    sheets = read_workbook(data, filename)
    result = NetworkImport()
    steps = (("单位", _unit_row), ("村社区", _unit_row), ("类别", _category_row), ("领导", _leader_row),
             ("联络员", _liaison_row), ("用户", _user_row))
    for sheet, write in steps:
        # the county first, then townships, then the rest: a parent row may stand below its child
        rows = sorted(sheets.get(sheet, []), key=lambda r: _depth(r[1]) if sheet in ("单位", "村社区") else 0)
        for number, row in rows:
            missing = [c for c in REQUIRED[sheet] if not row.get(c)]
            if missing:
                result.errors.extend(CellError(number, dict(SHEETS[sheet])[c], DomainError("error.import_required"),
                                               sheet) for c in missing)
                continue
            try:
                with session.no_autoflush:
                    outcome = write(session, actor, row, now, result)
            except DomainError as exc:
                key = exc.values.pop("column", None) or FIELD_COLUMN.get(exc.field, exc.field) or ""
                column = dict(SHEETS[sheet]).get(key, "")
                result.errors.append(CellError(number, column, exc, sheet))
                continue
            if outcome:
                bucket = result.created if outcome == "created" else result.updated
                bucket[sheet] = bucket.get(sheet, 0) + 1
    session.flush()
    return result


def _depth(row: dict[str, str]) -> int:
    try:
        kind = enum_value(UnitKind, row.get("kind", ""))
    except DomainError:
        return 9
    return [UnitKind.county, UnitKind.township, UnitKind.community, UnitKind.department, UnitKind.enterprise,
            UnitKind.village, UnitKind.group].index(kind)


def _at(column: str, exc: DomainError) -> DomainError:
    exc.values["column"] = column
    return exc


def _resolve(column: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except DomainError as exc:
        raise _at(column, exc) from None


def _outcome(changed: bool, existing) -> str | None:
    return "created" if existing is None else ("updated" if changed else None)


def _unit_row(session: Session, actor: CurrentUser, row: dict, now, result) -> str | None:
    kind = _resolve("kind", enum_value, UnitKind, row["kind"])
    parent = None
    if row.get("parent"):
        parent = _resolve("parent", _unit, session, row["parent"])
    elif kind != UnitKind.county:
        parent = session.exec(select(Unit).where(Unit.kind == UnitKind.county)).first()
    existing = None
    if row.get("code"):
        existing = session.exec(select(Unit).where(Unit.code == row["code"])).first()
    if existing is None:
        existing = session.exec(select(Unit).where(Unit.name == row["name"], Unit.kind == kind,
                                                   Unit.parent_id == (parent.id if parent else None)
                                                   if parent else Unit.parent_id.is_(None))).first()
    unit, changed = network.save_unit(session, actor=actor, unit_id=existing.id if existing else None,
                                      name=row["name"], kind=kind, parent_id=parent.id if parent else None,
                                      code=row.get("code") or (existing.code if existing else None),
                                      phone=row.get("phone"), contact_name=row.get("contact_name"),
                                      active=row.get("inactive", "").lower() not in YES)
    return _outcome(changed, existing)


def _category_row(session: Session, actor: CurrentUser, row: dict, now, result) -> str | None:
    tier = _resolve("default_tier", enum_value, Tier, row["default_tier"]) if row.get("default_tier") else Tier.unit
    unit = _resolve("default_unit", _unit, session, row["default_unit"]) if row.get("default_unit") else None
    existing = session.exec(select(Category).where(Category.code == row["code"])).first() or \
        session.exec(select(Category).where(Category.name_zh == row["name_zh"])).first()
    _cat, changed = network.save_category(session, actor=actor, category_id=existing.id if existing else None,
                                          code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"],
                                          default_tier=tier, default_unit_id=unit.id if unit else None,
                                          active=row.get("inactive", "").lower() not in YES, now=now)
    return _outcome(changed, existing)


def _leader_row(session: Session, actor: CurrentUser, row: dict, now, result) -> str | None:
    unit = _resolve("unit", _unit, session, row["unit"]) if row.get("unit") else None
    categories = [_resolve("categories", _category, session, name) for name in _split(row.get("categories", ""))]
    townships = [_resolve("townships", _unit, session, name, kinds=(UnitKind.township, UnitKind.community)).id
                 for name in _split(row.get("townships", ""))]
    order = None
    if row.get("rotation_order"):
        if not row["rotation_order"].isdigit():
            raise _at("rotation_order", DomainError("error.import_value", value=row["rotation_order"]))
        order = int(row["rotation_order"])
    existing = session.exec(select(Leader).where(Leader.name == row["name"])).first()
    _leader_row_obj, changed = network.save_leader(
        session, actor=actor, leader_id=existing.id if existing else None, name=row["name"], title=row["title"],
        duties=row.get("duties", ""), unit_id=unit.id if unit else None, phone=row.get("phone"),
        email=row.get("email"), rotation_order=order, active=row.get("inactive", "").lower() not in YES,
        categories=categories, townships=townships)
    return _outcome(changed, existing)


def _category(session: Session, name: str) -> int:
    found = session.exec(select(Category.id).where((Category.name_zh == name) | (Category.code == name)
                                                   | (Category.name_en == name))).first()
    if found is None:
        raise DomainError("error.network_unknown", value=name)
    return found


def _liaison_row(session: Session, actor: CurrentUser, row: dict, now, result) -> str | None:
    station = _resolve("station", _station, session, row["township"], row["station"])
    source = _resolve("source", enum_value, LiaisonSource, row["source"]) if row.get("source") else LiaisonSource.other
    appointed = _resolve("appointed_on", workbook.parse_day, row["appointed_on"]) if row.get("appointed_on") else None
    if appointed and not date(1990, 1, 1) <= appointed <= now.date():
        raise _at("appointed_on", DomainError("error.import_date", value=row["appointed_on"]))
    members = [_resolve("members", _leader, session, name) for name in _split(row.get("members", ""))]
    existing = session.exec(select(Liaison).where(Liaison.name == row["name"], Liaison.station_id == station.id)).first()
    liaison, changed = network.save_liaison(
        session, actor=actor, liaison_id=existing.id if existing else None, name=row["name"], station_id=station.id,
        phone=row.get("phone"), source=source, appointment_no=row.get("appointment_no"), appointed_on=appointed,
        active=row.get("inactive", "").lower() not in YES)
    for member in members:
        if session.get(LiaisonLink, (member.id, liaison.id)) is None:
            session.add(LiaisonLink(leader_id=member.id, liaison_id=liaison.id))
            changed = True
    return _outcome(changed, existing)


def _user_row(session: Session, actor: CurrentUser, row: dict, now: datetime, result: NetworkImport) -> str | None:
    roles = {_resolve("roles", enum_value, Role, name) for name in _split(row["roles"])}
    unit = _resolve("unit", _unit, session, row["unit"]) if row.get("unit") else None
    station = None
    if row.get("station"):
        if not row.get("township"):
            raise _at("township", DomainError("error.import_required"))
        station = _resolve("station", _station, session, row["township"], row["station"])
    existing = session.exec(select(User).where(User.username == row["username"].strip().lower())).first()
    if existing is None:
        password = row.get("password") or auth.generate_password()
        try:
            auth.create_user(session, actor=actor, username=row["username"], display_name=row["display_name"],
                             password=password, roles=roles, now=now, unit_id=unit.id if unit else None,
                             station_id=station.id if station else None, phone=row.get("phone") or None)
        except DomainError as exc:
            raise _at({"password": "password", "display_name": "display_name"}.get(exc.field, "username"), exc) from None
        if not row.get("password"):
            result.passwords.append((row["username"].strip().lower(), password))
        return "created"
    have_roles = auth.roles_of(session, existing.id)
    liaison_station = session.exec(select(Liaison.station_id).where(Liaison.user_id == existing.id)).first()
    same = (existing.display_name == row["display_name"].strip() and have_roles == roles
            and existing.unit_id == (unit.id if unit else None)
            and (Role.liaison not in roles or liaison_station == (station.id if station else None)))
    if same:
        return None
    auth.update_user(session, actor=actor, user_id=existing.id, display_name=row["display_name"], roles=roles,
                     active=existing.active, now=now, unit_id=unit.id if unit else None,
                     station_id=station.id if station else None)
    return "updated"


# ---- out ---------------------------------------------------------------------------------------------

def export_rows(session: Session) -> dict[str, list[list[str]]]:
    """Every sheet's rows as the import reads them (labels in Chinese): export → import changes nothing."""
    units = {u.id: u for u in session.exec(select(Unit).order_by(Unit.kind, Unit.sort_order, Unit.id)).all()}
    categories = {c.id: c for c in session.exec(select(Category).order_by(Category.sort_order, Category.id)).all()}
    leaders = {lead.id: lead for lead in session.exec(select(Leader).order_by(Leader.rotation_order, Leader.id)).all()}

    def ref(unit_id: int | None) -> str:
        unit = units.get(unit_id)
        return "" if unit is None else (unit.code or unit.name)

    def unit_row(u: Unit) -> list[str]:
        parent = units.get(u.parent_id)
        parent_ref = "" if parent is None or parent.kind == UnitKind.county and u.kind != UnitKind.village \
            else ref(u.parent_id)
        return [u.name, labels.label(UnitKind(u.kind)), parent_ref, u.code or "", u.phone or "", u.contact_name or "",
                "" if u.active else "是"]

    def lower(u: Unit) -> bool:  # villages, groups and the communities of a township go to 村社区
        parent = units.get(u.parent_id)
        return u.kind in (UnitKind.village, UnitKind.group) or (
            u.kind == UnitKind.community and parent is not None and parent.kind != UnitKind.county)

    by_depth = sorted(units.values(), key=lambda u: (_depth({"kind": UnitKind(u.kind).value}), u.sort_order, u.id))
    portfolios: dict[int, tuple[list[str], list[str]]] = {lid: ([], []) for lid in leaders}
    for p in session.exec(select(LeaderPortfolio).order_by(LeaderPortfolio.id)).all():
        if p.category_id is not None:
            portfolios[p.leader_id][0].append(categories[p.category_id].name_zh)
        else:
            portfolios[p.leader_id][1].append(units[p.township_id].name)
    links: dict[int, list[str]] = {}
    for link in session.exec(select(LiaisonLink)).all():
        links.setdefault(link.liaison_id, []).append(leaders[link.leader_id].name)
    roles: dict[int, list[str]] = {}
    for r in session.exec(select(UserRole)).all():
        roles.setdefault(r.user_id, []).append(labels.label(Role(r.role)))
    stations = dict(session.exec(select(Liaison.user_id, Liaison.station_id).where(Liaison.user_id.is_not(None))).all())

    def station_cells(station_id: int | None) -> list[str]:
        if station_id is None:
            return ["", ""]
        station = units[station_id]
        return [units[station.parent_id].name if station.parent_id else "", station.name]

    return {
        "单位": [unit_row(u) for u in by_depth if not lower(u)],
        "村社区": [unit_row(u) for u in by_depth if lower(u)],
        "类别": [[c.code, c.name_zh, c.name_en, labels.label(Tier(c.default_tier)), ref(c.default_unit_id),
                "" if c.active else "是"] for c in categories.values()],
        "领导": [[lead.name, lead.title, lead.duties, ref(lead.unit_id), lead.phone or "", lead.email or "",
                str(lead.rotation_order), "、".join(portfolios[lead.id][0]), "、".join(portfolios[lead.id][1]),
                "" if lead.active else "是"] for lead in leaders.values()],
        "联络员": [[li.name, li.phone or "", *station_cells(li.station_id), labels.label(LiaisonSource(li.source)),
                 li.appointment_no or "", li.appointed_on.isoformat() if li.appointed_on else "",
                 "、".join(links.get(li.id, [])), "" if li.active else "是"]
                for li in session.exec(select(Liaison).order_by(Liaison.station_id, Liaison.id)).all()],
        "用户": [[u.username, u.display_name, "、".join(sorted(roles.get(u.id, []))), ref(u.unit_id),
                *station_cells(stations.get(u.id)), u.phone or "", ""]
               for u in session.exec(select(User).order_by(User.id)).all()],
    }


def write_workbook(rows: dict[str, list[list[str]]]) -> bytes:
    return workbook.write_xlsx({name: ([zh for _key, zh in SHEETS[name]], rows.get(name, [])) for name in SHEETS})


def template() -> bytes:
    """The empty workbook with one example row per sheet, to be overwritten."""
    return write_workbook({
        "单位": [["某某县", "县", "", "", "0858-1234567", "", ""], ["城关镇", "乡镇", "", "T01", "", "王主任", ""],
               ["县住建局", "县直部门", "", "ZJ", "0858-1234568", "李科长", ""]],
        "村社区": [["东门村", "村", "T01", "T01V01", "", "村支书 赵某", ""]],
        "类别": [["housing", "住房", "Housing", "移交单位", "ZJ", ""]],
        "领导": [["张某", "副县长", "分管城建、住房", "", "13800000000", "", "1", "住房", "城关镇", ""]],
        "联络员": [["钱某", "13900000000", "城关镇", "东门村", "老党员", "CG-2027-001", "2027-01-05", "张某", ""]],
        "用户": [["qianmou", "钱某", "民情联络员", "", "城关镇", "东门村", "13900000000", ""]],
    })
