"""值班登记 (clerk, S2 §一.4 24 小时值班): caller, work unit or address, phone (earlier cases of
that number appear as it is typed), content, time and channel; category and unit suggested from
the text; after registering, possible duplicates with a one-click merge."""
from datetime import datetime

import streamlit as st

from core import casefile, intake, network, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import CaseStatus, Channel

user = ui.require_page("duty")
FORM = "duty"
now = local_now()
with ui.session() as s:
    townships = network.townships(s)
    categories = network.categories(s)
    units = {u.id: u.name for u in network.handling_units(s)}
category_names = {c.id: (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories}

if "duty_done" in st.session_state:
    code = st.session_state["duty_done"]
    st.success(ui.tr("duty.done", code=code))
    if "duty_dup_merged" in st.session_state:
        st.info(ui.tr("suggest.merged", code=st.session_state.pop("duty_dup_merged")))
    with ui.session() as s:
        cf = casefile.open_case(s, user=user, tracking_code=code)
    if cf is not None and cf.case.status == CaseStatus.received:
        ui.duplicates_panel(user, cf.case, key="duty_dup")
    c1, c2 = st.columns(2)
    if c1.button(ui.tr("duty.open_case"), key="duty_open"):
        st.session_state["case_code"] = code
        st.switch_page("pages/case.py")
    if c2.button(ui.tr("duty.next"), type="primary", key="duty_next"):
        st.session_state.pop("duty_done")
        st.rerun()
    st.stop()

errors = ui.field_errors(FORM)
if "_form" in errors:
    st.error(errors["_form"])
left, right = st.columns([3, 2])
with left:
    c1, c2 = st.columns(2)
    c1.text_input(ui.tr("field.caller") + " *", max_chars=intake.NAME_MAX, key="duty_caller")
    phone = c2.text_input(ui.tr("field.phone") + " *", max_chars=20, key="duty_phone", placeholder="13812345678")
    ui.under(errors, "caller", "phone")
    st.text_input(ui.tr("field.address"), max_chars=intake.ADDRESS_MAX, key="duty_address")
    ui.under(errors, "address")
    c1, c2, c3 = st.columns(3)
    c1.selectbox(ui.tr("field.intake_channel") + " *", [c.value for c in intake.DUTY_CHANNELS], key="duty_channel",
                 format_func=lambda v: ui.lbl(v, Channel))
    day = c2.date_input(ui.tr("duty.day"), value=now.date(), max_value=now.date(), key="duty_day")
    hour = c3.time_input(ui.tr("duty.time"), value=now.time().replace(second=0, microsecond=0), key="duty_time",
                         step=300)
    ui.under(errors, "intake_channel", "received_at")
    content = st.text_area(ui.tr("field.content") + " *", max_chars=intake.CONTENT_MAX, height=140, key="duty_content")
    ui.under(errors, "content")
    township, village = ui.place_picker(townships, key="duty")
    ui.under(errors, "place")
    c1, c2 = st.columns(2)
    suggested, suggested_units = ui.category_picker(content, category_names, key="duty", container=c1)
    c2.radio(ui.tr("field.flag"), list(intake.FLAGS), horizontal=True, key="duty_flag",
             format_func=lambda f: ui.tr(f"flag.choice.{f}"))
    if suggested:
        st.caption(" · ".join([ui.tr("suggest.categories", names="、".join(category_names.get(c.id, "") for c in suggested)),
                               ui.tr("suggest.units", names="、".join(units.get(u.id, "") for u in suggested_units))]))
    files = st.file_uploader(ui.tr("field.attachments"), type=[t.lstrip(".") for t in intake.ATTACHMENT_TYPES],
                             accept_multiple_files=True, key="duty_files")
    ui.under(errors, "attachments")
    if st.button(ui.tr("duty.submit"), type="primary", key="duty_submit"):
        try:
            with ui.session() as s:
                case = intake.register_call(
                    s, actor=user, now=local_now(), channel=st.session_state.get("duty_channel"),
                    caller=st.session_state.get("duty_caller", ""), address=st.session_state.get("duty_address"),
                    phone=phone, content=content, received_at=datetime.combine(day, hour),
                    township_id=township, village_id=village,
                    category_id=st.session_state.get("duty_category"), flag=st.session_state.get("duty_flag", "none"),
                    files=[intake.Upload(f.name, f.getvalue()) for f in files or []])
                s.commit()
            ui.clear_field_errors(FORM)
            for key in ("duty_caller", "duty_phone", "duty_address", "duty_content", "duty_township", "duty_village",
                        "duty_category", "duty_category_touched", "duty_flag", "duty_files", "duty_day", "duty_time"):
                st.session_state.pop(key, None)
            st.session_state["duty_done"] = case.tracking_code
        except DomainError as exc:
            ui.field_errors(FORM, exc)
        st.rerun()

with right:
    st.markdown(f"#### {ui.tr('duty.earlier')}")
    earlier = None
    if phone.strip():
        with ui.session() as s:
            earlier = intake.earlier_cases(s, user=user, phone=phone)
    if earlier is None:
        st.caption(ui.tr("duty.earlier_hint"))
    elif earlier.empty:
        st.caption(ui.tr("duty.earlier_none"))
    else:
        st.warning(ui.tr("duty.repeat", n=len(earlier)))
        st.dataframe(earlier.assign(status=earlier["status"].map(lambda v: ui.lbl(v, CaseStatus)),
                                    received_at=earlier["received_at"].map(lambda v: f"{v:%Y-%m-%d}"))
                     .rename(columns={"tracking_code": ui.tr("col.tracking_code"), "received_at": ui.tr("col.received_at"),
                                      "title": ui.tr("col.title"), "status": ui.tr("col.status"),
                                      "reporter_name": ui.tr("col.reporter")}),
                     hide_index=True, width="stretch")
