"""统计报表: the monthly statistics table per township (.xlsx), the ten-day digest by leaders'
portfolios (print-ready HTML) and the quarterly analysis (.docx with charts), each from core.kpi."""
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from core import kpi, network, reports, ui
from core.clock import local_now

user = ui.require_page("reports")
now = local_now()
today = now.date()
with ui.session() as s:
    county = network.county_name(s)

st.markdown(f"#### {ui.tr('report.monthly')}")
months = [m.strftime("%Y-%m") for m in reversed(kpi.months_around(today, back=12))]
month = st.selectbox(ui.tr("report.monthly.month"), months, index=1, key="rep_month")  # last month by default
filters = reports.month_filter(month)
with ui.session() as s:
    table = reports.monthly_table(s, filters, ui.lang())
heads = reports.monthly_headers(ui.lang())
shown = table.assign(**{key: table[key].map(lambda v: "—" if v is None or pd.isna(v) else f"{v:.1%}")
                         for key in reports.MONTHLY_RATES}).rename(columns=heads)
shown = shown[[heads[c] for c in table.columns if not c.startswith("channel:") or table[c].sum() > 0]]
st.dataframe(shown, hide_index=True, width="stretch")
st.download_button(ui.tr("report.download") + " .xlsx",
                   reports.monthly_xlsx(table, title=ui.tr("report.monthly.title", county=county, month=month),
                                        lang=ui.lang()),
                   file_name=f"monthly-{month}.xlsx", key="rep_month_download", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.divider()
st.markdown(f"#### {ui.tr('report.digest')}")
periods = []
day = today
for _ in range(6):
    first, last = reports.digest_periods(day)
    periods.append((first, last))
    day = first - timedelta(days=1)
chosen = st.selectbox(ui.tr("report.digest.period"), periods, key="rep_digest",
                      index=periods.index(reports.last_finished_digest_period(today)),
                      format_func=lambda p: f"{p[0]:%Y-%m-%d} – {p[1]:%Y-%m-%d}")
with ui.session() as s:
    digest = reports.ten_day_digest(s, start=chosen[0], end=chosen[1], now=now, county=county, lang=ui.lang())
st.download_button(ui.tr("report.download") + " .html", digest.encode("utf-8"),
                   file_name=f"digest-{chosen[0]}.html", mime="text/html", key="rep_digest_download",
                   icon=":material/download:")
with st.expander(ui.tr("report.preview")):
    st.html(digest)

st.divider()
st.markdown(f"#### {ui.tr('report.quarterly')}")
quarters = []
q_day = today
for _ in range(4):
    quarters.append(f"{q_day.year}Q{(q_day.month - 1) // 3 + 1}")
    q_day = date(q_day.year, 3 * ((q_day.month - 1) // 3) + 1, 1) - timedelta(days=1)
quarter = st.selectbox(ui.tr("report.quarterly.quarter"), quarters, key="rep_quarter")
if st.button(ui.tr("report.quarterly"), key="rep_quarter_make", icon=":material/description:"):
    with st.spinner():
        with ui.session() as s:
            st.session_state["rep_quarter_doc"] = (quarter, reports.quarterly_docx(
                s, reports.quarter_filter(quarter), now=now, county=county, lang=ui.lang()))
made = st.session_state.get("rep_quarter_doc")
if made and made[0] == quarter:
    st.download_button(ui.tr("report.download") + " .docx", made[1], file_name=f"quarterly-{quarter}.docx",
                       key="rep_quarter_download", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

st.divider()
ui.settings_form(user, "alert.", key="rep_alerts", title=ui.tr("alert.settings"))
