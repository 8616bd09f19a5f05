"""事项详情: one case — its fields, reports and timeline — and exactly the actions the workflow
table allows this user now, each a form that calls the service."""
import re
from datetime import datetime

import pandas as pd
import streamlit as st

from core import casefile, deadlines, intake, ledger, network, services, suggest, templates, ui, workflow
from core import sheets as casefile_sheets
from core.clock import local_now
from core.errors import DomainError
from core.labels import TEXT
from core.models import (CaseAction, CaseStatus, Channel, FeedbackChannel, PanelVote, Priority, Rating, ReturnReason, Role,
                         TemplateKind, Tier, Truthfulness)

user = ui.require_page("case")
now = local_now()

if "code" in st.query_params:
    st.session_state["case_code"] = st.query_params["code"]
code = st.text_input(ui.tr("case.code"), value=st.session_state.get("case_code", ""), max_chars=20,
                     key="case_code_input", placeholder="MQ-2026-000123").strip().upper()
if not code:
    st.info(ui.tr("case.pick"))
    with ui.session() as s:
        _n, recent = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=10)
    st.markdown(f"#### {ui.tr('home.recent')}")
    ui.case_table(recent, ["tracking_code", "received_at", "title", "township", "status", "due_at", "flags"],
                  key="case_recent")
    st.stop()
st.session_state["case_code"] = code

with ui.session() as s:
    cf = casefile.open_case(s, user=user, tracking_code=code)
    categories = network.categories(s)
    units = network.handling_units(s)
    county = network.county_name(s)
if cf is None:
    st.warning(ui.tr("case.not_found"))
    st.stop()
case = cf.case

# The version this user saw stays fixed until they refresh or act, so an action taken on a page
# that someone else changed meanwhile is refused instead of overwriting their work.
seen_key = f"case_seen_version_{code}"
if ui.just_opened() or st.session_state.get("case_shown_code") != code or seen_key not in st.session_state:
    st.session_state[seen_key] = case.version  # this opening's version, not the last visit's
st.session_state["case_shown_code"] = code
seen_version = st.session_state[seen_key]

st.subheader(f"{case.tracking_code} · {ui.md(case.title)}")
badges = [ui.lbl(case.status, CaseStatus)]
if case.due_at and case.status in workflow.HANDLING:
    if case.due_at < now:
        badges.append(f":red-badge[{ui.tr('case.overdue')}]")
    elif case.due_at.date() == now.date():
        badges.append(f":orange-badge[{ui.tr('case.due_today')}]")
flags = [ui.tr(f"flag.{f}") for f, on in (("urgent", case.is_urgent), ("major", case.is_major),
                                          ("supervised", case.on_supervision_register)) if on]
st.markdown(" ".join([f":blue-badge[{badges[0]}]", *badges[1:], *(f":violet-badge[{f}]" for f in flags)]))
if case.version != seen_version:
    st.warning(ui.tr("case.stale"))
    if st.button(ui.tr("case.refresh"), key="case_refresh"):
        st.session_state[seen_key] = case.version
        st.rerun()
if cf.master_code:
    st.info(ui.tr("case.master", code=cf.master_code))
if cf.duplicates:
    st.caption(ui.tr("case.duplicates", codes="、".join(cf.duplicates)))
if cf.pending_extension:
    st.info(ui.tr("case.extension_pending", due=f"{cf.pending_extension.requested_due_at:%Y-%m-%d}",
                  reason=cf.pending_extension.reason))
reminders = [e for e in cf.events if e.action == CaseAction.supervise]
if reminders and case.status in workflow.HANDLING:
    last = reminders[-1]
    st.error(ui.tr("case.reminder", n=len(reminders), who=last.actor_name, at=f"{last.at:%Y-%m-%d %H:%M}",
                   note=(last.details or {}).get("note", "")), icon=":material/notification_important:")


def when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"


left, right = st.columns(2)
with left:
    st.markdown(f"#### {ui.tr('case.matter')}")
    st.text(case.content)
    category = cf.names["category_en"] if ui.lang() == "en" else cf.names["category_zh"]
    for label, value in [("case.label.reporter", f"{cf.reporter_name} {cf.reporter_phone}".strip()),
                         ("case.label.place", " ".join(v for v in (cf.names["township"], cf.names["village"]) if v)),
                         ("case.label.channel", ui.lbl(case.channel, Channel)),
                         ("case.label.received", when(case.received_at)),
                         ("case.label.category", category), ("case.label.liaison", cf.names["liaison"])]:
        st.markdown(f"**{ui.tr(label)}**：{ui.md(value) if value else '—'}")
