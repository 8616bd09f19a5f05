"""Accounts and roles: bcrypt hashes, password sign-in with lockout, revocable session tokens,
which role may open which page, and the admin's account operations (role-checked here, not in
pages)."""
from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
import jwt
from sqlmodel import Session, func, select

from core.errors import DomainError
from core.models import Leader, Liaison, LiaisonSource, Role, SignInAttempt, Unit, UnitKind, User, UserRole

MIN_PASSWORD_LENGTH = 8
BCRYPT_MAX_BYTES = 72
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,40}$")


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str
    icon: str
    roles: frozenset[Role]
    section: str = "work"  # the menu's group: work, reception, analysis, admin, me


ALL_ROLES = frozenset(Role)
STAFF_ROLES = frozenset({Role.clerk, Role.leader, Role.supervisor, Role.admin})
READ_RECEPTIONS = STAFF_ROLES  # core.reception.READERS

PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "pages/home.py", ":material/dashboard:", ALL_ROLES),
    PageSpec("report", "pages/report.py", ":material/add_comment:", frozenset({Role.liaison})),
    PageSpec("duty", "pages/duty.py", ":material/support_agent:", frozenset({Role.clerk})),
    PageSpec("board", "pages/board.py", ":material/view_kanban:", ALL_ROLES - {Role.admin}),
    PageSpec("ledger", "pages/ledger.py", ":material/list_alt:", ALL_ROLES),
    PageSpec("case", "pages/case.py", ":material/description:", ALL_ROLES),
    PageSpec("desk", "pages/desk.py", ":material/approval:", frozenset({Role.leader})),
    PageSpec("supervision", "pages/supervision.py", ":material/gavel:",
             frozenset({Role.supervisor, Role.leader, Role.clerk})),
    PageSpec("callbacks", "pages/callbacks.py", ":material/phone_callback:",
             frozenset({Role.clerk, Role.supervisor, Role.leader, Role.admin})),  # core.callback.READERS
    PageSpec("households", "pages/households.py", ":material/cottage:",
             frozenset({Role.clerk, Role.admin, Role.supervisor, Role.liaison})),
    PageSpec("panel", "pages/panel.py", ":material/groups:",
             frozenset({Role.clerk, Role.admin, Role.supervisor, Role.leader})),  # core.panel.READERS
    PageSpec("dashboard", "pages/dashboard.py", ":material/monitoring:", STAFF_ROLES, section="analysis"),
    PageSpec("scores", "pages/scores.py", ":material/leaderboard:", STAFF_ROLES, section="analysis"),
    PageSpec("topics", "pages/topics.py", ":material/target:", STAFF_ROLES, section="analysis"),
    PageSpec("reports", "pages/reports.py", ":material/summarize:", STAFF_ROLES, section="analysis"),
    PageSpec("reception", "pages/reception.py", ":material/campaign:", READ_RECEPTIONS, section="reception"),
    PageSpec("agenda", "pages/agenda.py", ":material/checklist:", READ_RECEPTIONS, section="reception"),
    PageSpec("reception_ledger", "pages/reception_ledger.py", ":material/menu_book:", READ_RECEPTIONS, section="reception"),
    PageSpec("network", "pages/network.py", ":material/account_tree:", STAFF_ROLES, section="admin"),
    PageSpec("users", "pages/users.py", ":material/manage_accounts:", frozenset({Role.admin}), section="admin"),
    PageSpec("limits", "pages/limits.py", ":material/event_available:", frozenset({Role.admin}), section="admin"),
    PageSpec("templates", "pages/templates.py", ":material/edit_note:", frozenset({Role.admin}), section="admin"),
    PageSpec("import", "pages/import.py", ":material/upload_file:", frozenset({Role.clerk, Role.admin}), section="admin"),
    PageSpec("keywords", "pages/keywords.py", ":material/label:", frozenset({Role.admin}), section="admin"),
    PageSpec("account", "pages/account.py", ":material/person:", ALL_ROLES, section="me"),
)
PAGES_BY_KEY = {page.key: page for page in PAGES}
SECTIONS = ("work", "reception", "analysis", "admin", "me")


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user as the rules see it: roles and scope read fresh from the database."""

    id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    unit_id: int | None
    liaison_id: int | None
    must_change_password: bool = False
    token_version: int = 0

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


def pages_for(roles: frozenset[Role] | set[Role]) -> list[PageSpec]:
    return [page for page in PAGES if page.roles.intersection(roles)]


def may_open(user: CurrentUser | None, page_key: str) -> bool:
    return user is not None and bool(PAGES_BY_KEY[page_key].roles.intersection(user.roles))


def sees_personal_data(user: CurrentUser) -> bool:
    """Why: residents' names and phones go only to those who must call them back or check the
    report — the center, the supervision office, the handling unit and the reporting liaison.
    Leaders and dashboards see the matter, not the person."""
    return user.has(Role.clerk, Role.supervisor, Role.admin, Role.unit_handler, Role.liaison)


def hash_password(password: str, username: str | None = None) -> str:
    validate_password(password, username)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    encoded = password.encode("utf-8")
    if len(encoded) > BCRYPT_MAX_BYTES:
        return False
    return bcrypt.checkpw(encoded, password_hash.encode("ascii"))


COMMON_PASSWORDS = frozenset({
    "12345678", "123456789", "1234567890", "87654321", "11111111", "88888888", "66666666", "00000000",
    "password", "password1", "passw0rd", "qwerty123", "qwertyui", "abc12345", "abcd1234", "a1234567",
    "a12345678", "admin123", "admin888", "admin1234", "1qaz2wsx", "1q2w3e4r", "iloveyou", "woaini1314",
    "5201314520", "zxcvbnm123", "asdf1234", "aa123456", "123qweasd", "qq123456"})


def validate_password(password: str, username: str | None = None) -> None:
    """Why: bcrypt 5 raises on more than 72 bytes (about 24 Chinese characters), so say it first;
    spaces at either end are refused (the sign-in form trims nothing, so the account would lock
    itself out); the user name, one repeated character, a run of digits and the most common
    passwords are the first an attacker tries."""
    if password != password.strip():
        raise DomainError("error.password_spaces", field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("error.password_short", field="password", n=MIN_PASSWORD_LENGTH)
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise DomainError("error.password_long", field="password")
    lowered = password.lower()
    digits_run = password.isdigit() and all(abs(int(a) - int(b)) == 1 for a, b in zip(password, password[1:]))
    if (lowered in COMMON_PASSWORDS or len(set(password)) == 1 or digits_run
            or (username and lowered == username.strip().lower())):
        raise DomainError("error.password_weak", field="password")


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def roles_of(session: Session, user_id: int) -> frozenset[Role]:
    rows = session.exec(select(UserRole.role).where(UserRole.user_id == user_id)).all()
    return frozenset(Role(r) for r in rows)


def load_current_user(session: Session, username: str) -> CurrentUser | None:
    """None when the account does not exist or is disabled: a disabled user is signed out on
    their next click, whatever their cookie says."""
    user = session.exec(select(User).where(func.lower(User.username) == username.strip().lower())).first()
    if user is None or not user.active:
        return None
    liaison_id = session.exec(select(Liaison.id).where(Liaison.user_id == user.id)).first()
    return CurrentUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=roles_of(session, user.id),
        unit_id=user.unit_id,
        liaison_id=liaison_id,
        must_change_password=user.must_change_password,
        token_version=user.token_version,
    )


SIGN_IN_WINDOW = timedelta(minutes=15)
SIGN_IN_FAILS_PER_ACCOUNT = 5  # within the window: the user name is locked until the window passes
SIGN_IN_FAILS_PER_CLIENT = 20  # within the window, whatever the user names tried


@functools.cache
def _decoy_hash() -> str:
    return bcrypt.hashpw(secrets.token_bytes(16).hex().encode("ascii"), bcrypt.gensalt()).decode("ascii")


def sign_in(session: Session, *, username: str, password: str, client: str | None, now: datetime) -> CurrentUser:
    """Why: a password may be guessed only a few times. Failures are recorded and lock the user
    name (known or not, so a lock reveals nothing) and the client for SIGN_IN_WINDOW; an unknown
    or disabled name costs the same bcrypt check as a real one, so timing tells nothing either.
    The record is committed here: the caller rolls back on the error, and a failure that is not
    kept limits nothing."""
    name = (username or "").strip().lower()[:64]
    client = (client or "")[:64]
    since = now - SIGN_IN_WINDOW
    failed = select(func.count()).select_from(SignInAttempt).where(
        SignInAttempt.at >= since, SignInAttempt.ok == False)  # noqa: E712
    last_success = session.exec(select(func.max(SignInAttempt.at)).where(
        SignInAttempt.username == name, SignInAttempt.ok == True)).one()  # noqa: E712
    account_fails = failed.where(SignInAttempt.username == name)
    if last_success is not None:
        account_fails = account_fails.where(SignInAttempt.at > last_success)
    if (session.exec(account_fails).one() >= SIGN_IN_FAILS_PER_ACCOUNT
            or session.exec(failed.where(SignInAttempt.client == client)).one() >= SIGN_IN_FAILS_PER_CLIENT):
        raise DomainError("error.sign_in_locked", minutes=int(SIGN_IN_WINDOW.total_seconds() // 60))
    user = session.exec(select(User).where(func.lower(User.username) == name)).first() if name else None
    ok = verify_password(password or "", user.password_hash if user else _decoy_hash())
    ok = ok and user is not None and user.active
    session.add(SignInAttempt(username=name, client=client, at=now, ok=ok))
    session.commit()
    if not ok:
        raise DomainError("error.sign_in_failed")
    return load_current_user(session, user.username)


TOKEN_ALGORITHM = "HS256"


def session_token(user: CurrentUser, *, key: str, now: datetime, days: int) -> str:
    """The signed cookie value: who, which token version, until when (`now` is timezone-aware)."""
    return jwt.encode({"username": user.username, "ver": user.token_version,
                       "exp_date": (now + timedelta(days=days)).timestamp()}, key, algorithm=TOKEN_ALGORITHM)


def user_from_token(session: Session, token: str | None, *, key: str, now: datetime) -> CurrentUser | None:
    """Why: a cookie is worth only as much as the account behind it now — a forged, expired or
    malformed token, a disabled account, or one signed out or reset since (a newer token version)
    gives None, never an error."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=[TOKEN_ALGORITHM], options={"verify_exp": False})
        username, version, expires = str(claims["username"]), int(claims["ver"]), float(claims["exp_date"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None
    if expires <= now.timestamp():
        return None
    user = load_current_user(session, username)
    return user if user is not None and user.token_version == version else None


def still_valid(session: Session, *, username: str, token_version: int | None) -> CurrentUser | None:
    """The account behind a live session, or None once it was disabled, reset or signed out elsewhere."""
    user = load_current_user(session, username)
    return user if user is not None and user.token_version == token_version else None


def sign_out(session: Session, *, username: str) -> None:
    """Ends every session and cookie of the account (all devices): the token version moves on."""
    user = session.exec(select(User).where(func.lower(User.username) == (username or "").strip().lower())).first()
    if user is not None:
        user.token_version += 1
        session.flush()


def _require_admin(actor: CurrentUser) -> None:
    if not actor.has(Role.admin):
        raise DomainError("error.permission")


def _validate_account(session: Session, *, display_name: str, roles: set[Role], unit_id: int | None,
                      station_id: int | None) -> None:
    if not display_name.strip():
        raise DomainError("error.name_required", field="display_name")
    if not roles:
        raise DomainError("error.roles_required", field="roles")
    if Role.unit_handler in roles and unit_id is None:
        raise DomainError("error.unit_required", field="unit_id")
    if Role.liaison in roles and station_id is None:
        raise DomainError("error.station_required", field="station_id")


def _set_roles(session: Session, user_id: int, roles: set[Role]) -> None:
    for row in session.exec(select(UserRole).where(UserRole.user_id == user_id)).all():
        session.delete(row)
    session.flush()
    for role in sorted(roles):
        session.add(UserRole(user_id=user_id, role=role))


def _link_liaison(session: Session, user: User, station_id: int | None, roles: set[Role]) -> None:
    liaison = session.exec(select(Liaison).where(Liaison.user_id == user.id)).first()
    if Role.liaison not in roles:
        return
    if liaison is None:  # a liaison already on the network's list at that station becomes this account's
        liaison = session.exec(select(Liaison).where(Liaison.name == user.display_name, Liaison.user_id.is_(None),
                                                     Liaison.station_id == station_id)).first()
        if liaison is not None:
            liaison.user_id = user.id
            return
    if liaison is None:
        session.add(Liaison(user_id=user.id, name=user.display_name, phone=user.phone,
                            station_id=station_id, source=LiaisonSource.other))
    else:
        liaison.station_id = station_id
        liaison.name = user.display_name


def _link_leader(session: Session, user: User, roles: set[Role], title: str | None,
                 leader_id: int | None = None) -> None:
    """Why: a 领导 account must be a leader of the network — to be in reception rotations, own cases
    and sign closes. An unlinked leader record of the same name is taken over, else one is made."""
    if Role.leader not in roles:
        return
    leader = session.get(Leader, leader_id) if leader_id is not None else None
    if leader is not None and leader.user_id not in (None, user.id):
        raise DomainError("error.leader_taken", field="leader_id", name=leader.name)
    leader = leader or session.exec(select(Leader).where(Leader.user_id == user.id)).first()
    if leader is None:
        leader = session.exec(select(Leader).where(Leader.name == user.display_name,
                                                   Leader.user_id.is_(None))).first()
    if leader is None:
        order = session.exec(select(func.max(Leader.rotation_order))).one() or 0
        leader = Leader(name=user.display_name, title=(title or "").strip() or "领导", phone=user.phone,
                        rotation_order=order + 1)
        session.add(leader)
    leader.user_id = user.id
    if title and title.strip():
        leader.title = title.strip()[:80]


def _active_admin_count(session: Session, excluding: int | None = None) -> int:
    query = (select(func.count()).select_from(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.admin, User.active == True))  # noqa: E712
    if excluding is not None:
        query = query.where(User.id != excluding)
    return session.exec(query).one()


def create_user(session: Session, *, actor: CurrentUser | None, username: str, display_name: str,
                password: str, roles: set[Role], now: datetime, unit_id: int | None = None,
                station_id: int | None = None, phone: str | None = None,
                must_change_password: bool = True, leader_title: str | None = None,
                leader_id: int | None = None) -> User:
    """`actor=None` only for bootstrap paths (first admin, demo data, CLI). User names are kept in
    lower case: the sign-in form lower-cases what is typed, so ZhangSan and zhangsan are one name."""
    if actor is not None:
        _require_admin(actor)
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise DomainError("error.username_format", field="username")
    if session.exec(select(User.id).where(func.lower(User.username) == username)).first() is not None:
        raise DomainError("error.username_taken", field="username", username=username)
    _validate_account(session, display_name=display_name, roles=roles, unit_id=unit_id, station_id=station_id)
    user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password, username),
                phone=phone, unit_id=unit_id, must_change_password=must_change_password,
                created_at=now, updated_at=now)
    session.add(user)
    session.flush()
    _set_roles(session, user.id, roles)
    _link_liaison(session, user, station_id, roles)
    _link_leader(session, user, roles, leader_title, leader_id)
    session.flush()
    return user


