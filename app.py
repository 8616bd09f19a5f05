"""民情通 entry point: page config, sign-in, and the role-filtered navigation."""
import pandas as pd
import streamlit as st

from core import auth, demo, ui

st.set_page_config(page_title="民情通", page_icon=":material/diversity_3:", layout="wide")

engine = ui.engine()
settings = ui.settings()
ui.language_switch()
authenticator = ui.authenticator()
ui.restore_session()
if st.session_state.get("authentication_status") and ui.current_user() is None:
    ui.end_session()  # disabled, reset or signed out elsewhere since: sign in again
    st.warning(ui.tr("guard.session_ended"))
if st.session_state.get("authentication_status"):
    ui.sign_out_button(authenticator)


def signed_out() -> None:
    """Placeholder page while signed out: registering it keeps pages/ out of the menu."""


# Signed out, four pages exist: the sign-in (default), and the public progress lookup, reception
# notices (五公开) and results board (公开栏), which residents open without an account and show no
# sign-in form.
public_page = st.Page("pages/progress.py", title=ui.page_title("progress"), url_path="progress")
notices_page = st.Page("pages/notices.py", title=ui.page_title("notices"), url_path="notices")
board_page = st.Page("pages/public_board.py", title=ui.page_title("public_board"), url_path="public_board")
PUBLIC_PAGES = ("progress", "notices", "public_board")
if not st.session_state.get("authentication_status"):
    # every signed-in page's path is held by the placeholder too: a deep link or a session the
    # cookie restores below must not meet Streamlit's "page not found" first
    signed_out_nav = st.navigation([st.Page(signed_out, title=ui.tr("login.title"), url_path="login", default=True),
                                    public_page, notices_page, board_page,
                                    *(st.Page(signed_out, title=ui.tr("login.title"), url_path=spec.key)
                                      for spec in auth.PAGES)], position="hidden")
    if signed_out_nav.url_path in PUBLIC_PAGES:
        st.session_state[ui.VIA_APP] = True  # the page runs inside app.py (see ui.through_app)
        ui.guarded(signed_out_nav.run)
        st.stop()

# Title and banner sit in a placeholder that is emptied once signed in. The sign-in form is drawn
# outside it: on success it also renders the cookie component, which must stay on the page for
# the browser to store the cookie (emptying it loses the session).
login_header = st.empty()
if not st.session_state.get("authentication_status"):
    with login_header.container():
        st.title(ui.tr("app.name"))
        st.caption(ui.tr("app.tagline"))
        if settings.is_demo:
            ui.demo_banner()
    ui.sign_in_form(authenticator)
if not st.session_state.get("authentication_status") and settings.is_demo:
    st.subheader(ui.tr("demo.accounts", password=demo.DEMO_PASSWORD))
    with ui.session() as s:
        accounts = demo.demo_account_rows(s)
    st.dataframe(
        pd.DataFrame([{ui.tr("demo.col.username"): a["username"], ui.tr("demo.col.name"): a["display_name"],
                       ui.tr("demo.col.roles"): "、".join(ui.lbl(r) for r in a["roles"]),
                       ui.tr("demo.col.unit"): a["unit"]} for a in accounts]),
        hide_index=True, width="stretch",
    )

user = ui.current_user()
if user is None:
    st.page_link(public_page, label=ui.tr("progress.link"), icon=":material/search:")
    st.page_link(notices_page, label=ui.tr("notices.link"), icon=":material/campaign:")
    st.page_link(board_page, label=ui.tr("board.link"), icon=":material/fact_check:")
    st.stop()

login_header.empty()
ui.page_chrome()
ui.sweep_overdue()
with st.sidebar:
    st.markdown(f"**{user.display_name}**")
    st.caption("、".join(ui.lbl(r) for r in sorted(user.roles)))
    if settings.is_demo:
        st.badge(ui.tr("demo.badge"), icon=":material/science:", color="orange")

specs = [auth.PAGES_BY_KEY["account"]] if user.must_change_password else auth.pages_for(user.roles)
sections: dict[str, list] = {}
for spec in specs:
    page = st.Page(spec.path, title=ui.page_title(spec.key), icon=spec.icon, url_path=spec.key,
                   default=(spec is specs[0]))
    sections.setdefault(ui.tr(f"nav.{spec.section}"), []).append(page)
    if spec is specs[0]:
        home = page
ordered = {ui.tr(f"nav.{key}"): sections[ui.tr(f"nav.{key}")] for key in auth.SECTIONS if ui.tr(f"nav.{key}") in sections}
navigation = st.navigation(ordered, expanded=True)
if st.session_state.pop(ui.GO_HOME, False):  # a first password was just changed: on to the work
    st.switch_page(home)
ui.renew_cookie(authenticator, user)  # after the switch: a rerun right after would lose the cookie
st.session_state[ui.VIA_APP] = True  # the page runs inside app.py (see ui.through_app)
ui.guarded(navigation.run)
