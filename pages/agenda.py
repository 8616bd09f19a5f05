"""接访议程: the briefing a leader takes to a reception day — the cases of its place and of the
leader's portfolio that are overdue, returned twice or more, rated 不满意, re-reported or urgent —
printable; on the day and after, what the reception decided on each case is recorded into it."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from core import agenda, network, reception, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import CaseStatus

user = ui.require_page("agenda")
now = local_now()
today = now.date()

with ui.session() as s:
    mine = reception.leader_id_of(s, user)
    found = reception.occurrences(s, start=today - timedelta(days=7), end=today + timedelta(days=agenda.AGENDA_DAYS),
                                  leader_id=mine)
    leaders = {leader.id: leader.name for leader in network.leaders(s)}
    county = network.county_name(s)
if not found:
    st.info(ui.tr("agenda.none", days=agenda.AGENDA_DAYS))
    st.stop()
keys = [o.key for o in found]
by_key = {o.key: o for o in found}
wanted = st.session_state.pop("agenda_open", None)
if wanted in by_key:
    st.session_state["ag_pick"] = wanted
upcoming = [o.key for o in found if o.date >= today]
pick = st.selectbox(ui.tr("agenda.pick"), keys, key="ag_pick", index=keys.index(upcoming[0]) if upcoming else 0,
                    format_func=lambda k: f"{by_key[k].date:%m-%d} {by_key[k].start_time:%H:%M} · {by_key[k].name} · "
                                          f"{leaders.get(by_key[k].effective_leader_id, '—')}")
occ = by_key[pick]
with ui.session() as s:
    rows = agenda.items(s, user=user, key=pick, now=now)
    briefing = agenda.briefing_html(s, occ, rows, county=county, now=now, lang=ui.lang())
counts = {k: int(rows[k].sum()) for k in agenda.REASONS} if not rows.empty else {k: 0 for k in agenda.REASONS}
st.caption(ui.tr("agenda.summary", n=len(rows), place=occ.place or "—", time=f"{occ.start_time:%H:%M}") + " · " +
           " · ".join(f"{ui.tr(f'agenda.reason.{k}')} {n}" for k, n in counts.items()))
st.download_button(ui.tr("agenda.print"), briefing, file_name=f"agenda-{occ.date}.html", mime="text/html",
                   key="ag_print", icon=":material/print:")
if rows.empty:
    st.success(ui.tr("agenda.empty"))
    st.stop()

why = rows.apply(lambda r: "、".join(ui.tr(f"agenda.reason.{k}") for k in agenda.REASONS if r[k]), axis=1)
shown = pd.DataFrame({
    ui.tr("col.tracking_code"): rows["tracking_code"], ui.tr("col.title"): rows["title"],
    ui.tr("col.unit"): rows["unit"].fillna(""), ui.tr("col.status"): rows["status"].map(lambda v: ui.lbl(v, CaseStatus)),
    ui.tr("col.due_at"): pd.to_datetime(rows["due_at"]).dt.strftime("%Y-%m-%d").fillna(""),
    ui.tr("agenda.col.why"): why, ui.tr("agenda.col.outcome"): rows["outcome"],
})
picked = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                      key=f"ag_table_{pick}", column_config={ui.tr("col.title"): st.column_config.TextColumn(width="large")})
chosen = picked.selection.rows if picked else []
records = user.has(*agenda.RECORDERS) or (mine is not None and mine == occ.effective_leader_id)
if not chosen:
    st.caption(ui.tr("agenda.pick_row") if records and occ.date <= today else ui.tr("agenda.open_row"))
else:
    row = rows.iloc[chosen[0]]
    c1, c2 = st.columns([3, 1])
    c1.markdown(f"**{row['tracking_code']}** {ui.md(row['title'])}")
    if c2.button(ui.tr("agenda.open_case"), key="ag_open_case"):
        st.session_state["case_code"] = row["tracking_code"]
        st.switch_page("pages/case.py")
    if records and occ.date <= today:
        with st.form(f"ag_form_{pick}_{row['id']}"):
            outcome = st.text_area(ui.tr("agenda.col.outcome"), value=row["outcome"], key="ag_outcome", max_chars=1000,
                                   placeholder=ui.tr("agenda.outcome_hint"))
            if st.form_submit_button(ui.tr("agenda.record"), type="primary"):
                try:
                    with ui.session() as s:
                        agenda.record_outcome(s, actor=user, key=pick, case_id=int(row["id"]), outcome=outcome,
                                              now=local_now())
                        s.commit()
                    ui.flash(ui.tr("agenda.recorded", code=row["tracking_code"]))
                    st.rerun()
                except DomainError as exc:
                    ui.show_error(exc)
    elif records:
        st.caption(ui.tr("agenda.not_yet", day=f"{occ.date:%Y-%m-%d}"))