with right:
    st.markdown(f"#### {ui.tr('case.handling')}")
    for label, value in [("case.label.unit", cf.names["unit"]), ("case.label.tier", ui.lbl(case.tier, Tier)),
                         ("case.label.priority", ui.lbl(case.priority, Priority)),
                         ("case.label.due", when(case.due_at) + (f"（{ui.tr('case.provisional')}）" if cf.due_provisional else "")), ("case.label.owner", cf.names["owner"]),
                         ("case.label.result", case.result_summary),
                         ("case.label.rating", " / ".join(ui.lbl(r, Rating) or "—" for r in (case.first_rating, case.rating))),
                         ("case.label.signoff", " / ".join(v or "—" for v in (case.responsible_signoff, case.leader_signoff))),
                         ("case.label.returns", f"{case.return_count}（{case.consecutive_returns}）")]:
        st.markdown(f"**{ui.tr(label)}**：{ui.md(value) if value else '—'}")

# printable sheets (交办单 once dispatched, 办理报告单 once reported): print-ready HTML
sheets = st.columns(4)
if case.dispatched_at:
    sheets[0].download_button(ui.tr("case.sheet.dispatch"), icon=":material/print:", mime="text/html",
                              data=casefile_sheets.dispatch_notice(cf, issuer=ui.tr("case.sheet.issuer", county=county)),
                              file_name=f"{case.tracking_code}-交办单.html", key="case_sheet_dispatch")
if cf.reports:
    sheets[1].download_button(ui.tr("case.sheet.report"), icon=":material/print:", mime="text/html",
                              data=casefile_sheets.handling_report_sheet(cf, issuer=ui.tr("case.sheet.issuer", county=county)),
                              file_name=f"{case.tracking_code}-办理报告单.html", key="case_sheet_report")

with ui.session() as s:
    files = intake.attachments_of(s, user=user, case_id=case.id)
if files:
    st.markdown(f"#### {ui.tr('field.attachments')}")
    cols = st.columns(4)
    for i, file in enumerate(files):
        with cols[i % 4]:
            if file.content_type.startswith("image/"):
                st.image(file.data, caption=file.filename, width=200)
            st.download_button(file.filename, data=file.data, mime=file.content_type, file_name=file.filename,
                               icon=":material/attach_file:", key=f"case_file_{file.id}")

st.markdown(f"#### {ui.tr('case.actions')}")
allowed = workflow.allowed_actions(user, case.status, case_unit_id=case.unit_id, case_liaison_id=case.liaison_id)
if not allowed:
    st.caption(ui.tr("case.no_actions"))
