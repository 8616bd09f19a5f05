"""工作台: what needs each of the user's roles today, and the newest cases they may see."""
import streamlit as st

from core import kpi, ledger, ui
from core.clock import local_now

user = ui.require_page("home")
now = local_now()
st.subheader(ui.tr("home.hello", name=user.display_name))
st.caption(ui.tr("home.roles", roles="、".join(ui.lbl(r) for r in sorted(user.roles))))

with ui.session() as s:
    by_role = kpi.home_counters(s, user=user, now=now)
    total, recent = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=8)

st.markdown(f"#### {ui.tr('home.today')}")
for role, items in by_role.items():
    st.markdown(f"**{ui.lbl(role)}**")
    ui.counters(items)
st.caption(ui.tr("home.lists_later"))

st.markdown(f"#### {ui.tr('home.recent')}")
ui.case_table(recent, ["tracking_code", "received_at", "title", "township", "status", "due_at", "flags"],
              key="home_recent")
