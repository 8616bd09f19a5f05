"""Every table of 民情通 and the StrEnums whose stable English codes the database stores.

Timestamps are naive datetimes in the county's local time (Asia/Shanghai): deadlines, "same
day" and reception times are all local notions, and one county never spans time zones.
"""
from __future__ import annotations

from datetime import date, time
from enum import StrEnum

import sqlalchemy as sa
from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    liaison = "liaison"
    clerk = "clerk"
    leader = "leader"
    unit_handler = "unit_handler"
    supervisor = "supervisor"
    admin = "admin"


class UnitKind(StrEnum):
    county = "county"
    township = "township"
    community = "community"
    village = "village"
    group = "group"
    department = "department"
    enterprise = "enterprise"


class CaseStatus(StrEnum):
    received = "received"
    drafted = "drafted"
    dispatched = "dispatched"
    in_progress = "in_progress"
    reported = "reported"
    returned = "returned"
    approved = "approved"
    fed_back = "fed_back"
    closed = "closed"
    explained = "explained"
    merged = "merged"


class TemplateKind(StrEnum):
    instruction = "instruction"
    reply = "reply"


class Channel(StrEnum):
    liaison_form = "liaison_form"
    hotline = "hotline"
    mailbox = "mailbox"
    survey = "survey"
    forum = "forum"
    visit = "visit"
    reception = "reception"
    direct_report = "direct_report"


class Tier(StrEnum):
    on_spot = "on_spot"
    direct = "direct"
    unit = "unit"
    meeting = "meeting"
    county = "county"


class Priority(StrEnum):
    urgent = "urgent"
    special = "special"
    easy = "easy"
    hard = "hard"


