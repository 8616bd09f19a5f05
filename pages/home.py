"""工作台: what waits for the user today (their work queues), and the newest cases they may see."""
import streamlit as st

from core import auth, board, checklist, kpi, ledger, reception, ui
from core.clock import local_now
from core.models import Role

user = ui.require_page("home")
now = local_now()
st.subheader(ui.tr("home.hello", name=user.display_name))
st.caption(ui.tr("home.roles", roles="、".join(ui.lbl(r) for r in sorted(user.roles))))
ui.schedule_banner(user)
if user.has(Role.liaison):  # the liaison's one job, first on the phone's screen
    if st.button(ui.tr("home.report"), type="primary", icon=":material/add_comment:", width="stretch",
                 key="home_report"):
        st.switch_page("pages/report.py")
if user.has(Role.admin):
    with ui.session() as s:
        setup = checklist.steps(s, today=now.date())
    left = sum(not step.done for step in setup)
    with st.expander(ui.tr("checklist.title", left=left) if left else ui.tr("checklist.done"), expanded=bool(left)):
        for step in setup:
            icon = ":material/check_circle:" if step.done else ":material/radio_button_unchecked:"
            st.page_link(auth.PAGES_BY_KEY[step.page].path, label=ui.tr(f"checklist.{step.key}"), icon=icon)

with ui.session() as s:
    queues = board.counts(s, user=user, now=now)
    admin = kpi.admin_counters(s) if user.has(Role.admin) else []
    _total, recent = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=8)

st.markdown(f"#### {ui.tr('home.today')}")
if queues:
    ui.queue_warnings(dict(queues))
    ui.counters([(f"queue.{key}", n) for key, n in queues])
    if st.button(ui.tr("home.open_board"), icon=":material/view_kanban:", key="home_open_board"):
        st.switch_page("pages/board.py")
if admin:
    ui.counters(admin)
with ui.session() as s:
    ui.reception_warnings(reception.warnings_for(s, user=user, today=now.date()), link=True)

if user.has(Role.leader):  # 重大紧急及时上报: new urgent or major cases reach leaders at once
    with ui.session() as s:
        _n, urgent = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=8,
                                       extra=board.condition(s, user=user, key="urgent_open", now=now))
    st.markdown(f"#### :red[{ui.tr('home.urgent')}]")
    ui.case_table(urgent, ["tracking_code", "received_at", "flags", "title", "township", "status", "due_at"],
                  key="home_urgent")

st.markdown(f"#### {ui.tr('home.recent')}")
if user.roles == {Role.liaison}:  # on a phone
    ui.case_cards(recent)
else:
    ui.case_table(recent, ["tracking_code", "received_at", "title", "township", "status", "due_at", "flags"],
                  key="home_recent")
