"""联络网络: the units tree, categories, leaders with portfolios, liaisons with their appointment
letters, working-group links and contacts, contact cards; the admin builds it here or from the
network workbook, other staff read it."""

import pandas as pd
import streamlit as st

from core import network, network_io, portfolio, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import ContactMethod, LiaisonSource, Role, Tier, UnitKind

user = ui.require_page("network")
admin = user.has(*network.NETWORK_ADMINS)
now = local_now()
with ui.session() as s:
    counts = network.unit_counts(s)
    units = network.units_frame(s)
    leaders = network.leaders(s)
    liaisons = network.liaisons_frame(s)
    categories = network.categories(s, include_inactive=True)
    all_units = network.all_units(s)
unit_names = {u.id: u.name for u in all_units}
en = ui.lang() == "en"

if units.empty:  # a county starts from nothing: say where to begin, never a traceback
    st.info(ui.tr("network.empty_admin" if admin else "network.empty"), icon=":material/flag:")
else:
    cols = st.columns(max(1, len(counts)))
    for col, (kind, n) in zip(cols, counts.items()):
        col.metric(ui.lbl(kind, UnitKind), n, border=True)

tabs = st.tabs([ui.tr("network.units"), ui.tr("network.categories"), ui.tr("network.leaders"),
                ui.tr("network.liaisons"), ui.tr("network.links"), ui.tr("network.workbook")])


def pick(label: str, options: dict, key: str, value=None, none: bool = True):
    ids = ([None] if none else []) + list(options)
    return st.selectbox(label, ids, index=ids.index(value) if value in ids else 0, key=key,
                        format_func=lambda v: ui.tr("users.none") if v is None else options[v])


def save(fn, done_key: str, **kwargs) -> None:
    try:
        with ui.session() as s:
            fn(s, actor=user, **kwargs)
            s.commit()
        ui.flash(ui.tr(done_key))
        st.rerun()
    except DomainError as exc:
        ui.show_error(exc)


with tabs[0]:
    if not units.empty:
        st.dataframe(units.fillna("").assign(kind=units["kind"].map(lambda v: ui.lbl(v, UnitKind)),
                                             active=units["active"].astype(bool))
                     [["name", "kind", "parent", "code", "phone", "contact_name", "active"]]
                     .rename(columns={"name": ui.tr("col.name"), "kind": ui.tr("col.kind"),
                                      "parent": ui.tr("col.parent"), "code": ui.tr("network.code"),
                                      "phone": ui.tr("col.phone"), "contact_name": ui.tr("network.contact"),
                                      "active": ui.tr("col.active")}),
                     hide_index=True, width="stretch")
    if admin:
        editing = pick(ui.tr("network.edit_unit"), unit_names, "network_unit_pick")
        current = next((u for u in all_units if u.id == editing), None)
        with st.form(f"network_unit_form_{editing}"):
            c1, c2, c3 = st.columns(3)
            name = c1.text_input(ui.tr("col.name"), value=current.name if current else "", key=f"network_unit_name_{editing}")
            kinds = [k.value for k in UnitKind]
            kind = c2.selectbox(ui.tr("col.kind"), kinds, format_func=lambda v: ui.lbl(v, UnitKind),
                                index=kinds.index(current.kind if current else (UnitKind.county if units.empty else UnitKind.township)),
                                key=f"network_unit_kind_{editing}")
            with c3:
                parent = pick(ui.tr("col.parent"), unit_names, f"network_unit_parent_{editing}",
                              current.parent_id if current else next((u.id for u in all_units if u.kind == UnitKind.county), None))
            c4, c5, c6 = st.columns(3)
            code = c4.text_input(ui.tr("network.code"), value=(current.code or "") if current else "", key=f"network_unit_code_{editing}")
            phone = c5.text_input(ui.tr("col.phone"), value=(current.phone or "") if current else "", key=f"network_unit_phone_{editing}")
            contact = c6.text_input(ui.tr("network.contact"), value=(current.contact_name or "") if current else "",
                                    key=f"network_unit_contact_{editing}")
            active = st.checkbox(ui.tr("users.active"), value=current.active if current else True, key=f"network_unit_active_{editing}")
            if st.form_submit_button(ui.tr("network.save"), type="primary"):
                save(network.save_unit, "network.saved", unit_id=editing, name=name, kind=kind, parent_id=parent,
                     code=code, phone=phone, contact_name=contact, active=active)

