"""Wordings kept for recurring writing: leaders' instructions (批示) and replies to residents
(答复模板), per category or for all; the admin edits them, leaders and clerks start from them.
Placeholders in braces are filled from the case; anything else is left as typed."""
from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from core import limits
from core.auth import CurrentUser
from core.errors import DomainError
from core.models import Case, Category, Role, TemplateKind, TextTemplate, Unit

TITLE_MAX, BODY_MAX = 40, 2000
PLACEHOLDERS = ("code", "title", "unit", "due", "township", "result")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")

# the starter set a new county gets; the admin edits or retires them
DEFAULTS: tuple[tuple[TemplateKind, str | None, str, str], ...] = (
    (TemplateKind.instruction, None, "按时限办结", "请{unit}按规定时限办结，于{due}前报送办理结果，并向群众反馈。"),
    (TemplateKind.instruction, None, "主要负责人督办",
     "请{unit}主要负责同志亲自过问，落实专人办理，确保{due}前办结，办理情况及时报县民情中心。"),
    (TemplateKind.instruction, None, "会同属地办理",
     "请{unit}会同{township}联合办理，摸清情况、依法依规解决，防止矛盾上交。"),
    (TemplateKind.reply, None, "通用答复",
     "您好！您反映的“{title}”（编号{code}）已由{unit}办理：{result}。感谢您对民情工作的支持，如有疑问请联系您的民情联络员。"),
    (TemplateKind.reply, "roads", "道路交通答复",
     "您好！您反映的“{title}”已由{unit}现场核实并处理：{result}。后续养护我们将持续跟进，欢迎监督。"),
    (TemplateKind.reply, "subsistence", "低保答复",
     "您好！关于您反映的低保事项（编号{code}），{unit}已按政策核查：{result}。如家庭情况变化，可随时向村（社区）申请复核。"),
)


def _require_admin(actor: CurrentUser) -> None:
    if not actor.has(Role.admin):
        raise DomainError("error.permission")


def all_templates(session: Session) -> list[TextTemplate]:
    return session.exec(select(TextTemplate).order_by(TextTemplate.kind, TextTemplate.category_id.is_not(None),
                                                      TextTemplate.category_id, TextTemplate.id)).all()


def templates_for(session: Session, *, kind: TemplateKind, category_id: int | None) -> list[TextTemplate]:
    """Active templates of a kind: those of the case's category first, then the general ones."""
    same = sa.false() if category_id is None else TextTemplate.category_id == category_id
    rows = session.exec(select(TextTemplate).where(
        TextTemplate.kind == kind, TextTemplate.active, sa.or_(TextTemplate.category_id.is_(None), same))
        .order_by(TextTemplate.category_id.is_(None), TextTemplate.id)).all()
    return list(rows)


def case_values(session: Session, case: Case, *, now: datetime | None = None) -> dict[str, str]:
    """What the placeholders stand for in this case. Before the order there is no deadline yet:
    with `now`, {due} is the one an order now would set (same rule as the order itself)."""
    def unit_name(unit_id: int | None) -> str:
        unit = session.get(Unit, unit_id) if unit_id else None
        return unit.name if unit else ""
    due = case.due_at
    if due is None and now is not None and case.tier is not None:
        try:
            due = limits.due_for(session, tier=case.tier, category_id=case.category_id, channel=case.channel,
                                 is_major=case.is_major, start=now, received_at=case.received_at)
        except DomainError:  # a year the calendar does not know: leave {due} for the writer
            due = None
    return {"code": case.tracking_code, "title": case.title, "unit": unit_name(case.unit_id),
            "due": f"{due:%Y年%m月%d日}" if due else "",
            "township": unit_name(case.township_id), "result": case.result_summary or ""}


def fill(body: str, values: dict[str, str]) -> str:
    """Known placeholders with a value are replaced; an empty one keeps its braces so the writer
    sees what is still to fill in."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), body)


def save_template(session: Session, *, actor: CurrentUser, now: datetime, kind: TemplateKind, title: str, body: str,
                  category_id: int | None = None, active: bool = True, template_id: int | None = None) -> TextTemplate:
    _require_admin(actor)
    title, body = (title or "").strip(), (body or "").strip()
    for name, value, limit in (("title", title, TITLE_MAX), ("body", body, BODY_MAX)):
        if not value:
            raise DomainError("error.fields_missing", field=name, fields=[name])
        if len(value) > limit:
            raise DomainError("error.too_long", field=name, fields=[name], n=limit)
    if category_id is not None and session.get(Category, category_id) is None:
        raise DomainError("error.fields_missing", field="category_id", fields=["category_id"])
    row = session.get(TextTemplate, template_id) if template_id is not None else None
    if row is None:
        row = TextTemplate(kind=kind, title=title, body=body, category_id=category_id, active=active,
                           updated_at=now, updated_by_id=actor.id)
        session.add(row)
    else:
        row.kind, row.title, row.body, row.category_id, row.active = kind, title, body, category_id, active
        row.updated_at, row.updated_by_id = now, actor.id
    session.flush()
    return row


def seed_defaults(session: Session, *, now: datetime) -> int:
    """The starter templates, once, for a county that has none (category codes not present are
    skipped)."""
    if session.exec(select(TextTemplate.id).limit(1)).first() is not None:
        return 0
    codes = dict(session.exec(select(Category.code, Category.id)).all())
    added = 0
    for kind, code, title, body in DEFAULTS:
        if code is not None and code not in codes:
            continue
        session.add(TextTemplate(kind=kind, category_id=codes.get(code) if code else None, title=title, body=body,
                                 updated_at=now))
        added += 1
    session.flush()
    return added
