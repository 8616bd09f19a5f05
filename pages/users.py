"""用户与角色 (admin): create and edit accounts, assign roles and units, reset passwords."""
import pandas as pd
import streamlit as st

from core import auth, network, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import Role

actor = ui.require_page("users")
with ui.session() as s:
    users = auth.list_users(s)
    units = network.handling_units(s)
    stations = auth.station_units(s)
unit_names = {u.id: u.name for u in units}
unit_by_id = {u.id: u for u in units}
station_names = {u.id: f"{unit_by_id[u.parent_id].name} · {u.name}" if u.parent_id in unit_by_id else u.name
                 for u in stations}
role_options = [r.value for r in Role]

st.dataframe(
    pd.DataFrame([{ui.tr("col.username"): u["username"], ui.tr("col.display_name"): u["display_name"],
                   ui.tr("col.roles"): "、".join(ui.lbl(r, Role) for r in u["roles"]),
                   ui.tr("col.unit"): unit_names.get(u["unit_id"], ""), ui.tr("col.station"): u["station"] or "",
                   ui.tr("col.active"): u["active"]} for u in users]),
    hide_index=True, width="stretch",
)


def unit_select(label_key: str, options: dict[int, str], key: str, value: int | None = None):
    ids = [None] + list(options)
    return st.selectbox(ui.tr(label_key), options=ids, index=ids.index(value) if value in ids else 0,
                        format_func=lambda v: ui.tr("users.none") if v is None else options[v], key=key)


tab_new, tab_edit = st.tabs([ui.tr("users.create"), ui.tr("users.edit")])
with tab_new:
    # st.form keeps every typed value when the core refuses the account.
    n = ui.form_generation("users_new")
    with st.form(f"users_new_form_{n}", clear_on_submit=False):
        username = st.text_input(ui.tr("users.username"), max_chars=40, key=f"users_new_username_{n}")
        display_name = st.text_input(ui.tr("users.display_name"), max_chars=40, key=f"users_new_name_{n}")
        password = st.text_input(ui.tr("users.password"), type="password", key=f"users_new_password_{n}")
        roles = st.multiselect(ui.tr("users.roles"), role_options, format_func=lambda v: ui.lbl(v, Role),
                               key=f"users_new_roles_{n}")
        unit_id = unit_select("users.unit", unit_names, f"users_new_unit_{n}")
        station_id = unit_select("users.station", station_names, f"users_new_station_{n}")
        title = st.text_input(ui.tr("users.leader_title"), max_chars=80, key=f"users_new_title_{n}")
        if st.form_submit_button(ui.tr("users.save"), type="primary"):
            try:
                with ui.session() as s:
                    auth.create_user(s, actor=actor, username=username, display_name=display_name,
                                     password=password, roles={Role(r) for r in roles}, now=local_now(),
                                     unit_id=unit_id, station_id=station_id, leader_title=title)
                    s.commit()
                ui.new_form("users_new")  # new widgets: an empty form for the next account
                ui.flash(ui.tr("users.created", username=username.strip().lower()))
                st.rerun()  # the table above lists the new account
            except DomainError as exc:
                ui.show_error(exc)

with tab_edit:
    by_id = {u["id"]: u for u in users}
    picked = st.selectbox(ui.tr("users.pick"), options=list(by_id),
                          format_func=lambda v: f"{by_id[v]['username']} · {by_id[v]['display_name']}",
                          key="users_edit_pick")
    if picked is not None:
        current = by_id[picked]
        with st.form(f"users_edit_form_{picked}"):
            name = st.text_input(ui.tr("users.display_name"), value=current["display_name"], key=f"users_edit_name_{picked}")
            roles = st.multiselect(ui.tr("users.roles"), role_options, default=current["roles"],
                                   format_func=lambda v: ui.lbl(v, Role), key=f"users_edit_roles_{picked}")
            unit_id = unit_select("users.unit", unit_names, f"users_edit_unit_{picked}", current["unit_id"])
            station_id = unit_select("users.station", station_names, f"users_edit_station_{picked}",
                                     current["station_id"])
            active = st.checkbox(ui.tr("users.active"), value=current["active"], key=f"users_edit_active_{picked}")
            if st.form_submit_button(ui.tr("users.save"), type="primary"):
                try:
                    with ui.session() as s:
                        auth.update_user(s, actor=actor, user_id=picked, display_name=name,
                                         roles={Role(r) for r in roles}, active=active, now=local_now(),
                                         unit_id=unit_id, station_id=station_id)
                        s.commit()
                    ui.flash(ui.tr("users.saved", username=current["username"]))
                    st.rerun()
                except DomainError as exc:
                    ui.show_error(exc)
        with st.form(f"users_reset_form_{picked}", clear_on_submit=True):
            new_password = st.text_input(ui.tr("users.new_password"), type="password", key=f"users_reset_pw_{picked}")
            if st.form_submit_button(ui.tr("users.reset")):
                try:
                    with ui.session() as s:
                        auth.reset_password(s, actor=actor, user_id=picked, new_password=new_password, now=local_now())
                        s.commit()
                    st.success(ui.tr("users.password_reset", username=current["username"]))
                except DomainError as exc:
                    ui.show_error(exc)
