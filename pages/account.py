"""我的账户: change one's own password (forced while it is one an administrator set: a first password or a reset)."""
import streamlit as st

from core import auth, ui
from core.clock import local_now
from core.errors import DomainError

user = ui.require_page("account")
if user.must_change_password:
    st.warning(ui.tr("account.must_change"))
st.markdown(f"**{ui.md(user.display_name)}** · `{user.username}`")

n = ui.form_generation("account")  # a new form after a change: nothing typed stays on screen
with st.form(f"account_password_form_{n}"):
    st.markdown(f"#### {ui.tr('account.change_password')}")
    current = st.text_input(ui.tr("account.current"), type="password", key=f"account_current_{n}")
    new = st.text_input(ui.tr("account.new"), type="password", key=f"account_new_{n}")
    repeat = st.text_input(ui.tr("account.repeat"), type="password", key=f"account_repeat_{n}")
    if st.form_submit_button(ui.tr("users.save"), type="primary"):
        try:
            with ui.session() as s:
                version = auth.change_own_password(s, actor=user, current_password=current, new_password=new,
                                                   repeat_password=repeat, now=local_now())
                s.commit()
            st.session_state[ui.SESSION_VERSION] = version  # this session goes on; others end
            st.session_state[ui.RENEW_COOKIE] = True
            ui.new_form("account")
            ui.flash(ui.tr("account.changed"))
            if user.must_change_password:  # the full menu now, and the user's home page
                st.session_state[ui.GO_HOME] = True
            st.rerun()
        except DomainError as exc:
            ui.show_error(exc)
