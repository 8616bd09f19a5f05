"""工作队列: the lists of cases waiting for the user's roles — to draft, order, accept, review,
feed back, close; returned, overdue, supervised — nearest deadline first, filtered, paged."""
import math

import streamlit as st

from core import board, casefile, ledger, network, reception, ui, workflow
from core.auth import sees_personal_data
from core.clock import local_now
from core.models import CaseAction, CaseStatus, Priority

user = ui.require_page("board")
now = local_now()
with ui.session() as s:
    counts = dict(board.counts(s, user=user, now=now))
    townships = network.townships(s)
    categories = network.categories(s)
    units = network.handling_units(s)
    leaders = network.leaders(s)

keys = list(counts)
ui.queue_warnings(counts)
with ui.session() as s:
    ui.reception_warnings(reception.warnings_for(s, user=user, today=now.date()), link=True)
queue = st.segmented_control(ui.tr("board.queue"), keys, default=keys[0] if keys else None,
                             format_func=lambda k: f"{ui.tr(f'queue.{k}')} {counts[k]}", key="board_queue")
queue = queue or (keys[0] if keys else None)
if queue is None:
    st.stop()

all_ = ui.tr("ledger.all")
c1, c2, c3, c4, c5, c6 = st.columns([1, 1, 1.4, 1, 1, 1])
township = c1.selectbox(ui.tr("ledger.township"), [None, *[t.id for t in townships]], key="board_township",
                        format_func=lambda v: all_ if v is None else next(t.name for t in townships if t.id == v))
category = c2.selectbox(ui.tr("ledger.category"), [None, *[c.id for c in categories]], key="board_category",
                        format_func=lambda v: all_ if v is None else next(
                            (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories if c.id == v))
unit = c3.selectbox(ui.tr("board.unit"), [None, *[u.id for u in units]], key="board_unit",
                    format_func=lambda v: all_ if v is None else next(u.name for u in units if u.id == v))
priority = c4.selectbox(ui.tr("board.priority"), [None, *[p.value for p in Priority]], key="board_priority",
                        format_func=lambda v: all_ if v is None else ui.lbl(v, Priority))
leader = c5.selectbox(ui.tr("board.leader"), [None, *[g.id for g in leaders]], key="board_leader",
                      format_func=lambda v: all_ if v is None else next(g.name for g in leaders if g.id == v))
only_overdue = c6.toggle(ui.tr("ledger.only_overdue"), key="board_overdue")

filters = ledger.LedgerFilter(township_id=township, category_id=category, unit_id=unit, priority=priority,
                              owner_leader_id=leader, only_overdue=only_overdue)
page_size = 50
page = st.session_state.get("board_page", 1)
with ui.session() as s:
    total, rows = ledger.list_cases(s, user=user, filters=filters, now=now, page=page, page_size=page_size,
                                    extra=board.condition(s, user=user, key=queue, now=now), by_deadline=True)
st.caption(f"{ui.tr('ledger.count', n=f'{total:,}')} · {ui.tr('board.hint')}")
columns = ["tracking_code", "due_at", "flags", "title", "township", "category", "unit", "status", "received_at"]
if sees_personal_data(user):
    columns[4:4] = ["reporter", "phone"]
# bulk drafting (待拟办) and dispatch (待下单): the same action, case by case, through the services
BULK = {"to_draft": (CaseAction.draft, CaseStatus.received), "to_order": (CaseAction.order, CaseStatus.drafted)}
bulk_action = None
if queue in BULK and workflow.acting_role(user, BULK[queue][1], BULK[queue][0], case_unit_id=None,
                                          case_liaison_id=None):
    if st.toggle(ui.tr("board.bulk"), key="board_bulk", help=ui.tr("board.bulk_hint")):
        bulk_action = BULK[queue][0]
# a new table key after each bulk action: the ticks must not stay on the rows that moved up
bulk_round = ui.bulk_round("board_bulk")
ticked = ui.case_table(rows, columns, key=f"board_table_{queue}_{'bulk' if bulk_action else 'open'}_{bulk_round}",
                       many=bulk_action is not None)
if bulk_action is not None and not rows.empty:
    category_names = {c.id: (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories}
    unit_names = {u.id: u.name for u in units}
    with st.form("board_bulk_form"):
        st.markdown(f"**{ui.lbl(bulk_action, CaseAction)}**")
        values = {field.name: ui.action_field(field, key=f"board_bulk_{field.name}", categories=category_names,
                                              units=unit_names)
                  for field in casefile.ACTION_FORMS[bulk_action]}
        if st.form_submit_button(ui.lbl(bulk_action, CaseAction), type="primary"):
            if not ticked:
                st.warning(ui.tr("board.bulk_none"))
            else:
                ui.act_on_rows(bulk_action, rows.iloc[ticked], user=user, key="board_bulk", **values)
st.number_input(ui.tr("ledger.page"), min_value=1, max_value=max(1, math.ceil(total / page_size)), step=1,
                key="board_page")