class Rating(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


class Truthfulness(StrEnum):
    """是否属实, stated in every handling report."""

    true = "true"
    partly = "partly"
    false = "false"


class ReturnReason(StrEnum):
    """S2 §四.4: the three grounds on which the supervision office returns a report for redo."""

    incomplete = "incomplete"
    evasive = "evasive"
    dissatisfied = "dissatisfied"


class FeedbackChannel(StrEnum):
    phone = "phone"
    written = "written"
    in_person = "in_person"
    via_liaison = "via_liaison"


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class CaseAction(StrEnum):
    """Codes written to the event log; the workflow table says which are allowed when."""

    register = "register"
    draft = "draft"
    order = "order"
    answer_on_spot = "answer_on_spot"
    accept = "accept"
    decline = "decline"
    transfer = "transfer"
    report = "report"
    approve = "approve"
    return_for_redo = "return_for_redo"
    feedback = "feedback"
    rate = "rate"
    follow_up = "follow_up"
    close = "close"
    explain_and_close = "explain_and_close"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    merge = "merge"
    reopen = "reopen"
    supervise = "supervise"
    circulate = "circulate"
    import_ledger = "import_ledger"
    reschedule = "reschedule"  # a system note: the deadline recomputed once a year's schedule was entered
    attach = "attach"  # a note: files added to a case after it was filed
    agenda_outcome = "agenda_outcome"  # a note: what a reception decided on the case, from its agenda
    panel_draw = "panel_draw"  # a note: 民事民议, the citizens' panel drawn for the case
    panel_hearing = "panel_hearing"  # a note: the panel's hearing, its statements and vote


class LiaisonSource(StrEnum):
    """Where a liaison is drawn from (S0: 老党员、退休干部、代表委员、退役军人、企业家)."""

    old_party_member = "old_party_member"
    retired_cadre = "retired_cadre"
    deputy = "deputy"
    veteran = "veteran"
    entrepreneur = "entrepreneur"
    other = "other"


class RepresentativeKind(StrEnum):
    """Where a citizens' panel representative (群众议事代表) comes from (S1 民事民议)."""

    deputy = "deputy"
    expert = "expert"
    notable = "notable"
    resident = "resident"


class PanelVote(StrEnum):
    in_favour = "in_favour"
    against = "against"
    abstain = "abstain"
    absent = "absent"


class HouseholdCategory(StrEnum):
    """一户一档 categories: S1's five kinds (五类户), S3's must-visit (五必访), S2's key persons."""

    assisted = "assisted"
    three_nos = "three_nos"
    empty_nest = "empty_nest"
    petitioner = "petitioner"
    representative = "representative"
    extreme_poverty = "extreme_poverty"
    old_party_member = "old_party_member"
    left_behind = "left_behind"
    lonely_elder = "lonely_elder"
    big_grower = "big_grower"
    appellant = "appellant"
    subsistence = "subsistence"
    disabled = "disabled"
    living_alone = "living_alone"
    single_parent = "single_parent"
    illness_poverty = "illness_poverty"
    mental_disorder = "mental_disorder"
    migrant_worker = "migrant_worker"


class ContactMethod(StrEnum):
    """How a working-group member reached a liaison (S2 §一.1: at least one call a month)."""

    phone = "phone"
    visit = "visit"
    meeting = "meeting"
    message = "message"


class ReceptionKind(StrEnum):
    community_visit = "community_visit"
    township_visit = "township_visit"
    leader_weekly = "leader_weekly"
    five_chiefs = "five_chiefs"
    joint_in_charge = "joint_in_charge"
    township_weekly = "township_weekly"
    interview_day = "interview_day"


class Recurrence(StrEnum):
    monthly = "monthly"
    weekly = "weekly"


def _enum(enum: type[StrEnum]) -> sa.String:
    return sa.String(max(len(m.value) for m in enum) + 4)


class Unit(SQLModel, table=True):
    """A place or body in the county tree that may handle cases: county → township/community →
    village → group, plus departments and enterprises hanging under the county."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, index=True)
    kind: UnitKind = Field(sa_type=_enum(UnitKind), index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    code: str | None = Field(default=None, max_length=20, unique=True)
    sort_order: int = 0
    phone: str | None = Field(default=None, max_length=30)
    contact_name: str | None = Field(default=None, max_length=40)
    active: bool = True


class User(SQLModel, table=True):
    """A login account. Roles live in UserRole; a unit_handler belongs to `unit_id`, a liaison
    to the station of their Liaison record."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=40)
    password_hash: str = Field(max_length=100)
    email: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=30)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True
    must_change_password: bool = False
    # bumped on sign-out, password reset and disabling: sessions and cookies of an older version end
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: NaiveDatetime
    updated_at: NaiveDatetime


class UserRole(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    role: Role = Field(sa_type=_enum(Role), primary_key=True)


class Liaison(SQLModel, table=True):
    """民情联络员 with an appointment letter (聘书) and a station (a village or community)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", unique=True)
    name: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=30)
    station_id: int = Field(foreign_key="unit.id", index=True)
    source: LiaisonSource = Field(sa_type=_enum(LiaisonSource))
    appointment_no: str | None = Field(default=None, max_length=30)
    appointed_on: date | None = None
    active: bool = True


class Leader(SQLModel, table=True):
    """领导: may own cases (包案) and hold reception days; `rotation_order` orders 补位."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", unique=True)
    name: str = Field(max_length=40)
    title: str = Field(max_length=80)
    duties: str = Field(default="", max_length=200)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=120)
    rotation_order: int = 0
    active: bool = True


