"""领导批示台: the cases waiting for this leader's order and instruction (下单/批示), ordered in one
go from an instruction template filled per case; and the cases the leader owns (包案) with their
deadlines."""
import streamlit as st

from core import agenda, board, ledger, templates, ui
from core.clock import local_now
from core.models import CaseAction, TemplateKind

user = ui.require_page("desk")
now = local_now()
with ui.session() as s:
    counts = dict(board.counts(s, user=user, now=now))
    leader_id = board.leader_id_of(s, user)
    owned_overdue = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(owner_leader_id=leader_id or -1,
                                                                                only_overdue=True),
                                      now=now, page_size=1)[0]
    instruction_templates = templates.templates_for(s, kind=TemplateKind.instruction, category_id=None)
ui.counters([("queue.to_order", counts.get("to_order", 0)), ("queue.owned", counts.get("owned", 0)),
             ("desk.owned_overdue", owned_overdue), ("queue.urgent_open", counts.get("urgent_open", 0))])
ui.queue_warnings({"overdue": owned_overdue})
with ui.session() as s:
    coming = agenda.upcoming(s, user=user, today=now.date())
if coming:  # a leader arrives prepared: the briefing for each reception of the next days
    with st.container(border=True):
        st.markdown(f"**{ui.tr('desk.agenda')}**")
        for occ, n in coming:
            c1, c2 = st.columns([4, 1])
            c1.write(ui.tr("desk.agenda_line", day=f"{occ.date:%m-%d}", time=f"{occ.start_time:%H:%M}", name=occ.name, n=n))
            if c2.button(ui.page_title("agenda"),
                         key=f"desk_agenda_{occ.key}", type="tertiary"):
                st.session_state["agenda_open"] = occ.key
                st.switch_page("pages/agenda.py")

tab_order, tab_owned = st.tabs([ui.tr("desk.to_order"), ui.tr("desk.owned")])
with tab_order:
    with ui.session() as s:
        total, rows = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=100,
                                        by_deadline=True,
                                        extra=board.condition(s, user=user, key="to_order", now=now))
    st.caption(ui.tr("desk.order_hint", n=total))
    round_ = ui.bulk_round("desk")
    ticked = ui.case_table(rows, ["tracking_code", "flags", "title", "township", "category", "unit", "received_at"],
                           key=f"desk_to_order_{round_}", many=True)
    if not rows.empty:
        ui.template_picker(instruction_templates, {}, key="desk_template", target_key="desk_instruction")
        with st.form("desk_order"):
            instruction = st.text_area(ui.tr("field.instruction"), max_chars=2000, key="desk_instruction",
                                       help=ui.tr("desk.placeholders"))
            if st.form_submit_button(ui.tr("desk.order", n=len(ticked)), type="primary"):
                if not ticked:
                    st.warning(ui.tr("board.bulk_none"))
                else:
                    at = local_now()
                    st.session_state.pop("desk_instruction", None)  # the next round starts blank
                    ui.act_on_rows(CaseAction.order, rows.iloc[ticked], user=user, key="desk",
                                   params_for=lambda s, case: {"instruction": templates.fill(
                                       instruction, templates.case_values(s, case, now=at))})
with tab_owned:
    with ui.session() as s:
        total, rows = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=100,
                                        by_deadline=True, extra=board.condition(s, user=user, key="owned", now=now))
    st.caption(ui.tr("desk.owned_hint", n=total))
    ui.case_table(rows, ["tracking_code", "due_at", "flags", "title", "unit", "status", "township"], key="desk_owned")
