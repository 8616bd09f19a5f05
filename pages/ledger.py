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
    text = c4.text_input(ui.tr("ledger.search"), max_chars=60, key="ledger_text")
    only_overdue = c5.toggle(ui.tr("ledger.only_overdue"), key="ledger_overdue")

filters = ledger.LedgerFilter(statuses=tuple(statuses), township_id=township, category_id=category,
                              text=text, only_overdue=only_overdue)
page_size = 50
page = st.session_state.get("ledger_page", 1)
with ui.session() as s:
    total, rows = ledger.list_cases(s, user=user, filters=filters, now=now, page=page, page_size=page_size)
pages = max(1, math.ceil(total / page_size))
st.markdown(ui.tr("ledger.count", n=f"{total:,}"))
columns = ["tracking_code", "received_at", "title", "township", "category", "unit", "status", "due_at", "flags",
           "channel", "village", "rating"]
if sees_personal_data(user):
    columns[3:3] = ["reporter", "phone"]
ui.case_table(rows, columns, key="ledger_table")
st.number_input(ui.tr("ledger.page"), min_value=1, max_value=pages, step=1, key="ledger_page",
                help=f"1–{pages}")