class LeaderPortfolio(SQLModel, table=True):
    """分管 / 包联: one category (a field the leader is in charge of) or one township (a place the
    leader is linked to) of a leader's portfolio. Exactly one of the two is set."""

    __tablename__ = "leader_portfolio"
    __table_args__ = (sa.UniqueConstraint("leader_id", "category_id", "township_id", name="uq_leader_portfolio"),)

    id: int | None = Field(default=None, primary_key=True)
    leader_id: int = Field(foreign_key="leader.id", index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    township_id: int | None = Field(default=None, foreign_key="unit.id")


class LiaisonLink(SQLModel, table=True):
    """S2 §一.1: a working-group member (a Leader record: name, title, phone, email for the contact
    card) links two to five liaisons and calls each at least once a month."""

    __tablename__ = "liaison_link"

    leader_id: int = Field(foreign_key="leader.id", primary_key=True)
    liaison_id: int = Field(foreign_key="liaison.id", primary_key=True)


class LiaisonContact(SQLModel, table=True):
    """One contact between a working-group member and a linked liaison: how, when, what was heard,
    and the case it became, if any."""

    __tablename__ = "liaison_contact"

    id: int | None = Field(default=None, primary_key=True)
    leader_id: int = Field(foreign_key="leader.id", index=True)
    liaison_id: int = Field(foreign_key="liaison.id", index=True)
    on: date = Field(index=True)
    method: ContactMethod = Field(sa_type=_enum(ContactMethod))
    note: str = Field(default="", sa_type=sa.Text)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    recorded_at: NaiveDatetime
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")


class Category(SQLModel, table=True):
    """诉求类别 with the unit and tier a draft proposes by default."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    name_zh: str = Field(max_length=30)
    name_en: str = Field(max_length=60)
    default_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    default_tier: Tier = Field(default=Tier.unit, sa_type=_enum(Tier))
    sort_order: int = 0
    active: bool = True


class Case(SQLModel, table=True):
    """民情事项: one matter from one resident or group. Milestone columns are written by the
    services with the event that reaches them; KPIs read them, never an updated_at."""

    __tablename__ = "case"
    __table_args__ = (
        sa.Index("ix_case_status_due", "status", "due_at"),
        sa.Index("ix_case_unit_status", "unit_id", "status"),
        # open cases (the backlog): counted off the index, county-wide and per township
        sa.Index("ix_case_status_received", "status", "received_at"),
        sa.Index("ix_case_township_status", "township_id", "status", "received_at"),
        sa.Index("ix_case_township_received", "township_id", "received_at", "liaison_id"),  # + its liaisons
        sa.Index("ix_case_category_received", "category_id", "received_at"),
        sa.Index("ix_case_liaison_received", "liaison_id", "received_at"),  # liaisons active in a period
        # early warning: a closed case at the same place and category (core.alerts)
        sa.Index("ix_case_village_category_closed", "village_id", "category_id", "closed_at"),
        sa.Index("ix_case_township_category_closed", "township_id", "category_id", "closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(max_length=20, unique=True)
    channel: Channel = Field(sa_type=_enum(Channel))
    status: CaseStatus = Field(sa_type=_enum(CaseStatus))
    title: str = Field(max_length=120)
    content: str = Field(sa_type=sa.Text)
    reporter_name: str | None = Field(default=None, max_length=40)
    reporter_phone: str | None = Field(default=None, max_length=30, index=True)
    reporter_address: str | None = Field(default=None, max_length=200)
    affected_count: int = 1
    township_id: int | None = Field(default=None, foreign_key="unit.id")
    village_id: int | None = Field(default=None, foreign_key="unit.id")
    category_id: int | None = Field(default=None, foreign_key="category.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    tier: Tier | None = Field(default=None, sa_type=_enum(Tier))
    priority: Priority | None = Field(default=None, sa_type=_enum(Priority))
    is_urgent: bool = False
    is_major: bool = False
    on_supervision_register: bool = False
    liaison_id: int | None = Field(default=None, foreign_key="liaison.id")  # ix_case_liaison_received
    owner_leader_id: int | None = Field(default=None, foreign_key="leader.id", index=True)
    master_case_id: int | None = Field(default=None, foreign_key="case.id")
    reception_day_id: int | None = Field(default=None, foreign_key="receptionday.id", index=True)
    handling_opinion: str | None = Field(default=None, sa_type=sa.Text)
    instruction: str | None = Field(default=None, sa_type=sa.Text)
    result_summary: str | None = Field(default=None, sa_type=sa.Text)
    received_at: NaiveDatetime = Field(index=True)
    drafted_at: NaiveDatetime | None = None
    dispatched_at: NaiveDatetime | None = None
    accepted_at: NaiveDatetime | None = None
    reported_at: NaiveDatetime | None = None
    approved_at: NaiveDatetime | None = None
    fed_back_at: NaiveDatetime | None = None
    rated_at: NaiveDatetime | None = None
    followed_up_at: NaiveDatetime | None = None
    closed_at: NaiveDatetime | None = None
    due_at: NaiveDatetime | None = None
    first_rating: Rating | None = Field(default=None, sa_type=_enum(Rating))
    rating: Rating | None = Field(default=None, sa_type=_enum(Rating))
    return_count: int = 0
    consecutive_returns: int = 0
    misroute_count: int = 0
    circular_due: bool = Field(default=False, index=True)
    follow_up_note: str | None = Field(default=None, sa_type=sa.Text)
    responsible_signoff: str | None = Field(default=None, max_length=40)
    leader_signoff: str | None = Field(default=None, max_length=40)
    imported: bool = False
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = 1


class CaseEvent(SQLModel, table=True):
    """办理记录: append-only. Who, in which role, when, what, from→to, and what they wrote."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    at: NaiveDatetime = Field(index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_name: str = Field(max_length=40)
    actor_role: str = Field(max_length=20)
    action: CaseAction = Field(sa_type=_enum(CaseAction), index=True)
    from_status: CaseStatus | None = Field(default=None, sa_type=_enum(CaseStatus))
    to_status: CaseStatus = Field(sa_type=_enum(CaseStatus))
    details: dict = Field(default_factory=dict, sa_type=sa.JSON)
    imported: bool = False


class ReceptionRule(SQLModel, table=True):
    """接访规则: a recurrence (monthly on days, or weekly on weekdays) that generates dated
    ReceptionDays; leaders rotate in the order of ReceptionRuleLeader."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    kind: ReceptionKind = Field(sa_type=_enum(ReceptionKind))
    recurrence: Recurrence = Field(sa_type=_enum(Recurrence))
    days: str = Field(max_length=40, description="monthly: '10,25'; weekly: ISO weekdays '2,3'")
    start_time: time
    end_time: time | None = None
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    place: str = Field(default="", max_length=120)
    accompanying_units: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=200)
    notice_days: int = 7
    active: bool = True


class ReceptionRuleLeader(SQLModel, table=True):
    rule_id: int = Field(foreign_key="receptionrule.id", primary_key=True)
    leader_id: int = Field(foreign_key="leader.id", primary_key=True)
    position: int = 0


class ReceptionDay(SQLModel, table=True):
    """接访日: one dated occurrence, moved off holidays, with planned, substitute and actual
    leader and the time its public notice (预告) went out. A rule's occurrence is stored once
    something is decided about it (rule_id + original_date); an interview-day group's visit to a
    village (群众访谈日) has no rule and belongs to a campaign."""

    __table_args__ = (sa.UniqueConstraint("rule_id", "original_date", name="uq_receptionday_rule_date"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int | None = Field(default=None, foreign_key="receptionrule.id", index=True)
    kind: ReceptionKind | None = Field(default=None, sa_type=_enum(ReceptionKind))
    campaign: str | None = Field(default=None, max_length=80)
    group_name: str | None = Field(default=None, max_length=40)
    village_id: int | None = Field(default=None, foreign_key="unit.id")
    end_time: time | None = None
    notice_days: int | None = None
    leader_confirmed_at: NaiveDatetime | None = None
    unavailable_reason: str | None = Field(default=None, max_length=120)
    notice_leader_id: int | None = Field(default=None, foreign_key="leader.id")
    attendance: int = 0
    original_date: date
    actual_date: date = Field(index=True)
    start_time: time
    moved_reason: str | None = Field(default=None, max_length=80)
    leader_id: int | None = Field(default=None, foreign_key="leader.id")
    substitute_leader_id: int | None = Field(default=None, foreign_key="leader.id")
    attended_leader_id: int | None = Field(default=None, foreign_key="leader.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    place: str = Field(default="", max_length=120)
    accompanying_units: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=200)
    notice_published_at: NaiveDatetime | None = None
    visitor_count: int = 0


class ReceptionVisitor(SQLModel, table=True):
    """一人一档: one visitor heard at a reception — who, how to reach them, the demand, the answer
    given on the spot, and the case the demand became (谁接待谁受理)."""

    __tablename__ = "reception_visitor"

    id: int | None = Field(default=None, primary_key=True)
    reception_day_id: int = Field(foreign_key="receptionday.id", index=True)
    name: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=30)
    address: str = Field(default="", max_length=200)
    demand: str = Field(sa_type=sa.Text)
    on_site_answer: str = Field(default="", sa_type=sa.Text)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    recorded_at: NaiveDatetime
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")


class Household(SQLModel, table=True):
    """一户一档: a household on file in a village, with its categories in HouseholdTag."""

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="unit.id", index=True)
    group_name: str = Field(default="", max_length=40)  # 村民小组 / 片 (S2 片组户)
    head_name: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=30, index=True)
    address: str = Field(default="", max_length=200)
    members: int = 1
    notes: str = Field(default="", max_length=500)
    active: bool = True  # off when the household moved away or was dissolved; its history stays
    link_leader_id: int | None = Field(default=None, foreign_key="link_leader.id", index=True)  # 片组户: its 联户长


class LinkLeader(SQLModel, table=True):
    """片组户 (S2 part 3): a group leader, party member or village cadre of a village's group who keeps
    in touch with up to five households of it — the last link between the village and a household."""

    __tablename__ = "link_leader"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="unit.id", index=True)
    group_name: str = Field(default="", max_length=40)
    name: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=30)
    active: bool = True


class HouseholdTag(SQLModel, table=True):
    household_id: int = Field(foreign_key="household.id", primary_key=True)
    category: HouseholdCategory = Field(sa_type=_enum(HouseholdCategory), primary_key=True)


class Visit(SQLModel, table=True):
    """走访: one visit to a household (民情日记), by a liaison or a serving party member."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    visitor_id: int | None = Field(default=None, foreign_key="user.id")  # who wrote it down
    visitor_name: str = Field(max_length=40)
    party_member_id: int | None = Field(default=None, foreign_key="party_member.id", index=True)  # who went, if one
    visited_on: date = Field(index=True)
    notes: str = Field(default="", sa_type=sa.Text)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    spot_check: bool = False  # 抽查: the center or the supervision office checking the 片组户 link


class PartyMember(SQLModel, table=True):
    """在职党员进社区 (S1): a serving party member of a county unit (派出单位) registered with a
    community; a key-selected one (重点选派) serves three households and visits each every quarter."""

    __tablename__ = "party_member"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=30)
    unit_id: int = Field(foreign_key="unit.id", index=True)  # where they work
    community_id: int = Field(foreign_key="unit.id", index=True)  # where they registered (社区 or 村)
    key_selected: bool = False
    active: bool = True


