"""The one rule table of a case's life (一单制): for every status, which actions are allowed, to
which status they lead and which roles may take them; plus the scope rule (whose case) and the
guards that name what is missing. Pure: no database, no clock."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.auth import CurrentUser
from core.errors import DomainError
from core.models import CaseAction as A, CaseStatus as S, Rating, Role, Tier, Truthfulness

SAME = None  # the action leaves the status where it is (rate, follow-up, extension, supervision…)


@dataclass(frozen=True)
class Rule:
    to: S | None
    roles: frozenset[Role]


def _r(to: S | None, *roles: Role) -> Rule:
    return Rule(to, frozenset(roles))


CLERK, LEADER, UNIT, SUPERVISOR, LIAISON = Role.clerk, Role.leader, Role.unit_handler, Role.supervisor, Role.liaison
HANDLING = (S.dispatched, S.in_progress, S.returned)

_IN_HANDLING: dict[A, Rule] = {
    A.transfer: _r(S.dispatched, CLERK, LEADER),
    A.request_extension: _r(SAME, UNIT),
    A.approve_extension: _r(SAME, SUPERVISOR, LEADER),
    A.supervise: _r(SAME, SUPERVISOR),
    A.circulate: _r(SAME, SUPERVISOR),
    A.explain_and_close: _r(S.explained, CLERK, LEADER),
}

TABLE: dict[S, dict[A, Rule]] = {
    S.received: {
        A.draft: _r(S.drafted, CLERK),
        A.answer_on_spot: _r(S.closed, CLERK, LEADER),
        A.merge: _r(S.merged, CLERK),
        A.explain_and_close: _r(S.explained, CLERK, LEADER),
    },
    S.drafted: {
        A.draft: _r(S.drafted, CLERK),
        A.order: _r(S.dispatched, CLERK, LEADER),
        A.answer_on_spot: _r(S.closed, CLERK, LEADER),
        A.merge: _r(S.merged, CLERK),
        A.explain_and_close: _r(S.explained, CLERK, LEADER),
    },
    S.dispatched: {
        A.accept: _r(S.in_progress, UNIT),
        A.decline: _r(S.drafted, UNIT),
        **_IN_HANDLING,
    },
    S.in_progress: {
        A.report: _r(S.reported, UNIT),
        **_IN_HANDLING,
    },
    S.returned: {
        A.report: _r(S.reported, UNIT),
        **_IN_HANDLING,
    },
    S.reported: {
        A.approve: _r(S.approved, SUPERVISOR),
        A.return_for_redo: _r(S.returned, SUPERVISOR),
        A.circulate: _r(SAME, SUPERVISOR),
    },
    S.approved: {
        A.feedback: _r(S.fed_back, CLERK, LEADER),
        A.circulate: _r(SAME, SUPERVISOR),
    },
    S.fed_back: {
        # a 不满意 rating sends the case back for a second handling: see next_status
        A.rate: _r(SAME, LIAISON, CLERK),
        A.follow_up: _r(SAME, CLERK, SUPERVISOR, LEADER),
        A.close: _r(S.closed, CLERK, LEADER),
        A.circulate: _r(SAME, SUPERVISOR),
    },
    S.closed: {
        A.reopen: _r(S.drafted, CLERK, SUPERVISOR, LEADER),
        A.circulate: _r(SAME, SUPERVISOR),
    },
    S.explained: {
        A.reopen: _r(S.drafted, CLERK, SUPERVISOR, LEADER),
    },
    S.merged: {
        A.reopen: _r(S.received, CLERK, SUPERVISOR),
    },
}

# Notes in the log that change no stage: the system's reschedule when a year's holidays are
# entered, and files added to a case after it was filed.
NOTES: frozenset[A] = frozenset({A.reschedule, A.attach, A.agenda_outcome, A.panel_draw, A.panel_hearing})
# Actions a person takes on an existing case (register creates one; import_ledger is bulk).
CASE_ACTIONS: tuple[A, ...] = tuple(a for a in A if a not in (A.register, A.import_ledger, *NOTES))
TERMINAL: frozenset[S] = frozenset({S.closed, S.explained, S.merged})
# When a user holds several roles, the event records the first of these that the rule allows.
ROLE_PRECEDENCE = (Role.unit_handler, Role.liaison, Role.supervisor, Role.leader, Role.clerk, Role.admin)


def rule_for(status: S | str, action: A | str) -> Rule | None:
    return TABLE[S(status)].get(A(action))


def next_status(status: S | str, action: A | str, *, rating: Rating | str | None = None) -> S:
    """Where `action` leads from `status`. Why the one exception: S1 签单 / S2 §三.5 — a resident
    not satisfied sends the case back to the unit for a second handling."""
    rule = rule_for(status, action)
    if rule is None:
        raise DomainError("error.action_not_allowed", action=str(action), status=str(status))
    if A(action) == A.rate and rating == Rating.dissatisfied:
        return S.returned
    return S(status) if rule.to is SAME else rule.to


def in_scope(user: CurrentUser, role: Role, *, case_unit_id: int | None, case_liaison_id: int | None) -> bool:
    """Why: a handling unit acts only on its own unit's cases and a liaison only on their own
    reports; the center, leaders and the supervision office act county-wide."""
    if role == Role.unit_handler:
        return user.unit_id is not None and case_unit_id == user.unit_id
    if role == Role.liaison:
        return user.liaison_id is not None and case_liaison_id == user.liaison_id
    return True


def acting_role(user: CurrentUser, status: S | str, action: A | str, *, case_unit_id: int | None,
                case_liaison_id: int | None) -> Role | None:
    """The role under which `user` may take `action` on this case now, or None."""
    rule = rule_for(status, action)
    if rule is None:
        return None
    for role in ROLE_PRECEDENCE:
        if role in user.roles and role in rule.roles and in_scope(
                user, role, case_unit_id=case_unit_id, case_liaison_id=case_liaison_id):
            return role
    return None


def allowed_actions(user: CurrentUser, status: S | str, *, case_unit_id: int | None,
                    case_liaison_id: int | None) -> list[A]:
    """What the UI offers: exactly the actions the table lets this user take on this case now."""
    return [action for action in TABLE[S(status)]
            if acting_role(user, status, action, case_unit_id=case_unit_id, case_liaison_id=case_liaison_id)]


def require(values: Mapping[str, object], fields: Iterable[str]) -> None:
    """Refuse with the list of empty required fields (keys of labels 'field.*')."""
    missing = [f for f in fields if values.get(f) is None or (isinstance(values.get(f), str) and not values[f].strip())]
    if missing:
        raise DomainError("error.fields_missing", fields=missing)


REPORT_FIELDS = ("truthful", "cause", "measures", "result", "liaison_opinion", "responsible_person")
DRAFT_FIELDS = ("category_id", "tier", "priority")
TIERS_NEEDING_UNIT = (Tier.unit, Tier.meeting, Tier.county)


def check_report(values: Mapping[str, object]) -> None:
    """S2 §二.2 / §四.4: a report names whether the complaint is true, the cause, what was done,
    the result, the liaison's opinion and the responsible person who signs it."""
    require(values, REPORT_FIELDS)
    Truthfulness(values["truthful"])


