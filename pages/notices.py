"""接访预告 (public, no sign-in): the reception notices published for the coming weeks — 五公开:
leader's name, title, duties, time, place, accompanying units, subject — each printable."""

import streamlit as st

from core import network, reception, ui
from core.clock import local_now

ui.through_app()  # public, yet run inside app.py
st.title(ui.page_title("notices"))
st.caption(ui.tr("notices.intro"))
today = local_now().date()
with ui.session() as s:
    county = network.county_name(s)
    notices = reception.published_notices(s, today=today)
    texts = [(occ, reception.notice_text(s, occ, ui.lang()), reception.notice_html(s, occ, county=county, lang=ui.lang()))
             for occ in notices]
if not texts:
    st.info(ui.tr("notices.none"))
for occ, text, page in texts:
    with st.container(border=True):
        st.markdown(f"### {ui.md(text.title)}")
        st.markdown(f"**{ui.tr('reception.notice.when')}**：{ui.md(text.when)}  \n"
                    f"**{ui.tr('reception.notice.place')}**：{ui.md(text.place or '—')}  \n"
                    f"**{ui.tr('reception.notice.leader')}**：{ui.md(text.leader)}（{ui.md(text.leader_title)}）  \n"
                    f"**{ui.tr('reception.notice.duties')}**：{ui.md(text.duties or '—')}  \n"
                    f"**{ui.tr('reception.notice.accompanying_units')}**：{ui.md(text.accompanying_units or '—')}  \n"
                    f"**{ui.tr('reception.notice.subject')}**：{ui.md(text.subject or '—')}")
        if occ.moved:
            st.caption(ui.tr("reception.moved_from", day=occ.original_date.isoformat(),
                             why=reception.moved_reason_label(occ.moved_reason, ui.lang())))
        st.download_button(ui.tr("reception.print"), page.encode("utf-8"), file_name=f"notice-{occ.date}.html",
                           mime="text/html", key=f"notice_print_{occ.key}", icon=":material/print:")