class PartyMemberHousehold(SQLModel, table=True):
    """A household a party member serves (联系服务对象), from the day it was assigned."""

    __tablename__ = "party_member_household"

    member_id: int = Field(foreign_key="party_member.id", primary_key=True)
    household_id: int = Field(foreign_key="household.id", primary_key=True, index=True)
    assigned_on: date


class HandlingReport(SQLModel, table=True):
    """办理报告 (买单): one per handling round, reviewed by the supervision office."""

    __tablename__ = "handling_report"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    round: int = 1
    truthful: Truthfulness = Field(sa_type=_enum(Truthfulness))
    cause: str = Field(sa_type=sa.Text)
    measures: str = Field(sa_type=sa.Text)
    result: str = Field(sa_type=sa.Text)
    liaison_opinion: str = Field(sa_type=sa.Text)
    responsible_person: str = Field(max_length=40)
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: NaiveDatetime
    approved: bool | None = None
    return_reason: ReturnReason | None = Field(default=None, sa_type=_enum(ReturnReason))
    review_note: str | None = Field(default=None, sa_type=sa.Text)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: NaiveDatetime | None = None


class Extension(SQLModel, table=True):
    """延期: a unit's request for a new deadline, decided before the old one passes."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    requested_at: NaiveDatetime
    requested_by_id: int | None = Field(default=None, foreign_key="user.id")
    old_due_at: NaiveDatetime
    requested_due_at: NaiveDatetime
    reason: str = Field(sa_type=sa.Text)
    status: ExtensionStatus = Field(default=ExtensionStatus.pending, sa_type=_enum(ExtensionStatus))
    decided_at: NaiveDatetime | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")


class Circular(SQLModel, table=True):
    """通报: public criticism of a unit, usually about one case (S2 §四.5)."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    issued_at: NaiveDatetime
    issued_by_id: int | None = Field(default=None, foreign_key="user.id")
    reason: str = Field(sa_type=sa.Text)


