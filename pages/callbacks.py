"""回访抽查: the center draws a month's sample of closed cases (seed recorded, redrawable), calls
the residents and records what they said; everyone who reads it sees each unit's recorded
satisfaction beside the residents' own, and the units flagged for supervision with their cases."""
import pandas as pd
import streamlit as st

from core import callback, county_settings, kpi, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import Rating

user = ui.require_page("callbacks")
now = local_now()
calls = user.has(*callback.CHECKERS)

with ui.session() as s:
    drawn = {d.month: d for d in callback.draws(s)}
last = callback.last_finished_month(now)
months = sorted(set(kpi.months_around(last, back=11)) | set(drawn), reverse=True)
month = st.selectbox(ui.tr("callback.month"), months, key="cb_month", format_func=lambda m: f"{m:%Y-%m}")
made = drawn.get(month)


def rating_label(value) -> str:
    return ui.lbl(value, Rating) if isinstance(value, str) else ""


if made is None:
    with ui.session() as s:
        pool = callback.population(s, month)
        settings = county_settings.values(s, "callback.")
    share, minimum = settings["callback.share_percent"], settings["callback.min_per_unit"]
    size = sum(callback.needed(len(ids), share_percent=share, min_per_unit=minimum) for ids in pool.values())
    st.info(ui.tr("callback.pool", n=f"{sum(len(i) for i in pool.values()):,}", units=len(pool), k=size,
                  share=share, min=minimum))
    if calls and st.button(ui.tr("callback.draw"), key="cb_draw", type="primary", disabled=not pool,
                           icon=":material/casino:"):
        try:
            with ui.session() as s:
                row = callback.draw(s, actor=user, month=month, now=local_now())
                s.commit()
                ui.flash(ui.tr("callback.drawn", seed=row.seed))
            st.rerun()
        except DomainError as exc:
            ui.show_error(exc)
else:
    with ui.session() as s:
        check = callback.verify(s, made)
    st.caption(ui.tr("callback.about", at=f"{made.drawn_at:%Y-%m-%d %H:%M}", seed=made.seed, n=f"{made.population:,}",
                     share=made.share_percent, min=made.min_per_unit))
    if check["same_sample"]:
        st.success(ui.tr("callback.verified"), icon=":material/verified:")
    else:
        st.warning(ui.tr("callback.changed"))

if made is not None and calls:
    st.markdown(f"#### {ui.tr('callback.calls')}")
    with ui.session() as s:
        rows = callback.call_list(s, user=user, draw_id=made.id)
    state = rows.apply(lambda r: ui.tr("callback.state.done") if r["reached"] == True else
                       ui.tr("callback.state.missed", n=r["attempts"]) if r["attempts"] else ui.tr("callback.state.todo"),
                       axis=1) if not rows.empty else pd.Series(dtype=str)
    done = int((rows["reached"] == True).sum()) if not rows.empty else 0  # noqa: E712
    st.progress(done / len(rows) if len(rows) else 0.0, text=ui.tr("callback.progress", done=done, n=len(rows)))
    shown = pd.DataFrame({
        ui.tr("callback.col.state"): state, ui.tr("col.tracking_code"): rows["tracking_code"],
        ui.tr("col.title"): rows["title"], ui.tr("col.unit"): rows["unit"].fillna(ui.tr("callback.no_unit")),
        ui.tr("col.reporter"): rows["reporter_name"].fillna(""), ui.tr("col.phone"): rows["reporter_phone"].fillna(""),
        ui.tr("callback.col.recorded"): rows["reported_rating"].map(rating_label),
        ui.tr("callback.col.resident"): rows["resident_rating"].map(rating_label),
        ui.tr("callback.col.note"): rows["note"],
    })
    picked = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key=f"cb_calls_{made.id}", column_config={ui.tr("col.title"): st.column_config.TextColumn(width="large")})
    chosen = picked.selection.rows if picked else []
    if not chosen:
        st.caption(ui.tr("callback.pick"))
    else:
        row = rows.iloc[chosen[0]]
        st.markdown(f"**{row['tracking_code']}** {ui.md(row['title'])} · {ui.md(row['reporter_name'] or '')} "
                    f"{ui.md(row['reporter_phone'] or ui.tr('callback.no_phone'))}")
        if row["reached"] == True:  # noqa: E712  (a numpy bool is not True)
            st.info(ui.tr("callback.already"))
        else:
            with st.form(f"cb_form_{row['check_id']}"):
                reached = st.radio(ui.tr("callback.reached"), [True, False], horizontal=True, key="cb_reached",
                                   format_func=lambda v: ui.tr("callback.yes_reached" if v else "callback.no_reached"))
                confirmed = st.radio(ui.tr("field.callback_confirmed"), [None, True, False], horizontal=True,
                                     key="cb_confirmed", format_func=lambda v: "—" if v is None else
                                     ui.tr("callback.confirmed_yes" if v else "callback.confirmed_no"))
                rating = st.radio(ui.tr("field.callback_rating"), [None, *Rating], horizontal=True, key="cb_rating",
                                  format_func=lambda v: "—" if v is None else ui.lbl(v, Rating))
                note = st.text_input(ui.tr("callback.col.note"), key="cb_note", max_chars=500)
                if st.form_submit_button(ui.tr("callback.save"), type="primary"):
                    try:
                        with ui.session() as s:
                            callback.record(s, actor=user, check_id=int(row["check_id"]), reached=reached,
                                            confirmed=confirmed if reached else None,
                                            rating=rating if reached else None, note=note, now=local_now())
                            s.commit()
                        ui.flash(ui.tr("callback.saved", code=row["tracking_code"]))
                        st.rerun()
                    except DomainError as exc:
                        ui.show_error(exc)

