"""民事民议: for a dispute, the center draws a citizens' panel (评理团) from the representatives'
pool — parties and the conflicted left out, the seed shown and the draw checkable — and records the
hearing and the vote into the case; the pool of representatives (core.panel)."""
import pandas as pd
import streamlit as st

from core import casefile, network, panel, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import CaseStatus, PanelVote, RepresentativeKind as K

user = ui.require_page("panel")
keeper = user.has(*panel.KEEPERS)
with ui.session() as s:
    townships = network.townships(s)
    reps = panel.representatives(s, user=user)
town_names = {t.id: t.name for t in townships}


def run(fn, done, form: str, clear: tuple[str, ...] = (), **kwargs) -> None:
    try:
        with ui.session() as s:
            fn(s, actor=user, **kwargs)
            s.commit()
        ui.clear_field_errors(form)
        for key in clear:
            st.session_state.pop(key, None)
        ui.flash(done)
        st.rerun()
    except DomainError as exc:
        ui.field_errors(form, exc)
        ui.show_error(exc)


tab_case, tab_pool = st.tabs([ui.tr("panel.tab.case"), ui.tr("panel.tab.pool")])

with tab_case:
    st.caption(ui.tr("panel.about"))
    code = st.text_input(ui.tr("panel.code"), key="panel_code", max_chars=20, placeholder="MQ-2026-000123")
    if code.strip():
        with ui.session() as s:
            file = casefile.open_case(s, user=user, tracking_code=code)
            drawn = panel.of_case(s, user=user, case_id=file.case.id) if file else None
            checked = panel.verify(s, drawn[0]) if drawn else None
            hearing = next((e for e in file.events if e.action == "panel_hearing"), None) if file else None
        if file is None:
            st.warning(ui.tr("panel.no_case"))
            st.stop()
        c = file.case
        st.markdown(f"**{c.tracking_code}** · {ui.md(c.title)} · {ui.lbl(c.status, CaseStatus)} · "
                    f"{ui.md(file.names['township'])} {ui.md(file.names['village'])} · {ui.md(file.reporter_name)}")
        if drawn is None:
            if not keeper:
                st.info(ui.tr("panel.not_drawn"))
            else:
                active = reps[reps["active"].astype(bool)]
                names = dict(zip(active["id"], active["name"] + " · " + active["township"].replace("", "—")))
                errors = ui.field_errors("panel_draw")
                with st.form("panel_draw"):
                    c1, c2 = st.columns(2)
                    size = c1.number_input(ui.tr("field.size"), panel.SIZE_MIN, panel.SIZE_MAX, 7, step=2,
                                           key="panel_size", help=ui.tr("panel.size_help"))
                    township_only = c2.checkbox(ui.tr("panel.township_only"), key="panel_town_only",
                                                help=ui.tr("panel.township_only_help"))
                    conflicted = st.multiselect(ui.tr("panel.conflicts"), list(names), format_func=names.get,
                                                key="panel_conflicts", help=ui.tr("panel.conflicts_help"))
                    reason = st.text_input(ui.tr("field.reason"), key="panel_reason", max_chars=panel.REASON_MAX,
                                           placeholder=ui.tr("panel.reason_hint"))
                    for message in errors.values():
                        st.error(message)
                    if st.form_submit_button(ui.tr("panel.draw"), type="primary", icon=":material/casino:"):
                        run(panel.draw, ui.tr("panel.drawn"), "panel_draw", case_id=c.id, size=size,
                            township_only=township_only, conflicts={i: reason for i in conflicted}, now=local_now())
        else:
            row, seats = drawn
            by_id = dict(zip(reps["id"], reps["name"]))
            st.caption(ui.tr("panel.record", at=f"{row.drawn_at:%Y-%m-%d %H:%M}", seed=row.seed, n=len(row.pool),
                             scope=town_names.get(row.township_id, ui.tr("panel.county"))))
            (st.success if checked else st.warning)(ui.tr("panel.verified" if checked else "panel.changed"))
            if row.excluded:
                st.caption(ui.tr("panel.excluded") + "；".join(
                    f"{by_id.get(int(i), i)}（{ui.tr('panel.party') if why == panel.PARTY else why.split(': ', 1)[-1]}）"
                    for i, why in row.excluded.items()))
            st.dataframe(pd.DataFrame({
                ui.tr("field.member_name"): seats["name"], ui.tr("field.kind"): seats["kind"].map(lambda k: ui.lbl(k, K)),
                **({ui.tr("field.phone"): seats["phone"]} if keeper else {}),
                ui.tr("field.tally"): seats["vote"].map(lambda v: ui.lbl(v, PanelVote) if v else "")}),
                hide_index=True, width="stretch")
            if hearing is not None:
                d = hearing.details
                st.markdown(f"#### {ui.tr('panel.heard', day=d['held_on'])}")
                st.markdown("、".join(f"{ui.lbl(k, PanelVote)} {n}" for k, n in d["tally"].items()))
                st.markdown(f"**{ui.tr('field.conclusion')}**：{ui.md(d['conclusion'])}")
                with st.expander(ui.tr("field.statements")):
                    st.write(d["statements"])
            elif keeper:
                errors = ui.field_errors("panel_hearing")
                with st.form("panel_hearing"):
                    held_on = st.date_input(ui.tr("field.held_on"), value=local_now().date(), key="panel_day",
                                            format="YYYY-MM-DD")
                    statements = st.text_area(ui.tr("field.statements") + " *", key="panel_statements", height=140,
                                              max_chars=panel.STATEMENTS_MAX)
                    st.markdown(f"**{ui.tr('field.votes')}**")
                    votes = {int(seat.id): st.radio(seat.name, [None, *PanelVote], horizontal=True,
                                                    key=f"panel_vote_{seat.id}",
                                                    format_func=lambda v: "—" if v is None else ui.lbl(v, PanelVote))
                             for seat in seats.itertuples()}
                    conclusion = st.text_area(ui.tr("field.conclusion") + " *", key="panel_conclusion", height=80,
                                              max_chars=panel.CONCLUSION_MAX)
                    for message in errors.values():
                        st.error(message)
                    if st.form_submit_button(ui.tr("panel.record_hearing"), type="primary"):
                        run(panel.record_hearing, ui.tr("panel.hearing_saved"), "panel_hearing", case_id=c.id,
                            held_on=held_on, statements=statements, votes=votes, conclusion=conclusion,
                            now=local_now())

