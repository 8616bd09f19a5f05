"""我的账户: change one's own password (forced after an admin reset)."""
import streamlit as st

from core import auth, ui
from core.clock import local_now
from core.errors import DomainError

user = ui.require_page("account")
if user.must_change_password:
    st.warning(ui.tr("account.must_change"))
st.markdown(f"**{user.display_name}** · `{user.username}`")

with st.form("account_password_form"):
    st.markdown(f"#### {ui.tr('account.change_password')}")
    current = st.text_input(ui.tr("account.current"), type="password", key="account_current")
    new = st.text_input(ui.tr("account.new"), type="password", key="account_new")
    repeat = st.text_input(ui.tr("account.repeat"), type="password", key="account_repeat")
    if st.form_submit_button(ui.tr("users.save"), type="primary"):
        try:
            with ui.session() as s:
                auth.change_own_password(s, actor=user, current_password=current, new_password=new,
                                         repeat_password=repeat, now=local_now())
                s.commit()
            st.success(ui.tr("account.changed"))
            if user.must_change_password:
                st.rerun()
        except DomainError as exc:
            ui.show_error(exc)