category_names = {c.id: (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories}
unit_names = {u.id: u.name for u in units}
with ui.session() as s:
    leader_names = [lead.name for lead in network.leaders(s) if lead.active]


# drafting (拟办) starts from the suggestions of intake, and shows possible duplicates to merge
suggested_categories, suggested_units = [], []
if CaseAction.draft in allowed:
    with ui.session() as s:
        suggested_categories, suggested_units = suggest.suggest(s, ui.classifier(), case.content)
    if f"case_dup_{code}_merged" in st.session_state:
        st.info(ui.tr("suggest.merged", code=st.session_state.pop(f"case_dup_{code}_merged")))
    with st.container(border=True):
        if suggested_categories:
            st.caption(" · ".join([
                ui.tr("suggest.categories", names="、".join(category_names.get(c.id, "") for c in suggested_categories)),
                ui.tr("suggest.units", names="、".join(unit_names.get(u.id, "") for u in suggested_units))]))
        ui.duplicates_panel(user, case, key=f"case_dup_{code}")


def default_for(action: CaseAction, field: casefile.Field):
    """A draft starts from what the case already has, else from the suggestions; its tier and unit
    from the category's defaults."""
    if field.kind == "leader":  # the leader who owns the case signs, unless another is picked
        return cf.names["owner"] or None
    if action == CaseAction.report and cf.reports:  # a report after a return starts from the last one
        return getattr(cf.reports[-1], field.name, None)
    if action != CaseAction.draft:
        return None
    if field.kind == "category" and case.category_id is None and suggested_categories:
        return suggested_categories[0].id
    category_id = case.category_id or (suggested_categories[0].id if suggested_categories else None)
    category = next((c for c in categories if c.id == category_id), None)
    if field.kind == "unit" and case.unit_id is None:
        default = category.default_unit_id if category else None
        return default or (suggested_units[0].id if suggested_units else None)
    if field.name == "tier" and case.tier is None and category is not None:
        return category.default_tier
    return getattr(case, field.name, None)


def to_params(values: dict) -> dict:
    params = dict(values)
    if "requested_due_at" in params and params["requested_due_at"] is not None:
        params["requested_due_at"] = datetime.combine(params["requested_due_at"], deadlines.END_OF_DAY)
    if "master_case_id" in params:
        with ui.session() as s:
            params["master_case_id"] = casefile.master_id_for(s, params["master_case_id"] or "")
    return params


# the leader's instruction and the reply to the resident start from the admin's templates
TEMPLATED = {CaseAction.order: (TemplateKind.instruction, "instruction"), CaseAction.feedback: (TemplateKind.reply, "text")}
if any(a in TEMPLATED for a in allowed):
    with ui.session() as s:
        template_choices = {a: templates.templates_for(s, kind=kind, category_id=case.category_id)
                            for a, (kind, _f) in TEMPLATED.items()}
        template_values = templates.case_values(s, case, now=now)

def action_name(action: CaseAction) -> str:
    return casefile.action_name(action, user, ui.lang())


# the forms' widgets are named for the version seen: a refused form keeps what was typed, and once an
# action went through the forms start empty, so a second click cannot repeat it
v = f"v{seen_version}"
for action in allowed:
    with st.expander(action_name(action), expanded=len(allowed) == 1):
        if action in TEMPLATED:
            ui.template_picker(template_choices[action], template_values, key=f"case_{action}_template_{v}",
                               target_key=f"case_{action}_{TEMPLATED[action][1]}_{v}")
        with st.form(f"case_form_{action}_{v}"):
            values = {field.name: ui.action_field(field, key=f"case_{action}_{field.name}_{v}", categories=category_names,
                                                  units=unit_names, default=default_for(action, field),
                                                  min_date=now.date(), leaders=leader_names)
                      for field in casefile.ACTION_FORMS[action]}
            if st.form_submit_button(action_name(action), type="primary"):
                try:
                    with ui.session() as s:
                        services.act(s, action, case_id=case.id, actor=user, now=local_now(),
                                     expected_version=seen_version, **to_params(values))
                        s.commit()
                    st.session_state.pop(seen_key, None)
                    ui.flash(ui.tr("case.done", action=action_name(action)))
                    st.rerun()
                except DomainError as exc:
                    ui.show_error(exc)

if cf.reports:
    st.markdown(f"#### {ui.tr('case.reports')}")
    st.dataframe(pd.DataFrame([{
        "#": r.round, ui.tr("field.truthful"): ui.lbl(r.truthful, Truthfulness), ui.tr("field.cause"): r.cause,
        ui.tr("field.measures"): r.measures, ui.tr("field.result"): r.result,
        ui.tr("field.liaison_opinion"): r.liaison_opinion, ui.tr("field.responsible_person"): r.responsible_person,
        ui.tr("case.col.at"): when(r.submitted_at),
    } for r in cf.reports]), hide_index=True, width="stretch")

st.markdown(f"#### {ui.tr('case.timeline')}")


ENUM_DETAILS = {"intake_channel": Channel, "channel": FeedbackChannel, "rating": Rating, "tier": Tier,
                "priority": Priority, "truthful": Truthfulness, "reason": ReturnReason}


def describe(details: dict) -> str:
    """What the actor wrote, with codes, units and categories in words."""
    parts = []
    for key, value in details.items():
        if value in (None, "", [], False):
            continue
        if key in ENUM_DETAILS and value in ENUM_DETAILS[key].__members__:
            value = ui.lbl(value, ENUM_DETAILS[key])
        elif key in ("unit_id", "from_unit_id"):
            value = unit_names.get(value, value)
        elif key == "category_id":
            value = category_names.get(value, value)
        elif isinstance(value, list):
            value = "、".join(map(str, value))
        elif isinstance(value, dict):  # a panel's tally: each vote with its count
            value = "、".join(f"{ui.lbl(k, PanelVote) if k in PanelVote.__members__ else k} {n}" for k, n in value.items())
        elif value is True:
            value = "✓"
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?", value):
            value = value[:16].replace("T", " ")  # a deadline or date kept as ISO text
        label = ui.tr(f"field.{key}") if f"field.{key}" in TEXT else key
        parts.append(f"{label}：{value}")
    return "；".join(parts)


st.dataframe(pd.DataFrame([{
    ui.tr("case.col.at"): when(e.at), ui.tr("case.col.actor"): e.actor_name,
    ui.tr("case.col.role"): ui.lbl(e.actor_role, Role) if e.actor_role in Role.__members__ else e.actor_role,
    ui.tr("case.col.action"): ui.lbl(e.action, CaseAction),
    ui.tr("case.col.move"): f"{ui.lbl(e.from_status, CaseStatus) or '—'} → {ui.lbl(e.to_status, CaseStatus)}",
    ui.tr("case.col.details"): describe(e.details or {}),
} for e in reversed(cf.events)]), hide_index=True, width="stretch")