with tabs[1]:
    if categories:
        st.dataframe(pd.DataFrame([{ui.tr("network.code"): c.code, ui.tr("col.name"): c.name_zh, "English": c.name_en,
                                    ui.tr("limits.col.tier"): ui.lbl(c.default_tier, Tier),
                                    ui.tr("network.default_unit"): unit_names.get(c.default_unit_id, ""),
                                    ui.tr("col.active"): "" if c.active else ui.tr("network.inactive")}
                                   for c in categories]), hide_index=True, width="stretch")
    else:
        st.caption(ui.tr("network.no_categories"))
    if admin:
        by_id = {c.id: f"{c.name_zh} · {c.code}" for c in categories}
        editing = pick(ui.tr("network.edit_category"), by_id, "network_cat_pick")
        current = next((c for c in categories if c.id == editing), None)
        with st.form(f"network_cat_form_{editing}"):
            c1, c2, c3 = st.columns(3)
            code = c1.text_input(ui.tr("network.code"), value=current.code if current else "", key=f"network_cat_code_{editing}")
            name_zh = c2.text_input(ui.tr("col.name"), value=current.name_zh if current else "", key=f"network_cat_zh_{editing}")
            name_en = c3.text_input("English", value=current.name_en if current else "", key=f"network_cat_en_{editing}")
            tiers = [t.value for t in Tier]
            tier = c1.selectbox(ui.tr("limits.col.tier"), tiers, format_func=lambda v: ui.lbl(v, Tier),
                                index=tiers.index(current.default_tier if current else Tier.unit), key=f"network_cat_tier_{editing}")
            with c2:
                default_unit = pick(ui.tr("network.default_unit"), unit_names, f"network_cat_unit_{editing}",
                                    current.default_unit_id if current else None)
            active = c3.checkbox(ui.tr("users.active"), value=current.active if current else True, key=f"network_cat_active_{editing}")
            if st.form_submit_button(ui.tr("network.save"), type="primary"):
                save(network.save_category, "network.saved", category_id=editing, code=code, name_zh=name_zh,
                     name_en=name_en, default_tier=tier, default_unit_id=default_unit, active=active, now=now)

with tabs[2]:
    townships = {u.id: u.name for u in all_units if u.kind in (UnitKind.township, UnitKind.community)}
    category_names = {c.id: (c.name_en if en else c.name_zh) for c in categories}
    rows = []
    with ui.session() as s:
        portfolios = {lead.id: portfolio.of_leader(s, lead.id) for lead in leaders}
    for lead in leaders:
        cats, towns = portfolios[lead.id]
        rows.append({ui.tr("col.display_name"): lead.name, ui.tr("col.position"): lead.title,
                     ui.tr("col.duties"): lead.duties, ui.tr("network.in_charge"): "、".join(category_names.get(c, "") for c in cats),
                     ui.tr("network.linked_towns"): "、".join(townships.get(t, "") for t in towns),
                     ui.tr("col.phone"): lead.phone or "", ui.tr("network.account"): "✓" if lead.user_id else ""})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption(ui.tr("network.no_leaders"))
    st.caption(ui.tr("network.portfolio_hint"))
    if admin:
        by_id = {lead.id: f"{lead.name} · {lead.title}" for lead in leaders}
        editing = pick(ui.tr("network.edit_leader"), by_id, "network_leader_pick")
        current = next((lead for lead in leaders if lead.id == editing), None)
        cats, towns = portfolios.get(editing, ([], []))
        with st.form(f"network_leader_form_{editing}"):
            c1, c2, c3 = st.columns(3)
            name = c1.text_input(ui.tr("col.display_name"), value=current.name if current else "", key=f"network_leader_name_{editing}")
            title = c2.text_input(ui.tr("col.position"), value=current.title if current else "", key=f"network_leader_title_{editing}")
            phone = c3.text_input(ui.tr("col.phone"), value=(current.phone or "") if current else "", key=f"network_leader_phone_{editing}")
            duties = st.text_input(ui.tr("col.duties"), value=current.duties if current else "", key=f"network_leader_duties_{editing}")
            in_charge = st.multiselect(ui.tr("network.in_charge"), list(category_names), default=cats,
                                       format_func=category_names.get, key=f"network_leader_cats_{editing}")
            linked = st.multiselect(ui.tr("network.linked_towns"), list(townships), default=towns,
                                    format_func=townships.get, key=f"network_leader_towns_{editing}")
            c4, c5 = st.columns(2)
            email = c4.text_input(ui.tr("card.email"), value=(current.email or "") if current else "", key=f"network_leader_email_{editing}")
            active = c5.checkbox(ui.tr("users.active"), value=current.active if current else True, key=f"network_leader_active_{editing}")
            if st.form_submit_button(ui.tr("network.save"), type="primary"):
                save(network.save_leader, "network.saved", leader_id=editing, name=name, title=title, duties=duties,
                     phone=phone, email=email, active=active, categories=in_charge, townships=linked)