with tab_pool:
    if reps.empty:
        st.info(ui.tr("panel.pool_empty"))
    else:
        st.dataframe(pd.DataFrame({
            ui.tr("field.member_name"): reps["name"], ui.tr("field.kind"): reps["kind"].map(lambda k: ui.lbl(k, K)),
            ui.tr("field.township_id"): reps["township"].replace("", ui.tr("panel.county")),
            **({ui.tr("field.phone"): reps["phone"]} if keeper else {}),
            ui.tr("hh.active"): reps["active"].astype(bool)}), hide_index=True, width="stretch")
    if keeper:
        errors = ui.field_errors("panel_rep")
        with st.form("panel_rep"):
            c1, c2 = st.columns(2)
            name = c1.text_input(ui.tr("field.member_name") + " *", max_chars=40, key="panel_rep_name")
            phone = c2.text_input(ui.tr("field.phone"), max_chars=30, key="panel_rep_phone")
            kind = c1.selectbox(ui.tr("field.kind"), list(K), key="panel_rep_kind", format_func=lambda k: ui.lbl(k, K))
            township = c2.selectbox(ui.tr("field.township_id"), [None, *town_names], key="panel_rep_town",
                                    format_func=lambda t: ui.tr("panel.county") if t is None else town_names[t])
            for message in errors.values():
                st.error(message)
            if st.form_submit_button(ui.tr("panel.add"), type="primary"):
                run(panel.save_representative, ui.tr("hh.saved"), "panel_rep", clear=("panel_rep_name", "panel_rep_phone"),
                    name=name, phone=phone, kind=kind,
                    township_id=township)