def update_user(session: Session, *, actor: CurrentUser, user_id: int, display_name: str,
                roles: set[Role], active: bool, now: datetime, unit_id: int | None = None,
                station_id: int | None = None, leader_title: str | None = None,
                leader_id: int | None = None) -> User:
    _require_admin(actor)
    user = session.get(User, user_id)
    _validate_account(session, display_name=display_name, roles=roles, unit_id=unit_id, station_id=station_id)
    if (Role.admin not in roles or not active) and Role.admin in roles_of(session, user_id) \
            and _active_admin_count(session, excluding=user_id) == 0:
        raise DomainError("error.last_admin")
    user.display_name = display_name.strip()
    user.unit_id = unit_id
    if user.active and not active:
        user.token_version += 1  # a disabled account's sessions and cookies end at once
    user.active = active
    user.updated_at = now
    _set_roles(session, user_id, roles)
    _link_liaison(session, user, station_id, roles)
    _link_leader(session, user, roles, leader_title, leader_id)
    session.flush()
    return user


def reset_password(session: Session, *, actor: CurrentUser, user_id: int, new_password: str,
                   now: datetime) -> None:
    _require_admin(actor)
    user = session.get(User, user_id)
    user.password_hash = hash_password(new_password, user.username)
    user.must_change_password = True
    user.token_version += 1  # whoever held the old password is signed out everywhere
    user.updated_at = now
    session.flush()


