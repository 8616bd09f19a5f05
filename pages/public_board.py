"""办理结果公开栏 (public, no sign-in; S0): per township, the cases closed in a period with their
result and the four 100 % — no personal data (core.public_board) — and the sheet to print for the
notice board."""
import pandas as pd
import streamlit as st

from core import network, public_board, ui
from core.clock import local_now

ui.through_app()  # public, yet run inside app.py
st.title(ui.page_title("public_board"))
st.caption(ui.tr("board.intro"))
now = local_now()
periods = public_board.periods(now.date())
with ui.session() as s:
    townships = [(t.id, t.name) for t in network.townships(s)]
    county = network.county_name(s)
if not townships:
    st.info(ui.tr("board.no_townships"))
    st.stop()
names = dict(townships)
c1, c2 = st.columns(2)
township = c1.selectbox(ui.tr("field.township_id"), list(names), format_func=names.get, key="pub_town")
period = c2.selectbox(ui.tr("dash.period"), list(periods), format_func=lambda p: ui.tr(f"board.period.{p}"),
                      key="pub_period")
start, end = periods[period]
board = ui.public_board_data(township, start, end)
st.caption(ui.tr("board.period", start=start.isoformat(), end=end.isoformat()))
cols = st.columns(4)
for col, (key, value, count) in zip(cols, public_board.figures(board)):
    col.metric(ui.tr(f"kpi.{key}"), value, border=True, help=ui.tr(f"kpi.help.{key}"))
    col.caption(count)
st.markdown(f"#### {ui.tr('board.closed', n=f'{board.closed_total:,}')}")
if not board.rows:
    st.info(ui.tr("board.none"))
else:
    if board.closed_total > len(board.rows):
        st.caption(ui.tr("board.more", shown=len(board.rows), n=f"{board.closed_total:,}"))
    st.dataframe(pd.DataFrame([{ui.tr("case.code"): r.code, ui.tr("board.col.category"): r.category,
                                ui.tr("board.col.village"): r.village, ui.tr("board.col.received"): r.received,
                                ui.tr("board.col.closed"): r.closed, ui.tr("case.label.result"): r.result}
                               for r in board.rows]), hide_index=True, width="stretch")
st.download_button(ui.tr("board.print"), public_board.sheet_html(board, county=county, lang=ui.lang()).encode("utf-8"),
                   file_name=f"公开栏-{board.township}-{start:%Y%m}.html", mime="text/html", icon=":material/print:",
                   key="pub_print")
