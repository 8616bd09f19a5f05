"""民情台账: every case the user may see, filtered and paged; personal data masked by role."""
import math

import streamlit as st

from core import ledger, network, ui
from core.auth import sees_personal_data
from core.clock import local_now
from core.models import CaseStatus, Role

user = ui.require_page("ledger")
now = local_now()
if not user.has(Role.clerk, Role.leader, Role.supervisor, Role.admin):
    st.caption(ui.tr("ledger.scope.unit") if user.has(Role.unit_handler) else ui.tr("ledger.scope.liaison"))

with ui.session() as s:
    townships = network.townships(s)
    categories = network.categories(s)

with st.expander(ui.tr("ledger.filters"), expanded=True):
    c1, c2, c3 = st.columns(3)
    statuses = c1.multiselect(ui.tr("ledger.status"), options=[m.value for m in CaseStatus],
                              format_func=lambda v: ui.lbl(v, CaseStatus), placeholder=ui.tr("ledger.all"),
                              key="ledger_status")
    township = c2.selectbox(ui.tr("ledger.township"), options=[None] + [t.id for t in townships],
                            format_func=lambda v: ui.tr("ledger.all") if v is None else next(t.name for t in townships if t.id == v),
                            key="ledger_township")
    category = c3.selectbox(ui.tr("ledger.category"), options=[None] + [c.id for c in categories],
                            format_func=lambda v: ui.tr("ledger.all") if v is None else next(
                                (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories if c.id == v),
                            key="ledger_category")
    c4, c5 = st.columns([2, 1])
    text = c4.text_input(ui.tr("ledger.search"), max_chars=60, key="ledger_text", help=ui.tr("ledger.search.help"))
    only_overdue = c5.toggle(ui.tr("ledger.only_overdue"), key="ledger_overdue")

filters = ledger.LedgerFilter(statuses=tuple(statuses), township_id=township, category_id=category,
                              text=text, only_overdue=only_overdue)
page_size = 50
# Keyset paging: each page starts after the last row of the one before (its cursor), so a deep
# page costs what the first does. The total is counted, and how words are found decided, once per
# user and set of filters, not per page.
state = st.session_state
if state.get("ledger_filters") != (user.id, filters) or "ledger_cursors" not in state:
    with ui.session() as s:
        state.ledger_total = ledger.count_cases(s, user=user, filters=filters, now=now)
        state.ledger_plan = ledger.search_plan(s, user=user, filters=filters, now=now)
    state.ledger_filters, state.ledger_cursors, state.ledger_counted_at = (user.id, filters), [None], now
total = state.ledger_total
with ui.session() as s:
    _none, rows = ledger.list_cases(s, user=user, filters=filters, now=now, page_size=page_size,
                                    after=state.ledger_cursors[-1], count=False, plan=state.ledger_plan)
page, pages = len(state.ledger_cursors), max(1, math.ceil(total / page_size))
st.markdown(ui.tr("ledger.counted_at", n=f"{total:,}", at=state.ledger_counted_at.strftime("%H:%M")))
columns = ["tracking_code", "received_at", "title", "township", "category", "unit", "status", "due_at", "flags",
           "channel", "village", "rating"]
if sees_personal_data(user):
    columns[3:3] = ["reporter", "phone"]
ui.case_table(rows, columns, key="ledger_table")


def first_page() -> None:
    del state["ledger_cursors"]  # recounts on the rerun


def previous_page() -> None:
    state.ledger_cursors.pop()


def next_page(cursor) -> None:
    state.ledger_cursors.append(cursor)


c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
c1.button(ui.tr("ledger.first"), on_click=first_page, disabled=page == 1, key="ledger_first")
c2.button(ui.tr("ledger.previous"), on_click=previous_page, disabled=page == 1, key="ledger_previous")
has_next = len(rows) == page_size and page < pages
c3.button(ui.tr("ledger.next"), on_click=next_page, args=(ledger.cursor_after(rows) if has_next else None,),
          disabled=not has_next, key="ledger_next")
c4.caption(ui.tr("ledger.page_of", page=page, pages=pages))