def change_own_password(session: Session, *, actor: CurrentUser, current_password: str,
                        new_password: str, repeat_password: str, now: datetime) -> int:
    """Returns the new token version: the caller's own session carries on with it."""
    user = session.get(User, actor.id)
    if not verify_password(current_password, user.password_hash):
        raise DomainError("error.password_wrong", field="current")
    if new_password != repeat_password:
        raise DomainError("error.password_mismatch", field="repeat")
    user.password_hash = hash_password(new_password, user.username)
    user.must_change_password = False
    user.token_version += 1  # other sessions and copied cookies end; the caller renews its own
    user.updated_at = now
    session.flush()
    return user.token_version


def station_units(session: Session) -> list[Unit]:
    return session.exec(select(Unit).where(Unit.kind.in_([UnitKind.village, UnitKind.community]),
                                           Unit.active == True)  # noqa: E712
                        .order_by(Unit.parent_id, Unit.sort_order, Unit.id)).all()


def list_users(session: Session) -> list[dict]:
    users = session.exec(select(User).order_by(User.id)).all()
    roles: dict[int, list[str]] = {}
    for row in session.exec(select(UserRole)).all():
        roles.setdefault(row.user_id, []).append(str(row.role))
    stations = {lid: (sid, name) for lid, sid, name in session.exec(
        select(Liaison.user_id, Liaison.station_id, Unit.name).join(Unit, Unit.id == Liaison.station_id)
        .where(Liaison.user_id.is_not(None))).all()}
    return [{"id": u.id, "username": u.username, "display_name": u.display_name, "unit_id": u.unit_id,
             "roles": sorted(roles.get(u.id, [])), "active": u.active,
             "station_id": stations.get(u.id, (None, None))[0], "station": stations.get(u.id, (None, None))[1]}
            for u in users]
