"""办理时限与工作日 (admin): time limits per tier and category, and working-day overrides."""
from datetime import date

import pandas as pd
import streamlit as st

from core import deadlines, limits, network, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import Tier

actor = ui.require_page("limits")
st.caption(ui.tr("limits.intro"))
ui.schedule_banner(actor)
with ui.session() as s:
    categories = network.categories(s)
    rows = limits.time_limits(s)
    overrides = limits.calendar_override_rows(s)
names = {c.id: (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories}
county_wide = {r.tier: r.working_days for r in rows if r.category_id is None}

st.markdown(f"#### {ui.tr('limits.effective')}")
st.dataframe(pd.DataFrame([{ui.tr("limits.col.tier"): ui.lbl(tier), ui.tr("limits.col.default"): days,
                            ui.tr("limits.col.county"): county_wide.get(tier, "")}
                           for tier, days in deadlines.WORKING_DAYS_BY_TIER.items()]), hide_index=True)
per_category = [r for r in rows if r.category_id is not None]
st.markdown(f"#### {ui.tr('limits.by_category')}")
if per_category:
    st.dataframe(pd.DataFrame([{ui.tr("limits.col.category"): names.get(r.category_id, r.category_id),
                                ui.tr("limits.col.tier"): ui.lbl(r.tier, Tier),
                                ui.tr("limits.col.days"): r.working_days} for r in per_category]), hide_index=True)
else:
    st.caption(ui.tr("limits.none"))

left, right = st.columns(2)
with left.form("limits_set_form"):
    st.markdown(f"**{ui.tr('limits.set')}**")
    tier = st.selectbox(ui.tr("limits.col.tier"), [t.value for t in Tier], format_func=lambda v: ui.lbl(v, Tier),
                        index=[t.value for t in Tier].index(Tier.unit), key="limits_tier")
    category = st.selectbox(ui.tr("limits.col.category"), [None, *names],
                            format_func=lambda v: ui.tr("limits.category_all") if v is None else names[v],
                            key="limits_category")
    days = st.number_input(ui.tr("limits.days"), min_value=0, max_value=limits.MAX_WORKING_DAYS, value=3, step=1,
                           key="limits_days")
    if st.form_submit_button(ui.tr("limits.save"), type="primary"):
        try:
            with ui.session() as s:
                limits.set_time_limit(s, actor=actor, tier=Tier(tier), working_days=int(days), now=local_now(),
                                      category_id=category)
                s.commit()
            st.success(ui.tr("limits.saved"))
        except DomainError as exc:
            ui.show_error(exc)
    if per_category and st.form_submit_button(ui.tr("limits.remove")):
        match = next((r for r in per_category if r.category_id == category and r.tier == tier), None)
        if match is not None:
            with ui.session() as s:
                limits.remove_time_limit(s, actor=actor, limit_id=match.id)
                s.commit()
            st.success(ui.tr("limits.saved"))

with right:
    st.markdown(f"**{ui.tr('limits.calendar')}**")
    st.caption(ui.tr("limits.coverage", year=deadlines.last_official_year()))
    if overrides:
        st.dataframe(pd.DataFrame([{ui.tr("limits.day"): o.day.isoformat(), ui.tr("limits.is_working"): o.is_working_day,
                                    ui.tr("limits.note"): o.note} for o in overrides]), hide_index=True)
    with st.form("limits_day_form"):
        day = st.date_input(ui.tr("limits.day"), value=date(deadlines.last_official_year() + 1, 1, 1),
                            key="limits_day")
        working = st.checkbox(ui.tr("limits.is_working"), key="limits_day_working")
        note = st.text_input(ui.tr("limits.note"), max_chars=120, key="limits_day_note")
        save, remove = st.columns(2)
        if save.form_submit_button(ui.tr("limits.add_day"), type="primary"):
            try:
                with ui.session() as s:
                    limits.set_calendar_override(s, actor=actor, day=day, is_working_day=working, note=note)
                    s.commit()
                st.success(ui.tr("limits.saved"))
            except DomainError as exc:
                ui.show_error(exc)
        if remove.form_submit_button(ui.tr("limits.remove_day")):
            with ui.session() as s:
                limits.remove_calendar_override(s, actor=actor, day=day)
                s.commit()
            st.success(ui.tr("limits.saved"))

st.divider()
# 节假日安排: a year the calendar package does not know is provisional until its notice is entered
st.markdown(f"#### {ui.tr('schedule.title')}")
today = local_now().date()
with ui.session() as s:
    cal = limits.calendar(s)
    years = [y for y in range(today.year, today.year + 3) if y not in deadlines.official_years()]
    entered = {y: limits.schedule(s, y) for y in years}
for y in years:
    state = "schedule.entered" if entered[y] else "schedule.provisional"
    st.caption(ui.tr(state, year=y))
    if entered[y]:
        st.dataframe(pd.DataFrame([{ui.tr("schedule.col.name"): ui.holiday(h.name),
                                    ui.tr("schedule.col.first"): h.first_day.isoformat(),
                                    ui.tr("schedule.col.last"): h.last_day.isoformat(),
                                    ui.tr("schedule.col.makeup"): h.makeup_days.replace(",", "、")}
                                   for h in entered[y]]), hide_index=True)
if not years:
    st.caption(ui.tr("schedule.all_official", year=deadlines.last_official_year()))
else:
    tab_text, tab_form, tab_file = st.tabs([ui.tr("schedule.by_text"), ui.tr("schedule.by_form"),
                                            ui.tr("schedule.by_file")])

    def enter(year: int, holidays) -> None:
        try:
            with ui.session() as s:
                moved = limits.set_year_schedule(s, actor=actor, year=year, holidays=holidays, now=local_now())
                s.commit()
            st.success(ui.tr("schedule.saved", year=year, n=moved))
        except DomainError as exc:
            ui.show_error(exc)

    with tab_text, st.form("limits_notice_form"):
        year = st.selectbox(ui.tr("schedule.year"), years, key="limits_notice_year")
        text = st.text_area(ui.tr("schedule.notice"), height=220, key="limits_notice_text",
                            placeholder="一、元旦：1月1日（周五）放假，共1天。\n二、春节：2月5日（农历腊月二十九、周五）至……")
        if st.form_submit_button(ui.tr("schedule.save"), type="primary"):
            try:
                enter(year, limits.parse_notice(text, year=year))
            except DomainError as exc:
                ui.show_error(exc)
    with tab_form, st.form("limits_holiday_form"):
        year = st.selectbox(ui.tr("schedule.year"), years, key="limits_form_year")
        st.caption(ui.tr("schedule.form_hint"))
        base = pd.DataFrame([{"name": name, "first": None, "last": None, "makeup": ""}
                             for name in deadlines.HOLIDAYS]).astype({"first": "datetime64[ns]", "last": "datetime64[ns]"})
        edited = st.data_editor(base, hide_index=True, key="limits_form_rows", column_config={
            "name": st.column_config.TextColumn(ui.tr("schedule.col.name"), required=True),
            "first": st.column_config.DateColumn(ui.tr("schedule.col.first")),
            "last": st.column_config.DateColumn(ui.tr("schedule.col.last")),
            "makeup": st.column_config.TextColumn(ui.tr("schedule.col.makeup_hint"))}, num_rows="dynamic")
        if st.form_submit_button(ui.tr("schedule.save"), type="primary"):
            try:
                enter(year, limits.holidays_from_rows(edited.to_dict("records")))
            except DomainError as exc:
                ui.show_error(exc)
    with tab_file:
        st.caption(ui.tr("schedule.file_hint"))
        year = st.selectbox(ui.tr("schedule.year"), years, key="limits_file_year")
        upload = st.file_uploader(ui.tr("schedule.file"), type=["csv", "xlsx"], key="limits_file")
        if upload is not None and st.button(ui.tr("schedule.save"), type="primary", key="limits_file_save"):
            try:
                enter(year, limits.holidays_from_file(upload.getvalue(), upload.name))
            except DomainError as exc:
                ui.show_error(exc)