class TimeLimit(SQLModel, table=True):
    """Admin-set time limit for a tier, for all categories (category_id NULL) or one category.
    Working days after dispatch; reception cases keep their calendar-week rule."""

    __tablename__ = "time_limit"
    __table_args__ = (sa.UniqueConstraint("category_id", "tier", name="uq_time_limit_category_tier"),)

    id: int | None = Field(default=None, primary_key=True)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    tier: Tier = Field(sa_type=_enum(Tier))
    working_days: int
    updated_at: NaiveDatetime
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class CalendarOverride(SQLModel, table=True):
    """An admin-entered working day or rest day, for years the official calendar does not know
    yet or for a local decision; wins over the calendar package."""

    __tablename__ = "calendar_override"

    day: date = Field(primary_key=True)
    is_working_day: bool
    note: str = Field(default="", max_length=120)


class PublicHoliday(SQLModel, table=True):
    """One holiday of a year's official schedule as the State Council notice states it: its
    date range and its make-up working days (调休上班, ISO dates, comma-separated). Entered by the
    admin for a year the calendar package does not know yet."""

    __tablename__ = "public_holiday"
    __table_args__ = (sa.UniqueConstraint("year", "name", name="uq_public_holiday_year_name"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    name: str = Field(max_length=30)
    first_day: date
    last_day: date
    makeup_days: str = Field(default="", max_length=200)
    entered_at: NaiveDatetime
    entered_by_id: int | None = Field(default=None, foreign_key="user.id")


class TextTemplate(SQLModel, table=True):
    """A wording the admin keeps for recurring writing: a leader's instruction (批示) or a reply to
    the resident (答复模板), for one category or for all (category_id NULL). Placeholders such as
    {unit} and {due} are filled from the case (core.templates)."""

    __tablename__ = "text_template"

    id: int | None = Field(default=None, primary_key=True)
    kind: TemplateKind = Field(sa_type=_enum(TemplateKind), index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    title: str = Field(max_length=40)
    body: str = Field(sa_type=sa.Text)
    active: bool = True
    updated_at: NaiveDatetime
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class Attachment(SQLModel, table=True):
    """A photo or document filed with a case, kept in the database so that it is backed up with
    the case and read only through the case's visibility rule (core.intake)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    filename: str = Field(max_length=120)
    content_type: str = Field(max_length=80)
    size: int
    data: bytes = Field(sa_type=sa.LargeBinary)
    uploaded_at: NaiveDatetime
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")


class KeywordRule(SQLModel, table=True):
    """An admin's rule for suggestions while typing: a word in the text points to a category
    (and optionally a handling unit), with a weight."""

    __tablename__ = "keyword_rule"

    id: int | None = Field(default=None, primary_key=True)
    keyword: str = Field(max_length=30)
    category_id: int = Field(foreign_key="category.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    weight: int = 1
    active: bool = True
    updated_at: NaiveDatetime
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class LookupAttempt(SQLModel, table=True):
    """One try on the public progress page: failed tries per tracking code and per client are
    limited."""

    __tablename__ = "lookup_attempt"

    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(max_length=20, index=True)
    client: str | None = Field(default=None, max_length=64, index=True)
    at: NaiveDatetime
    ok: bool


class SignInAttempt(SQLModel, table=True):
    """One password sign-in, right or wrong: failures lock the user name and the client for a while."""

    __tablename__ = "sign_in_attempt"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)  # as typed, lowered: unknown names lock too
    client: str | None = Field(default=None, max_length=64, index=True)
    at: NaiveDatetime
    ok: bool


class AlertAck(SQLModel, table=True):
    """An early-warning alert (core.alerts) seen and answered: who, when, what is being done."""

    __tablename__ = "alert_ack"

    id: int | None = Field(default=None, primary_key=True)
    alert_key: str = Field(max_length=80, unique=True)
    note: str = Field(max_length=500)
    acknowledged_at: NaiveDatetime
    acknowledged_by_id: int | None = Field(default=None, foreign_key="user.id")


class AppSetting(SQLModel, table=True):
    """A county-wide setting the admin edits in the app (early-warning thresholds)."""

    __tablename__ = "app_setting"

    key: str = Field(max_length=40, primary_key=True)
    value: str = Field(max_length=200)
    updated_at: NaiveDatetime | None = None
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class SettingChange(SQLModel, table=True):
    """A change of a county setting: who moved which number from what to what, and when (the
    ranking's weights above all: a ranking without this record cannot be trusted)."""

    __tablename__ = "setting_change"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, index=True)
    old_value: int
    new_value: int
    changed_at: NaiveDatetime
    changed_by_id: int | None = Field(default=None, foreign_key="user.id")


class CallbackDraw(SQLModel, table=True):
    """回访抽查: the month's random sample of closed cases whose residents the center calls itself.
    The seed and a digest of the population are kept, so anyone can redraw it and get the same cases."""

    __tablename__ = "callback_draw"

    id: int | None = Field(default=None, primary_key=True)
    month: date = Field(unique=True)  # the first day of the month whose closed cases were drawn
    seed: int
    share_percent: int
    min_per_unit: int
    population: int  # cases closed in the month when drawn
    population_digest: str = Field(max_length=64)  # sha256 of their ids, sorted
    drawn_at: NaiveDatetime
    drawn_by_id: int | None = Field(default=None, foreign_key="user.id")


class CallbackCheck(SQLModel, table=True):
    """One drawn case, and what its resident said on the phone: reached or not, the result
    confirmed or not, the resident's own rating (beside the rating the case carried when drawn)."""

    __tablename__ = "callback_check"
    __table_args__ = (sa.UniqueConstraint("draw_id", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="callback_draw.id", index=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # the unit checked (0 stratum: none)
    township_id: int | None = Field(default=None, foreign_key="unit.id")
    reported_rating: Rating | None = Field(default=None, sa_type=_enum(Rating))
    reached: bool | None = None
    confirmed: bool | None = None
    resident_rating: Rating | None = Field(default=None, sa_type=_enum(Rating))
    note: str = Field(default="", sa_type=sa.Text)
    attempts: int = 0
    checked_at: NaiveDatetime | None = None
    checked_by_id: int | None = Field(default=None, foreign_key="user.id")


class MonthlyTopic(SQLModel, table=True):
    """每月一题: the cluster of similar cases (one category in one township) a leader made the
    month's topic for proactive action, with the plan; its cases are those of the cluster from
    `since` on (core.topics.cases_of)."""

    __tablename__ = "monthly_topic"

    id: int | None = Field(default=None, primary_key=True)
    month: date = Field(unique=True)
    title: str = Field(max_length=120)
    category_id: int = Field(foreign_key="category.id")
    township_id: int = Field(foreign_key="unit.id")
    words: str = Field(default="", max_length=120)
    plan: str = Field(sa_type=sa.Text)
    since: date
    chosen_at: NaiveDatetime
    chosen_by_id: int | None = Field(default=None, foreign_key="user.id")


# ---- kept aggregates (core.rollup): the dashboard reads these, never the whole period of cases ----
# Rows per day of receipt (span "day") and per month (span "month", day = its first day) and
# (township, category, unit), 0 standing for "none"; each count is one condition of
# core.kpi.CONDITIONS (rollup checks the names match), plus cases received per channel.
ROLLUP_COUNTS = ("received", "closed", "closed_with_deadline", "on_time", "handled", "fed_back", "followed_up",
                 "rated", "satisfied", "first_rated", "first_satisfied", "reported", "returned", "dispatched",
                 "taken_on", "misrouted", "open", "imported")
ROLLUP_KEYS = ("span", "day", "township_id", "category_id", "unit_id")
HOURS_KEYS = ("span", "day", "township_id", "measure", "bucket")


def channel_column(channel: Channel) -> str:
    return f"via_{channel.value}"


case_rollup = sa.Table(
    "case_rollup", SQLModel.metadata,
    sa.Column("span", sa.String(5), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("township_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("category_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("unit_id", sa.Integer, primary_key=True, autoincrement=False),
    *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in ROLLUP_COUNTS),
    *(sa.Column(channel_column(ch), sa.Integer, nullable=False, server_default="0") for ch in Channel),
    sqlite_with_rowid=False,  # rows stored in key order: a period is one contiguous range
)

# How long cases took, counted per day (and month) of receipt, township, measure (response: received → accepted;
# handling: received → closed) and bucket: the hours in tenths, cut to two significant figures.
case_hours = sa.Table(
    "case_hours", SQLModel.metadata,
    sa.Column("span", sa.String(5), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("township_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("measure", sa.String(10), primary_key=True),
    sa.Column("bucket", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("cases", sa.Integer, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
)


class Representative(SQLModel, table=True):
    """群众议事代表: a member of the citizens' panel pool (S1 民事民议), of a township or the county."""

    __tablename__ = "panel_representative"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=30)
    kind: RepresentativeKind = Field(sa_type=_enum(RepresentativeKind))
    township_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True


class PanelDraw(SQLModel, table=True):
    """评理团: the panel drawn for one dispute. The pool as it stood, who was left out and why, and
    the seed are kept, so anyone can draw again and get the same panel."""

    __tablename__ = "panel_draw"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True)
    size: int
    seed: int
    township_id: int | None = Field(default=None, foreign_key="unit.id")  # the pool's township, None: the county
    pool: list = Field(default_factory=list, sa_type=sa.JSON)  # ids of the active representatives, sorted
    excluded: dict = Field(default_factory=dict, sa_type=sa.JSON)  # id (as text) → why: party, conflict
    drawn_at: NaiveDatetime
    drawn_by_id: int | None = Field(default=None, foreign_key="user.id")
    heard_on: date | None = None


class PanelSeat(SQLModel, table=True):
    __tablename__ = "panel_seat"

    draw_id: int = Field(foreign_key="panel_draw.id", primary_key=True)
    representative_id: int = Field(foreign_key="panel_representative.id", primary_key=True)
    vote: PanelVote | None = Field(default=None, sa_type=_enum(PanelVote))