def check_draft(values: Mapping[str, object]) -> None:
    require(values, DRAFT_FIELDS)
    if Tier(values["tier"]) in TIERS_NEEDING_UNIT:
        require(values, ("unit_id",))


def close_missing(*, opinion: str | None, follow_up: str | None, responsible_signoff: str | None,
                  leader_signoff: str | None) -> list[str]:
    """三不结案 (S4): no closing without a clear handling opinion, a follow-up sheet, and the
    responsible person's and the leader's sign-off. Returns the missing items' field keys."""
    items = {"opinion": opinion, "follow_up": follow_up, "responsible_signoff": responsible_signoff,
             "leader_signoff": leader_signoff}
    return [key for key, value in items.items() if not (value and str(value).strip())]


def replay(events: Iterable[tuple[str, str | None, str]]) -> S | None:
    """The status a case reaches by applying its events (action, from, to) to the table in
    order; raises if an event is not a step the table allows (imported events are trusted)."""
    status: S | None = None
    for action, from_status, to_status in events:
        if action == A.register or action == A.import_ledger:
            status = S(to_status)
            continue
        if action in NOTES and from_status == to_status == status:
            continue  # a note, not a step
        if from_status != status:
            raise ValueError(f"event {action} starts from {from_status}, the case was {status}")
        if rule_for(status, action) is None:
            raise ValueError(f"event {action} is not allowed from {status}")
        rating = Rating.dissatisfied if (A(action) == A.rate and to_status == S.returned) else None
        expected = next_status(status, action, rating=rating)
        if expected != S(to_status):
            raise ValueError(f"event {action} from {status} leads to {expected}, not {to_status}")
        status = expected
    return status


def table_markdown() -> str:
    """The rule table as the README shows it (a test keeps the two equal)."""
    lines = ["| stage | action | leads to | roles |", "|---|---|---|---|"]
    for status, actions in TABLE.items():
        for action, rule in actions.items():
            to = "same stage" if rule.to is SAME else str(rule.to)
            if action == A.rate:
                to += "; returned if dissatisfied"
            roles = ", ".join(sorted(str(r) for r in rule.roles))
            lines.append(f"| {status} | {action} | {to} | {roles} |")
    return "\n".join(lines)
