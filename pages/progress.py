"""办理进度查询 (public, no sign-in): a resident enters the tracking code and the last four digits
of the phone they reported with and sees the stage, the deadline and the result summary — no
names, no phone numbers. Failed tries are limited per code and per client (core.intake)."""
import streamlit as st

from core import intake, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import CaseStatus

ui.through_app()  # public, yet run inside app.py
st.title(ui.page_title("progress"))
st.caption(ui.tr("progress.intro"))
with st.form("progress_form"):
    code = st.text_input(ui.tr("case.code"), max_chars=20, placeholder="MQ-2026-000123", key="progress_code")
    digits = st.text_input(ui.tr("progress.digits"), max_chars=4, type="password", key="progress_digits")
    asked = st.form_submit_button(ui.tr("progress.submit"), type="primary")
if asked:
    try:
        with ui.session() as s:
            found = intake.lookup_progress(s, tracking_code=code, phone_last4=digits, client=ui.client_address(),
                                           now=local_now())
            s.commit()
        with st.container(border=True):
            st.markdown(f"### {found.tracking_code}")
            st.markdown(f"**{ui.tr('progress.stage')}**：{ui.lbl(found.status, CaseStatus)}")
            st.markdown(f"**{ui.tr('case.label.received')}**：{found.received_on}")
            if found.due_on and not found.closed:
                st.markdown(f"**{ui.tr('case.label.due')}**：{found.due_on}")
            if found.result:
                st.markdown(f"**{ui.tr('case.label.result')}**：")
                st.text(found.result)
    except DomainError as exc:
        st.error(exc.message(ui.lang()))
