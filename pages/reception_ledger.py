"""领导接访台账 (一人一档): one leader's receptions in a period — who came, what they asked, the
answer given on the spot, and the case each demand became with its stage, deadline and result."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from core import board, network, reception, ui
from core.clock import local_now
from core.models import CaseStatus, Rating, Role

user = ui.require_page("reception_ledger")
today = local_now().date()
with ui.session() as s:
    leaders = {leader.id: leader for leader in network.leaders(s)}
    mine = board.leader_id_of(s, user)
reads_all = user.has(Role.clerk, Role.admin, Role.supervisor)
choices = list(leaders) if reads_all else [mine] if mine in leaders else []
if not choices:
    st.info(ui.tr("reception_ledger.none"))
    st.stop()

c1, c2 = st.columns([1, 1])
leader_id = c1.selectbox(ui.tr("reception_ledger.leader"), choices, key="rl_leader",
                         index=choices.index(mine) if mine in choices else 0,
                         format_func=lambda v: f"{leaders[v].name}（{leaders[v].title}）")
period = c2.date_input(ui.tr("reception_ledger.period"), value=(today - timedelta(days=90), today), key="rl_period")
start, end = (period if isinstance(period, tuple) and len(period) == 2 else (today - timedelta(days=90), today))

with ui.session() as s:
    days = reception.ledger_days(s, leader_id=leader_id, start=start, end=end)
    entries = reception.ledger_entries(s, user=user, leader_id=leader_id, start=start, end=end)
cases = [e for e in entries if e["tracking_code"]]
closed = [e for e in cases if e["status"] in (CaseStatus.closed, CaseStatus.explained)]
satisfied = [e for e in cases if e["rating"] in (Rating.satisfied, Rating.basically_satisfied)]
ui.counters([("reception_ledger.receptions", len(days)), ("reception_ledger.visitors", len(entries)),
             ("reception_ledger.cases", len(cases)), ("reception_ledger.closed", len(closed)),
             ("reception_ledger.satisfied", len(satisfied))], per_row=5)

st.markdown(f"#### {ui.tr('reception_ledger.days')}")
if not days:
    st.info(ui.tr("reception_ledger.none"))
else:
    names = {i: leader.name for i, leader in leaders.items()}
    st.dataframe(pd.DataFrame([{
        ui.tr("reception.col.date"): f"{o.date:%Y-%m-%d}", ui.tr("reception.col.time"): f"{o.start_time:%H:%M}",
        ui.tr("reception.col.name"): o.name + (f" · {o.group_name}" if o.group_name else ""),
        ui.tr("reception.col.place"): o.place,
        ui.tr("field.attended_leader_id"): names.get(o.attended_id, ""),
        ui.tr("reception.attendance_count"): o.attendance, ui.tr("reception.col.visitors"): o.visitors,
        ui.tr("reception.col.flags"): "、".join(ui.tr(f"reception.flag.{f}") for f in o.flags(today)),
    } for o in days]), hide_index=True, width="stretch")

st.markdown(f"#### {ui.tr('reception_ledger.entries')}")
ui.reception_entries(entries)
