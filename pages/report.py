"""上报民情 (liaison, phone-width): six things to fill — who, where, what, category (suggested),
urgent or major, photos — then a large tracking code; and 我的上报, where the liaison follows
their reports and records the resident's rating after feedback."""
import streamlit as st

from core import board, intake, ledger, network, services, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import Rating

user = ui.require_page("report")
FORM = "rep"
with ui.session() as s:
    townships = network.townships(s)
    categories = network.categories(s)
    home_township, home_village = network.station_place(s, user.liaison_id)
if "rep_township" not in st.session_state and home_township in [t.id for t in townships]:
    st.session_state["rep_township"] = home_township  # the liaison's own village, changeable
    st.session_state["rep_village"] = home_village
category_names = {c.id: (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories}

tab_new, tab_mine = st.tabs([ui.tr("report.new"), ui.tr("report.mine")])
with tab_new:
    if "rep_done" in st.session_state:
        st.success(ui.tr("report.done"))
        st.markdown(f"<div style='font-size:2.2rem;font-weight:700;letter-spacing:.05em'>{st.session_state['rep_done']}</div>",
                    unsafe_allow_html=True)  # a tracking code of our own making: letters, digits, dashes
        st.caption(ui.tr("report.done_hint"))
        if st.button(ui.tr("report.another"), type="primary", key="rep_another"):
            st.session_state.pop("rep_done")
            st.rerun()
        st.stop()
    errors = ui.field_errors(FORM)
    if "_form" in errors:
        st.error(errors["_form"])
    c1, c2 = st.columns([3, 2])
    c1.text_input(ui.tr("field.who") + " *", max_chars=intake.NAME_MAX, key="rep_who",
                  placeholder=ui.tr("report.who_hint"))
    c2.text_input(ui.tr("field.phone"), max_chars=20, key="rep_phone", placeholder="13812345678")
    ui.under(errors, "who", "phone")
    township, village = ui.place_picker(townships, key="rep", required=True)
    ui.under(errors, "place")
    content = st.text_area(ui.tr("field.content") + " *", max_chars=intake.CONTENT_MAX, height=120, key="rep_content",
                           placeholder=ui.tr("report.content_hint"))
    ui.under(errors, "content")
    suggested, _units = ui.category_picker(content, category_names, key="rep")
    if suggested:
        st.caption(ui.tr("suggest.categories", names="、".join(category_names.get(c.id, "") for c in suggested)))
    st.radio(ui.tr("field.flag"), list(intake.FLAGS), horizontal=True, key="rep_flag",
             format_func=lambda f: ui.tr(f"flag.choice.{f}"))
    files = st.file_uploader(ui.tr("field.attachments"), type=[t.lstrip(".") for t in intake.ATTACHMENT_TYPES],
                             accept_multiple_files=True, key="rep_files",
                             help=ui.tr("report.attachments_help", n=intake.ATTACHMENTS_MAX,
                                        mb=intake.ATTACHMENT_MAX_BYTES // 2**20,
                                        types="、".join(t.lstrip(".").upper() for t in intake.ATTACHMENT_TYPES)))
    ui.under(errors, "attachments")
    if st.button(ui.tr("report.submit"), type="primary", width="stretch", key="rep_submit"):
        try:
            with ui.session() as s:
                case = intake.submit_liaison_report(
                    s, actor=user, now=local_now(), who=st.session_state.get("rep_who", ""),
                    phone=st.session_state.get("rep_phone"), township_id=township,
                    village_id=village, content=content,
                    category_id=st.session_state.get("rep_category"), flag=st.session_state.get("rep_flag", "none"),
                    files=[intake.Upload(f.name, f.getvalue()) for f in files or []])
                s.commit()
            ui.clear_field_errors(FORM)
            for key in ("rep_who", "rep_phone", "rep_township", "rep_village", "rep_content", "rep_category",
                        "rep_category_touched", "rep_flag", "rep_files"):
                st.session_state.pop(key, None)
            st.session_state["rep_done"] = case.tracking_code
        except DomainError as exc:
            ui.field_errors(FORM, exc)  # everything typed stays in the widgets
        st.rerun()

with tab_mine:
    now = local_now()
    with ui.session() as s:
        _n, to_rate = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=50,
                                        extra=board.condition(s, user=user, key="to_rate", now=now))
        _n, mine = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=30)
        results = ledger.result_summaries(s, [] if mine.empty else [int(i) for i in mine["id"]])
    if not to_rate.empty:
        st.markdown(f"#### {ui.tr('report.to_rate', n=len(to_rate))}")
        for row in to_rate.itertuples():
            with st.container(border=True):
                st.markdown(f"**{row.tracking_code}** · {ui.md(row.title)}")
                st.caption(results.get(row.id) or "")
                choice = st.radio(ui.tr("field.rating"), [r.value for r in Rating], horizontal=True, index=None,
                                  format_func=lambda v: ui.lbl(v, Rating), key=f"rep_rate_{row.id}")
                if st.button(ui.tr("report.rate"), key=f"rep_rate_btn_{row.id}", disabled=choice is None):
                    try:
                        with ui.session() as s:
                            services.rate(s, case_id=int(row.id), actor=user, now=local_now(),
                                          expected_version=int(row.version), rating=Rating(choice))
                            s.commit()
                        st.rerun()
                    except DomainError as exc:
                        ui.show_error(exc)
    st.markdown(f"#### {ui.tr('report.mine')}")
    if mine.empty:
        st.info(ui.tr("ledger.empty"))
    ui.case_cards(mine, results)
