"""Intake (S0 收集机制, S2 §一.3–4): the liaison's form and the duty room's registration, checked
field by field so each message can sit next to its field; photos and documents filed with the
case; repeat callers by phone; and the public progress lookup, which shows no personal data and
limits tries per browser session and per tracking code."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

import pandas as pd
from sqlmodel import Session, func, select

from core import board, services, workbook
from core.auth import CurrentUser, sees_personal_data
from core.errors import DomainError, FormErrors
from core.ledger import visible_cases
from core.models import (Attachment, Case, CaseAction, CaseStatus, Channel, Leader, LookupAttempt, ReceptionVisitor, Role, Unit,
                         UnitKind)

CONTENT_MIN, CONTENT_MAX = 5, 2000
NAME_MAX, ADDRESS_MAX = 40, 200
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
ATTACHMENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf",
                    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_MAX = 3
# the duty room's channels (S2 §一.4); the liaison form and receptions have their own pages
DUTY_CHANNELS = (Channel.hotline, Channel.mailbox, Channel.survey, Channel.forum, Channel.visit, Channel.direct_report)
FLAGS = ("none", "urgent", "major")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def normalize_phone(raw: str | None, *, required: bool = False) -> str | None:
    """Mainland mobile (11 digits from 13–19) or landline with area code (0xxx-xxxxxxx, optional
    extension); full-width digits and dashes are read as digits and dashes; spaces and a +86 prefix
    are dropped."""
    phone = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", raw or ""))  # full-width digits typed on a phone
    phone = re.sub(r"^(\+?86)(?=1\d{10}$)", "", phone)
    if not phone:
        if required:
            raise DomainError("error.fields_missing", field="phone", fields=["phone"])
        return None
    if MOBILE.match(phone) or LANDLINE.match(phone):
        return phone
    raise DomainError("error.phone_format", field="phone")


def collect(checks: dict[str, callable]) -> dict:
    """Run each field's check, gather every refusal, raise them together."""
    values, errors = {}, {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except DomainError as exc:
            errors[name] = exc
    if errors:
        raise FormErrors(errors)
    return values


def text_field(value: str | None, name: str, *, required: bool, low: int = 0, high: int) -> str | None:
    """Typed text, normalised at the edge: control characters pasted from other programs (a
    vertical tab, a NUL) dropped, newlines and tabs kept."""
    text = workbook.CONTROL_CHARACTERS.sub("", value or "").strip()
    if not text:
        if required:
            raise DomainError("error.fields_missing", field=name, fields=[name])
        return None
    if len(text) < low:
        raise DomainError("error.too_short", field=name, fields=[name], n=low)
    if len(text) > high:
        raise DomainError("error.too_long", field=name, fields=[name], n=high)
    return text


def _place(session: Session, township_id: int | None, village_id: int | None, *, required: bool) -> tuple:
    if township_id is None:
        if required:
            raise DomainError("error.fields_missing", field="township_id", fields=["township_id"])
        return None, None
    town = session.get(Unit, township_id)
    if town is None or town.kind not in (UnitKind.township, UnitKind.community):
        raise DomainError("error.fields_missing", field="township_id", fields=["township_id"])
    if village_id is not None:
        village = session.get(Unit, village_id)
        if village is None or village.parent_id != township_id:
            raise DomainError("error.village_mismatch", field="village_id")
    return township_id, village_id


def _uploads(files: list[Upload]) -> list[tuple[Upload, str]]:
    if len(files) > ATTACHMENTS_MAX:
        raise DomainError("error.attachments_count", field="attachments", n=ATTACHMENTS_MAX)
    checked = []
    for file in files:
        suffix = PurePath(file.filename).suffix.lower()
        if suffix not in ATTACHMENT_TYPES:
            raise DomainError("error.attachment_type", field="attachments", name=file.filename,
                              types="、".join(sorted(ATTACHMENT_TYPES)))
        if len(file.data) > ATTACHMENT_MAX_BYTES:
            raise DomainError("error.attachment_size", field="attachments", name=file.filename,
                              mb=ATTACHMENT_MAX_BYTES // (1024 * 1024))
        checked.append((file, ATTACHMENT_TYPES[suffix]))
    return checked


def submit_liaison_report(session: Session, *, actor: CurrentUser, now: datetime, who: str, phone: str | None,
                          township_id: int | None, village_id: int | None, content: str, category_id: int | None,
                          flag: str = "none", files: list[Upload] = ()) -> Case:
    """The liaison's six things: who is affected (and a phone to reach them), where, what, the
    category (suggested), urgent or major, photos. Every refused field is reported at once."""
    if not actor.has(Role.liaison):
        raise DomainError("error.permission")
    v = collect({
        "who": lambda: text_field(who, "who", required=True, high=NAME_MAX),
        "phone": lambda: normalize_phone(phone),
        "place": lambda: _place(session, township_id, village_id, required=True),
        "content": lambda: text_field(content, "content", required=True, low=CONTENT_MIN, high=CONTENT_MAX),
        "flag": lambda: flag if flag in FLAGS else "none",
        "attachments": lambda: _uploads(list(files)),
    })
    case = services.register(session, actor=actor, now=now, channel=Channel.liaison_form, content=v["content"],
                             reporter_name=v["who"], reporter_phone=v["phone"], township_id=v["place"][0],
                             village_id=v["place"][1], category_id=category_id, is_urgent=v["flag"] == "urgent",
                             is_major=v["flag"] == "major")
    _attach(session, case, v["attachments"], actor=actor, now=now)
    return case


def register_call(session: Session, *, actor: CurrentUser, now: datetime, channel: Channel, caller: str,
                  address: str | None, phone: str | None, content: str, received_at: datetime | None = None,
                  township_id: int | None = None, village_id: int | None = None, category_id: int | None = None,
                  flag: str = "none", files: list[Upload] = ()) -> Case:
    """The 24-hour duty room (S2 §一.4): caller, work unit or address, phone, content, time and
    channel; the time may be earlier than now (a call written up after the night), never later."""
    if not actor.has(Role.clerk):
        raise DomainError("error.permission")

    def when() -> datetime:
        at = received_at or now
        if at > now + timedelta(minutes=5):
            raise DomainError("error.received_future", field="received_at")
        if at < now - timedelta(days=30):
            raise DomainError("error.received_old", field="received_at")
        return at

    v = collect({
        "intake_channel": lambda: _duty_channel(channel),
        "caller": lambda: text_field(caller, "caller", required=True, high=NAME_MAX),
        "address": lambda: text_field(address, "address", required=False, high=ADDRESS_MAX),
        "phone": lambda: normalize_phone(phone, required=True),
        "content": lambda: text_field(content, "content", required=True, low=CONTENT_MIN, high=CONTENT_MAX),
        "received_at": when,
        "place": lambda: _place(session, township_id, village_id, required=False),
        "attachments": lambda: _uploads(list(files)),
    })
    case = services.register(session, actor=actor, now=v["received_at"], channel=v["intake_channel"], content=v["content"],
                             reporter_name=v["caller"], reporter_phone=v["phone"], reporter_address=v["address"],
                             township_id=v["place"][0], village_id=v["place"][1], category_id=category_id,
                             is_urgent=flag == "urgent", is_major=flag == "major")
    _attach(session, case, v["attachments"], actor=actor, now=now)
    return case


def record_reception_visitor(session: Session, *, actor: CurrentUser, now: datetime, reception_key: str,
                             name: str, phone: str | None, address: str | None, demand: str,
                             on_site_answer: str = "", answered_on_spot: bool = False, visitor_reaction: str = "",
                             township_id: int | None = None, village_id: int | None = None,
                             category_id: int | None = None, flag: str = "none") -> tuple[ReceptionVisitor, Case]:
    """一人一档 at a reception: the visitor, the demand and the answer given there. The demand becomes
    a case owned by the receiving leader (谁接待谁受理, S1/S4) — general within one week, major within
    two, counted from the reception. A demand settled on the spot is closed at once with the
    visitor's reaction as its follow-up (现场答复)."""
    from core import reception
    if not actor.has(Role.clerk, Role.leader):
        raise DomainError("error.permission")
    occ = reception.occurrence(session, reception_key)
    if actor.has(Role.leader) and not actor.has(Role.clerk) and \
            board.leader_id_of(session, actor) not in (occ.effective_leader_id, occ.attended_id):
        raise DomainError("error.permission")
    if occ.date > now.date():
        raise DomainError("error.reception_future")
    v = collect({
        "name": lambda: text_field(name, "name", required=True, high=NAME_MAX),
        "phone": lambda: normalize_phone(phone),
        "address": lambda: text_field(address, "address", required=False, high=ADDRESS_MAX),
        "content": lambda: text_field(demand, "content", required=True, low=CONTENT_MIN, high=CONTENT_MAX),
        "on_site_answer": lambda: text_field(on_site_answer, "on_site_answer", required=answered_on_spot, high=CONTENT_MAX),
        "visitor_reaction": lambda: text_field(visitor_reaction, "visitor_reaction", required=answered_on_spot,
                                          high=ADDRESS_MAX),
        "place": lambda: _place(session, township_id, village_id, required=False),
    })
    day = reception.materialise(session, reception_key)
    leader = session.get(Leader, occ.attended_id or occ.effective_leader_id) if occ.effective_leader_id else None
    received = min(now, datetime.combine(occ.date, occ.start_time))  # heard at the reception, written up later
    case = services.register(session, actor=actor, now=received, channel=Channel.reception, content=v["content"],
                             reporter_name=v["name"], reporter_phone=v["phone"], reporter_address=v["address"],
                             township_id=v["place"][0] or (occ.unit_id if _is_township(session, occ.unit_id) else None),
                             village_id=v["place"][1] or occ.village_id, category_id=category_id,
                             is_urgent=flag == "urgent", is_major=flag == "major",
                             owner_leader_id=leader.id if leader else None, reception_day_id=day.id)
    if answered_on_spot:
        case = services.answer_on_spot(session, case_id=case.id, actor=actor, now=received,
                                       expected_version=case.version, answer=v["on_site_answer"],
                                       responsible_signoff=actor.display_name, follow_up_note=v["visitor_reaction"],
                                       leader_signoff=leader.name if leader else None)
    visitor = ReceptionVisitor(reception_day_id=day.id, name=v["name"], phone=v["phone"], address=v["address"] or "",
                               demand=v["content"], on_site_answer=v["on_site_answer"] or "", case_id=case.id,
                               recorded_at=now, recorded_by_id=actor.id)
    session.add(visitor)
    session.flush()
    return visitor, case


def _is_township(session: Session, unit_id: int | None) -> bool:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit is not None and unit.kind in (UnitKind.township, UnitKind.community)


def _duty_channel(channel: Channel | str | None) -> Channel:
    if channel not in DUTY_CHANNELS:
        raise DomainError("error.fields_missing", field="intake_channel", fields=["intake_channel"])
    return Channel(channel)


def _attach(session: Session, case: Case, files: list[tuple[Upload, str]], *, actor: CurrentUser,
            now: datetime) -> None:
    for file, content_type in files:
        session.add(Attachment(case_id=case.id, filename=PurePath(file.filename).name[-120:],
                               content_type=content_type, size=len(file.data), data=file.data, uploaded_at=now,
                               uploaded_by_id=actor.id))
    session.flush()


def add_attachments(session: Session, *, actor: CurrentUser, case_id: int, files: list[Upload],
                    now: datetime) -> None:
    """More files on a case the user may see (the handling unit adds its photos of the result); the
    case's record says who added which files when."""
    case = session.exec(select(Case).where(Case.id == case_id, visible_cases(actor))).first()
    if case is None:
        raise DomainError("error.case_not_found")
    existing = session.exec(select(func.count()).select_from(Attachment).where(Attachment.case_id == case_id)).one()
    if existing + len(files) > ATTACHMENTS_MAX * 3:
        raise DomainError("error.attachments_count", field="attachments", n=ATTACHMENTS_MAX * 3)
    checked = _uploads(list(files))
    _attach(session, case, checked, actor=actor, now=now)
    services.note(session, case, actor=actor, action=CaseAction.attach, now=now,
                  details={"files": [PurePath(file.filename).name[-120:] for file, _type in checked]})


def attachments_of(session: Session, *, user: CurrentUser, case_id: int) -> list[Attachment]:
    """The case's files for a user who may see the case; nothing for anyone else."""
    return session.exec(select(Attachment).join(Case, Case.id == Attachment.case_id)
                        .where(Attachment.case_id == case_id, visible_cases(user)).order_by(Attachment.id)).all()


def earlier_cases(session: Session, *, user: CurrentUser, phone: str, limit: int = 10) -> pd.DataFrame:
    """Repeat callers: the cases this phone number reported before, newest first. Only for roles
    that may see residents' phones."""
    if not sees_personal_data(user):
        raise DomainError("error.permission")
    try:
        number = normalize_phone(phone)
    except DomainError:
        return pd.DataFrame()
    if number is None:
        return pd.DataFrame()
    rows = session.exec(select(Case.tracking_code, Case.received_at, Case.title, Case.status, Case.reporter_name)
                        .where(Case.reporter_phone == number, visible_cases(user))
                        .order_by(Case.received_at.desc()).limit(limit)).mappings().all()
    return pd.DataFrame(rows)


# ---- the public progress page -------------------------------------------------------------

LOOKUP_FAILS_PER_CODE = 5  # within LOOKUP_WINDOW, then the code is locked for the rest of it
LOOKUP_FAILS_PER_CLIENT = 20  # within LOOKUP_WINDOW, whatever the codes and browser sessions
LOOKUP_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Progress:
    tracking_code: str
    status: CaseStatus
    received_on: str
    due_on: str | None
    result: str | None
    closed: bool


def lookup_progress(session: Session, *, tracking_code: str, phone_last4: str, client: str | None,
                    now: datetime) -> Progress:
    """Stage, deadline and result summary for the code and the last four digits of the phone it
    was reported with; no names, no phone, no unit contacts. A wrong pair is one answer for
    'no such code' and 'wrong digits', so codes cannot be probed. Why the failure is committed
    here: the caller rolls back on the error, and a failure that is not kept limits nothing."""
    code = (tracking_code or "").strip().upper()
    digits = (phone_last4 or "").strip()
    if not code or not re.fullmatch(r"\d{4}", digits):
        raise DomainError("error.lookup_input")
    since = now - LOOKUP_WINDOW
    failed = select(func.count()).select_from(LookupAttempt).where(
        LookupAttempt.at >= since, LookupAttempt.ok == False)  # noqa: E712
    if session.exec(failed.where(LookupAttempt.client == (client or "")[:64])).one() >= LOOKUP_FAILS_PER_CLIENT:
        raise DomainError("error.lookup_session_limit")
    if session.exec(failed.where(LookupAttempt.tracking_code == code[:20])).one() >= LOOKUP_FAILS_PER_CODE:
        raise DomainError("error.lookup_locked")
    case = session.exec(select(Case).where(Case.tracking_code == code)).first()
    ok = case is not None and bool(case.reporter_phone) and case.reporter_phone.endswith(digits)
    session.add(LookupAttempt(tracking_code=code[:20], client=(client or "")[:64], at=now, ok=ok))
    session.flush()
    if not ok:
        session.commit()
        raise DomainError("error.lookup_no_match")
    status = CaseStatus(case.status)
    finished = status in (CaseStatus.approved, CaseStatus.fed_back, CaseStatus.closed, CaseStatus.explained)
    return Progress(tracking_code=case.tracking_code, status=status, received_on=f"{case.received_at:%Y-%m-%d}",
                    due_on=f"{case.due_at:%Y-%m-%d}" if case.due_at else None,
                    result=case.result_summary if finished else None,
                    closed=status in (CaseStatus.closed, CaseStatus.explained, CaseStatus.merged))