with tabs[3]:
    if not liaisons.empty:
        st.dataframe(liaisons.assign(source=liaisons["source"].map(lambda v: ui.lbl(v, LiaisonSource)))[
            ["name", "phone", "township", "station", "source", "appointment_no", "appointed_on"]].rename(
            columns={"name": ui.tr("col.display_name"), "phone": ui.tr("col.phone"), "township": ui.tr("col.township"),
                     "station": ui.tr("col.station"), "source": ui.tr("col.source"),
                     "appointment_no": ui.tr("col.appointment"), "appointed_on": ui.tr("network.appointed_on")}),
            hide_index=True, width="stretch")
    else:
        st.caption(ui.tr("network.no_liaisons"))
    stations = {u.id: f"{unit_names.get(u.parent_id, '')} · {u.name}" for u in all_units
                if u.kind in (UnitKind.village, UnitKind.community) and u.parent_id in townships}
    by_id = dict(zip(liaisons["id"], liaisons["name"] + " · " + liaisons["station"])) if not liaisons.empty else {}
    editing = pick(ui.tr("network.edit_liaison"), by_id, "network_liaison_pick")
    if editing is not None:
        with ui.session() as s:
            st.download_button(ui.tr("network.letter"), icon=":material/workspace_premium:", mime="text/html",
                               data=network.appointment_letter(s, liaison_id=editing, lang=ui.lang()),
                               file_name=f"聘书-{by_id[editing]}.html", key="network_letter")
    if admin and stations:
        current = liaisons[liaisons["id"] == editing].iloc[0] if editing is not None else None
        with st.form(f"network_liaison_form_{editing}"):
            c1, c2, c3 = st.columns(3)
            name = c1.text_input(ui.tr("col.display_name"), value=current["name"] if current is not None else "",
                                 key=f"network_liaison_name_{editing}")
            phone = c2.text_input(ui.tr("col.phone"), value=(current["phone"] or "") if current is not None else "",
                                  key=f"network_liaison_phone_{editing}")
            with c3:
                station = pick(ui.tr("col.station"), stations, f"network_liaison_station_{editing}",
                               current["station_id"] if current is not None else None, none=False)
            sources = [v.value for v in LiaisonSource]
            source = c1.selectbox(ui.tr("col.source"), sources, format_func=lambda v: ui.lbl(v, LiaisonSource),
                                  index=sources.index(current["source"]) if current is not None else 0,
                                  key=f"network_liaison_source_{editing}")
            number = c2.text_input(ui.tr("col.appointment"), value=(current["appointment_no"] or "") if current is not None else "",
                                   key=f"network_liaison_no_{editing}")
            appointed = c3.date_input(ui.tr("network.appointed_on"), max_value=now.date(),
                                      value=current["appointed_on"] if current is not None and current["appointed_on"] else None,
                                      key=f"network_liaison_on_{editing}")
            active = st.checkbox(ui.tr("users.active"), value=bool(current["active"]) if current is not None else True,
                                 key=f"network_liaison_active_{editing}")
            if st.form_submit_button(ui.tr("network.save"), type="primary"):
                save(network.save_liaison, "network.saved", liaison_id=editing, name=name, phone=phone,
                     station_id=station, source=source, appointment_no=number, appointed_on=appointed, active=active)