st.markdown(f"#### {ui.tr('callback.compare')}")
c1, c2 = st.columns([1, 2])
group = c1.segmented_control(ui.tr("callback.by"), ["unit", "township"], default="unit", key="cb_group",
                             format_func=lambda g: ui.tr(f"callback.by.{g}")) or "unit"
first = c2.selectbox(ui.tr("callback.since"), months, index=min(2, len(months) - 1), key="cb_since",
                     format_func=lambda m: f"{m:%Y-%m}")
with ui.session() as s:
    settings_now = county_settings.values(s, "callback.")
    table = callback.comparison(s, user=user, start=min(first, month), end=month, group=group)
st.caption(ui.tr("callback.compare_hint", gap=settings_now["callback.gap_points"], n=settings_now["callback.min_checks"],
                 start=f"{min(first, month):%Y-%m}", end=f"{month:%Y-%m}"))
if table.empty:
    st.info(ui.tr("callback.none"))
else:
    def pct(v) -> str:
        return "—" if pd.isna(v) else f"{v:.0%}"
    st.dataframe(pd.DataFrame({
        ui.tr("dash.col.name"): table["name"].replace("", ui.tr("callback.no_unit")),
        ui.tr("callback.col.checks"): table["checks"], ui.tr("callback.col.pairs"): table["pairs"],
        ui.tr("callback.col.recorded_rate"): table["reported_rate"].map(pct),
        ui.tr("callback.col.verified_rate"): table["verified_rate"].map(pct),
        ui.tr("callback.col.gap"): table["gap_points"].map(lambda v: "—" if pd.isna(v) else f"{v:+.0f}"),
        ui.tr("callback.col.confirmed_rate"): table["confirmed_rate"].map(pct),
        ui.tr("callback.col.flag"): table["flagged"].map(lambda f: ui.tr("callback.flagged") if f else ""),
    }), hide_index=True, width="stretch")
    if group == "unit":
        for row in table[table["flagged"]].itertuples():
            with st.expander(ui.tr("callback.behind", name=row.name or ui.tr("callback.no_unit"), gap=f"{row.gap_points:.0f}")):
                with ui.session() as s:
                    cases = callback.behind_flag(s, user=user, start=min(first, month), end=month,
                                                 unit_id=None if pd.isna(row.id) else int(row.id))
                st.dataframe(pd.DataFrame({
                    ui.tr("col.tracking_code"): cases["tracking_code"], ui.tr("col.title"): cases["title"],
                    ui.tr("callback.col.recorded"): cases["reported_rating"].map(rating_label),
                    ui.tr("callback.col.resident"): cases["resident_rating"].map(rating_label),
                    ui.tr("field.callback_confirmed"): cases["confirmed"].map(
                        lambda v: "" if v is None or pd.isna(v) else ui.tr("callback.confirmed_yes" if v else "callback.confirmed_no")),
                    ui.tr("callback.col.note"): cases["note"]}), hide_index=True, width="stretch")

st.divider()
ui.settings_form(user, "callback.", key="cb_settings", title=ui.tr("callback.settings"))