with tabs[4]:
    month_start = now.date().replace(day=1)
    with ui.session() as s:
        links = network.links_frame(s, month_start=month_start)
        flags = network.link_flags(s)
        contacts = network.contacts_frame(s, since=month_start.replace(day=1) if month_start.month > 1 else month_start)
    st.caption(ui.tr("network.links_hint"))
    for name, n in flags:
        st.warning(ui.tr("network.link_flag", name=name, n=n), icon=":material/group:")
    if links.empty:
        st.caption(ui.tr("network.no_links"))
    else:
        missing = links[~links["contacted_this_month"]]
        st.markdown(f"**{ui.tr('network.no_contact_month', n=len(missing))}**")
        st.dataframe(links.assign(contacted_this_month=links["contacted_this_month"].map(lambda v: "✓" if v else "—"))[
            ["member", "title", "liaison", "phone", "station", "last_on", "contacted_this_month"]].rename(columns={
                "member": ui.tr("network.member"), "title": ui.tr("col.position"), "liaison": ui.tr("card.liaisons"),
                "phone": ui.tr("col.phone"), "station": ui.tr("col.station"), "last_on": ui.tr("network.last_contact"),
                "contacted_this_month": ui.tr("network.this_month")}), hide_index=True, width="stretch")
        pairs = {(r.leader_id, r.liaison_id): f"{r.member} → {r.liaison}（{r.station}）" for r in links.itertuples()}
        if user.has(*network.CONTACT_KEEPERS):
            with st.form("network_contact_form", clear_on_submit=True):
                pair = st.selectbox(ui.tr("network.pair"), list(pairs), format_func=pairs.get, key="network_contact_pair")
                c1, c2 = st.columns(2)
                on = c1.date_input(ui.tr("network.contact_on"), value=now.date(), max_value=now.date(), key="network_contact_on")
                methods = [m.value for m in ContactMethod]
                method = c2.selectbox(ui.tr("network.method"), methods, format_func=lambda v: ui.lbl(v, ContactMethod),
                                      key="network_contact_method")
                note = st.text_area(ui.tr("network.heard"), key="network_contact_note")
                if st.form_submit_button(ui.tr("network.log_contact"), type="primary"):
                    save(network.log_contact, "network.saved", leader_id=pair[0], liaison_id=pair[1], on=on,
                         method=method, note=note, now=local_now())
    if not contacts.empty:
        st.markdown(f"**{ui.tr('network.contacts')}**")
        st.dataframe(contacts.assign(method=contacts["method"].map(lambda v: ui.lbl(v, ContactMethod)))[
            ["on", "member", "liaison", "method", "note", "tracking_code"]].rename(columns={
                "on": ui.tr("network.contact_on"), "member": ui.tr("network.member"), "liaison": ui.tr("card.liaisons"),
                "method": ui.tr("network.method"), "note": ui.tr("network.heard"), "tracking_code": ui.tr("col.tracking_code")}),
            hide_index=True, width="stretch")
        open_notes = {r.id: f"{r.on} {r.liaison}：{r.note[:30]}" for r in contacts.itertuples()
                      if not r.tracking_code and r.note}
        if open_notes and user.has(Role.clerk, Role.leader):
            chosen = st.selectbox(ui.tr("network.to_case"), list(open_notes), format_func=open_notes.get,
                                  key="network_to_case_pick")
            if st.button(ui.tr("network.to_case_go"), key="network_to_case"):
                try:
                    with ui.session() as s:
                        case = network.contact_to_case(s, actor=user, contact_id=chosen, now=local_now())
                        code = case.tracking_code
                        s.commit()
                    st.success(ui.tr("network.case_made", code=code))
                except DomainError as exc:
                    ui.show_error(exc)
    st.markdown(f"**{ui.tr('card.title')}**")
    c1, c2 = st.columns(2)
    with c1:
        member = pick(ui.tr("network.member"), {lead.id: lead.name for lead in leaders}, "network_card_member")
    with c2:
        village = pick(ui.tr("col.village"), stations, "network_card_village")
    if member is not None or village is not None:
        with ui.session() as s:
            card = network.contact_card(s, leader_id=member, village_id=None if member else village, lang=ui.lang())
        st.download_button(ui.tr("network.card_download"), data=card, mime="text/html", icon=":material/print:",
                           file_name="民情联系卡.html", key="network_card")

with tabs[5]:
    st.caption(ui.tr("network.workbook_hint"))
    with ui.session() as s:
        exported = network_io.write_workbook(network_io.export_rows(s))
    c1, c2 = st.columns(2)
    c1.download_button(ui.tr("network.template"), data=network_io.template(), file_name="联络网络模板.xlsx",
                       icon=":material/download:", key="network_template")
    c2.download_button(ui.tr("network.export"), data=exported, file_name="联络网络.xlsx",
                       icon=":material/download:", key="network_export")
    if admin:
        def summary(result, checked: bool) -> str:
            done = "；".join(ui.tr("network.sheet_summary", sheet=sheet, created=result.created.get(sheet, 0),
                                  updated=result.updated.get(sheet, 0))
                            for sheet in network_io.SHEETS if sheet in result.created or sheet in result.updated)
            return ui.tr("network.checked" if checked else "network.imported",
                         summary=done or ui.tr("network.nothing_changed"))

        def passwords(result) -> None:
            if result.passwords:
                width = max(len(name) for name, _ in result.passwords) + 2
                ui.flash(ui.tr("network.passwords"), kind="warning",
                         code="\n".join(f"{name:<{width}}{password}" for name, password in result.passwords))

        ui.workbook_import("network", lambda s, data, name: network_io.import_network(
            s, actor=user, data=data, filename=name, now=local_now()), message=summary, with_sheet=True,
            after=passwords)
