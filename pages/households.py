"""一户一档: the households on file (a liaison sees their own station's), each household's file with
its visits (民情日记) and cases, a visit's note turned into a case in one click, the quarter's 五必访
checklist, and the Excel workbook in and out for the center (core.households, core.households_io)."""
import pandas as pd
import streamlit as st

from core import households, households_io, network, party_members, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import CaseStatus, HouseholdCategory as HC

user = ui.require_page("households")
now = local_now()
keeper = user.has(*households.KEEPERS)
quarter = households.quarter_of(now.date())
with ui.session() as s:
    reach = households.villages_in_reach(s, user)
    townships = network.townships(s)
    station = households.station_of(s, user) if reach is not None else None
    station_unit = network.unit_name(s, station) if station else None


def tags_text(tags) -> str:
    return "、".join(ui.lbl(t, HC) for t in tags)


def save(fn, done, form: str | None = None, clear: tuple[str, ...] = (), **kwargs):
    """Run a core change; on success flash `done`, empty the `clear` widgets and rerun; on refusal
    show why under the form, keeping what was typed."""
    try:
        with ui.session() as s:
            out = fn(s, actor=user, **kwargs)
            s.commit()
        if form:
            ui.clear_field_errors(form)
        for key in clear:
            st.session_state.pop(key, None)
        ui.flash(done if isinstance(done, str) else done(out))
        st.rerun()
    except DomainError as exc:
        if form:
            ui.field_errors(form, exc)
        ui.show_error(exc)


def place_pick(key: str, left, right, *, village_id: int | None = None, required: bool = False):
    """Township, then one of its villages; empty means all (a filter) or not chosen yet (a form)."""
    with ui.session() as s:
        town_default = network.parent_of(s, village_id)
    ids = [t.id for t in townships]
    star = " *" if required else ""
    town = left.selectbox(ui.tr("field.township_id") + star, ids, key=f"{key}_town",
                          index=ids.index(town_default) if town_default in ids else None,
                          format_func={t.id: t.name for t in townships}.get,
                          placeholder=None if required else ui.tr("hh.all"))
    with ui.session() as s:
        villages = network.villages(s, town) if town else []
    village_ids = [v.id for v in villages]
    village = right.selectbox(ui.tr("field.village_id") + star, village_ids, key=f"{key}_village",
                              index=village_ids.index(village_id) if village_id in village_ids else None,
                              format_func={v.id: v.name for v in villages}.get,
                              placeholder=None if required else ui.tr("hh.all"),
                              help=ui.tr("hh.pick_town_first") if required else None)
    return town, village


def household_form(key: str, *, household=None, tags=(), village_id=None) -> None:
    """New or changed household; a refused submit keeps what was typed (the widgets keep their keys)."""
    errors = ui.field_errors(key)
    if reach is None:  # outside the form: the villages follow the township at once
        _town, village = place_pick(key, *st.columns(2), village_id=village_id, required=True)
    else:
        village = station
        st.caption(ui.tr("hh.station", name=station_unit))
    with st.form(key):
        c1, c2, c3 = st.columns([2, 2, 1])
        head = c1.text_input(ui.tr("field.head_name") + " *", value=household.head_name if household else "",
                             max_chars=40, key=f"{key}_head")
        phone = c2.text_input(ui.tr("field.phone"), value=household.phone or "" if household else "",
                              max_chars=30, key=f"{key}_phone")
        members = c3.number_input(ui.tr("field.members"), 1, households.MEMBERS_MAX,
                                  value=household.members if household else 1, key=f"{key}_members")
        c1, c2 = st.columns([1, 3])
        group = c1.text_input(ui.tr("field.group_name"), value=household.group_name if household else "",
                              max_chars=40, key=f"{key}_group", placeholder=ui.tr("hh.group_hint"))
        address = c2.text_input(ui.tr("field.home_address"), value=household.address if household else "",
                                max_chars=200, key=f"{key}_address")
        cats = st.multiselect(ui.tr("field.categories"), list(HC), default=list(tags), key=f"{key}_cats",
                              format_func=lambda c: ui.lbl(c, HC), help=ui.tr("hh.categories_help"))
        notes = st.text_area(ui.tr("field.notes"), value=household.notes if household else "", max_chars=500,
                             key=f"{key}_notes", height=80)
        active = st.checkbox(ui.tr("hh.active"), value=household.active if household else True, key=f"{key}_active",
                             help=ui.tr("hh.active_help")) if household else True
        for field, message in errors.items():
            st.error(f"{ui.tr('field.' + field) if field != '_form' else ''} {message}")
        if st.form_submit_button(ui.tr("hh.save"), type="primary"):
            typed = ("head", "phone", "members", "group", "address", "cats", "notes")
            save(households.save_household, ui.tr("hh.saved"), form=key, village_id=village, head_name=head,
                 clear=tuple(f"{key}_{name}" for name in typed) if household is None else (),
                 phone=phone, address=address, group_name=group, members=members, categories=cats, notes=notes,
                 active=active, household_id=household.id if household else None)


members_shown = user.has(*party_members.READERS)
tab_names = ["hh.tab.file", "hh.tab.checklist"] + (["hh.tab.members"] if members_shown else []) + \
    (["hh.tab.workbook"] if keeper else [])
tabs = dict(zip(tab_names, st.tabs([ui.tr(name) for name in tab_names])))

with tabs["hh.tab.file"]:
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1])
    town_id = village_pick = None
    if reach is None:
        town_id, village_pick = place_pick("hh_f", c1, c2)
    else:
        c1.text_input(ui.tr("field.village_id"), value=station_unit or "", disabled=True, key="hh_f_station")
    category = c3.selectbox(ui.tr("field.categories"), list(HC), index=None, key="hh_f_cat",
                            format_func=lambda c: ui.lbl(c, HC), placeholder=ui.tr("hh.all"))
    text = c4.text_input(ui.tr("hh.search"), key="hh_f_text", max_chars=40, placeholder=ui.tr("hh.search_hint"))
    inactive = st.toggle(ui.tr("hh.include_inactive"), key="hh_f_inactive")
    filters = households.HouseholdFilter(township_id=town_id, village_id=village_pick,
                                         category=category, text=text or "", include_inactive=inactive)
    with ui.session() as s:
        frame = households.households_frame(s, user=user, filters=filters, quarter=quarter)
    must = frame["categories"].map(lambda tags: any(t in households.MUST_VISIT for t in tags))
    m1, m2, m3 = st.columns(3)
    m1.metric(ui.tr("hh.count"), f"{len(frame):,}", border=True)
    m2.metric(ui.tr("hh.must_visit"), f"{int(must.sum()):,}", border=True, help=ui.tr("hh.must_visit_help"))
    m3.metric(ui.tr("hh.visited_quarter", start=f"{quarter[0]:%m-%d}", end=f"{quarter[1]:%m-%d}"),
              f"{int((frame['in_quarter'] > 0).sum()):,}", border=True)
    if frame.empty:
        st.info(ui.tr("hh.none_yet" if not (town_id or village_pick or category or text) else "hh.none_match"))
        picked_id = None
    else:
        shown = pd.DataFrame({
            ui.tr("field.township_id"): frame["township"].fillna(""), ui.tr("field.village_id"): frame["village"],
            ui.tr("field.group_name"): frame["group_name"], ui.tr("field.head_name"): frame["head_name"],
            ui.tr("field.phone"): frame["phone"].fillna(""), ui.tr("field.members"): frame["members"],
            ui.tr("field.categories"): frame["categories"].map(tags_text),
            ui.tr("hh.col.visits"): frame["visits"],
            ui.tr("hh.col.last_visit"): frame["last_visit"].map(lambda d: "" if pd.isna(d) else f"{d:%Y-%m-%d}"),
        })
        picked = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                              key="hh_table", height=min(420, 38 + 35 * len(shown)))
        rows = picked.selection.rows if picked else []
        picked_id = int(frame.iloc[rows[0]]["id"]) if rows else None
        if picked_id is None:
            st.caption(ui.tr("hh.pick"))
    if picked_id is None:
        if keeper or station is not None:
            with st.expander(ui.tr("hh.new"), icon=":material/add_home:"):
                household_form("hh_new")
    else:
        try:
            with ui.session() as s:
                file = households.household_file(s, user=user, household_id=picked_id)
        except DomainError as exc:
            ui.show_error(exc)
            st.stop()
        h = file.household
        st.markdown(f"### {ui.md(h.head_name)} · {ui.md(file.township)} {ui.md(file.village)} {ui.md(h.group_name)}")
        st.caption(" · ".join(p for p in (h.phone or ui.tr("hh.no_phone"), ui.md(h.address),
                                          ui.tr("hh.members", n=h.members), tags_text(file.categories),
                                          "" if h.active else ui.tr("hh.inactive")) if p))
        if h.notes:
            st.caption(ui.md(h.notes))
        st.caption(ui.tr("hh.link_leader", name=ui.md(file.link_leader.name), phone=file.link_leader.phone or "")
                   if file.link_leader else ui.tr("hh.no_link_leader"))
        left, right = st.columns([3, 2])
        with left:
            st.markdown(f"#### {ui.tr('hh.diary')}")
            checker = user.has(*households.SPOT_CHECKERS)
            if (file.may_write or checker) and h.active:
                errors = ui.field_errors("hh_visit")
                with st.form("hh_visit"):
                    day = st.date_input(ui.tr("field.visited_on") + " *", value=now.date(), max_value=now.date(),
                                        key="hh_visit_day", format="YYYY-MM-DD")
                    notes = st.text_area(ui.tr("hh.heard") + " *", key="hh_visit_notes", max_chars=2000,
                                         placeholder=ui.tr("hh.heard_hint"), height=100)
                    member_id = None
                    if file.members and file.may_write:
                        served_by = {m.id: m.name for m in file.members}
                        member_id = st.selectbox(ui.tr("field.party_member_id"), [None, *served_by], key="hh_visit_member",
                                                 format_func=lambda i: ui.tr("hh.visit_by_me") if i is None else served_by[i])
                    spot_check = st.checkbox(ui.tr("hh.spot_check"), value=not file.may_write, key="hh_visit_spot",
                                             disabled=not file.may_write) if checker else False
                    for field, message in errors.items():
                        st.error(message)
                    if st.form_submit_button(ui.tr("hh.record_visit"), type="primary", icon=":material/edit_note:"):
                        save(households.record_visit, ui.tr("hh.visit_saved"), form="hh_visit",
                             clear=("hh_visit_notes",), household_id=h.id, party_member_id=member_id,
                             spot_check=spot_check,
                             visited_on=day, notes=notes, now=local_now())
            if not file.visits:
                st.info(ui.tr("hh.no_visits"))
            for visit in file.visits[:30]:
                with st.container(border=True):
                    st.markdown(f"**{visit.visited_on:%Y-%m-%d}** · {ui.md(visit.visitor_name)}"
                                + (f" · :orange-badge[{ui.tr('hh.spot_checked')}]" if visit.spot_check else ""))
                    st.write(visit.notes)
                    if visit.case_id is not None:
                        code = file.cases.loc[file.cases["id"] == visit.case_id, "tracking_code"]
                        st.caption(ui.tr("hh.became_case", code=code.iloc[0] if len(code) else "—"))
                    elif file.may_write:
                        if st.button(ui.tr("hh.to_case"), key=f"hh_case_{visit.id}", icon=":material/assignment_add:",
                                     help=ui.tr("hh.to_case_help")):
                            save(households.visit_to_case, lambda case: ui.tr("hh.case_made", code=case.tracking_code),
                                 visit_id=visit.id, now=local_now())
        with right:
            st.markdown(f"#### {ui.tr('hh.cases')}")
            if file.cases.empty:
                st.caption(ui.tr("hh.no_cases"))
            else:
                st.dataframe(pd.DataFrame({
                    ui.tr("col.tracking_code"): file.cases["tracking_code"],
                    ui.tr("col.status"): file.cases["status"].map(lambda v: ui.lbl(v, CaseStatus)),
                    ui.tr("hh.col.received"): file.cases["received_at"].map(lambda d: f"{d:%Y-%m-%d}"),
                    ui.tr("col.title"): file.cases["title"]}),
                    hide_index=True, width="stretch")
            if file.may_write:
                with st.expander(ui.tr("hh.edit"), icon=":material/edit:"):
                    household_form(f"hh_edit_{h.id}", household=h, tags=file.categories, village_id=h.village_id)

with tabs["hh.tab.checklist"]:
    last_quarter = households.quarter_of(quarter[0] - pd.Timedelta(days=1))
    picked_quarter = st.segmented_control(ui.tr("hh.quarter"), ["this", "last"], default="this", key="hh_q",
                                          format_func=lambda q: ui.tr(f"hh.quarter.{q}")) or "this"
    span = quarter if picked_quarter == "this" else last_quarter
    c1, c2 = st.columns(2)
    town_q, village_q = place_pick("hh_q", c1, c2) if reach is None else (None, None)
    with ui.session() as s:
        todo = households.checklist(s, user=user, quarter=span, township_id=town_q, village_id=village_q)
        everyone = households.households_frame(s, user=user, filters=households.HouseholdFilter(
            township_id=town_q, village_id=village_q), quarter=span)
    due = everyone["categories"].map(lambda tags: any(t in households.MUST_VISIT for t in tags))
    total, done = int(due.sum()), int((due & (everyone["in_quarter"] > 0)).sum())
    st.caption(ui.tr("hh.checklist_about", start=f"{span[0]:%Y-%m-%d}", end=f"{span[1]:%Y-%m-%d}",
                     kinds="、".join(ui.lbl(c, HC) for c in households.MUST_VISIT)))
    st.progress(done / total if total else 0.0, text=ui.tr("hh.checklist_progress", done=done, n=total))
    if not total:
        st.info(ui.tr("hh.no_must_visit"))
    elif todo.empty:
        st.success(ui.tr("hh.checklist_done"), icon=":material/task_alt:")
    else:
        st.dataframe(pd.DataFrame({
            ui.tr("field.township_id"): todo["township"].fillna(""), ui.tr("field.village_id"): todo["village"],
            ui.tr("field.group_name"): todo["group_name"], ui.tr("field.head_name"): todo["head_name"],
            ui.tr("field.phone"): todo["phone"].fillna(""),
            ui.tr("field.categories"): todo["categories"].map(
                lambda tags: tags_text([t for t in tags if t in households.MUST_VISIT])),
            ui.tr("hh.col.last_visit"): todo["last_visit"].map(lambda d: ui.tr("hh.never") if pd.isna(d) else f"{d:%Y-%m-%d}"),
        }), hide_index=True, width="stretch")

    st.markdown(f"#### {ui.tr('hh.chain')}")
    st.caption(ui.tr("hh.chain_about", n=households.LINKED_MAX))
    with ui.session() as s:
        chain = households.link_leaders(s, user=user, quarter=span, township_id=town_q, village_id=village_q)
    if chain.empty:
        st.info(ui.tr("hh.chain_none"))
    else:
        st.dataframe(pd.DataFrame({
            ui.tr("field.township_id"): chain["township"].fillna(""), ui.tr("field.village_id"): chain["village"],
            ui.tr("field.group_name"): chain["group_name"], ui.tr("field.member_name"): chain["name"],
            ui.tr("field.phone"): chain["phone"].fillna(""),
            ui.tr("hh.col.linked"): chain["linked"].map(lambda n: f"{n} / {households.LINKED_MAX}"),
            ui.tr("hh.col.spot_checked"): chain["spot_checked"]}), hide_index=True, width="stretch")
    if keeper or station is not None:
        with st.expander(ui.tr("hh.new_leader"), icon=":material/link:"):
            if reach is None:
                _t, leader_village = place_pick("hh_lead", *st.columns(2), required=True)
            else:
                leader_village = station
            c1, c2, c3 = st.columns(3)
            lead_group = c1.text_input(ui.tr("field.group_name"), max_chars=40, key="hh_lead_group")
            lead_name = c2.text_input(ui.tr("field.member_name") + " *", max_chars=40, key="hh_lead_name")
            lead_phone = c3.text_input(ui.tr("field.phone"), max_chars=30, key="hh_lead_phone")
            with ui.session() as s:
                pool = households.households_frame(s, user=user, filters=households.HouseholdFilter(
                    village_id=leader_village)) if leader_village else None
            options = dict(zip(pool["id"], pool["group_name"] + " " + pool["head_name"])) if pool is not None else {}
            linked = st.multiselect(ui.tr("hh.leader_households", n=households.LINKED_MAX), list(options),
                                    format_func=options.get, max_selections=households.LINKED_MAX, key="hh_lead_homes")
            if st.button(ui.tr("hh.save"), key="hh_lead_save", type="primary"):
                save(households.save_link_leader, ui.tr("hh.saved"), clear=("hh_lead_name", "hh_lead_phone", "hh_lead_homes"),
                     village_id=leader_village, name=lead_name, group_name=lead_group, phone=lead_phone,
                     household_ids=[int(i) for i in linked])

if members_shown:
    with tabs["hh.tab.members"]:
        with ui.session() as s:
            shares = party_members.unit_shares(s, user=user)
            table = party_members.compliance(s, user=user, quarter=quarter)
            members = party_members.members_frame(s, user=user)
        st.caption(ui.tr("pm.about", share=party_members.KEY_SHARE_MIN, n=party_members.HOUSEHOLDS_EACH,
                         start=f"{quarter[0]:%Y-%m-%d}", end=f"{quarter[1]:%Y-%m-%d}"))
        if members.empty:
            st.info(ui.tr("pm.none_yet"))
        else:
            c1, c2 = st.columns(2)
            c1.metric(ui.tr("pm.compliant"), f"{int(table['compliant'].sum())} / {len(table)}", border=True)
            c2.metric(ui.tr("pm.units_below"), f"{int(shares['below'].sum())} / {len(shares)}", border=True)
            st.markdown(f"#### {ui.tr('pm.shares')}")
            st.dataframe(pd.DataFrame({
                ui.tr("field.work_unit_id"): shares["unit"], ui.tr("pm.col.members"): shares["members"],
                ui.tr("pm.col.key"): shares["key_selected"], ui.tr("pm.col.share"): shares["share"].map(lambda v: f"{v:.0%}"),
                ui.tr("pm.col.needed"): shares["needed"],
                ui.tr("pm.col.check"): shares["below"].map(lambda b: ui.tr("pm.below") if b else "✓")}),
                hide_index=True, width="stretch")
            st.markdown(f"#### {ui.tr('pm.quarter')}")
            st.dataframe(pd.DataFrame({
                ui.tr("field.member_label"): table["name"], ui.tr("field.work_unit_id"): table["unit"],
                ui.tr("field.community_id"): table["community"],
                ui.tr("pm.col.households"): table["households"].map(lambda n: f"{n} / {party_members.HOUSEHOLDS_EACH}"),
                ui.tr("pm.col.due"): table["due"], ui.tr("pm.col.visited"): table["visited"],
                ui.tr("pm.col.check"): table["compliant"].map(lambda ok: "✓" if ok else ui.tr("pm.not_yet"))}),
                hide_index=True, width="stretch")
            if not table.empty and user.has(*households.READERS):
                ids = dict(zip(table["id"], table["name"] + " · " + table["unit"]))
                one = st.selectbox(ui.tr("pm.one"), [None, *ids], key="pm_one",
                                   format_func=lambda i: ui.tr("pm.pick_one") if i is None else ids[i])
                if one is not None:
                    with ui.session() as s:
                        homes = party_members.member_households(s, user=user, member_id=one, quarter=quarter)
                    st.dataframe(pd.DataFrame({
                        ui.tr("field.village_id"): homes["village"], ui.tr("field.group_name"): homes["group_name"],
                        ui.tr("field.head_name"): homes["head_name"],
                        ui.tr("pm.col.assigned"): homes["assigned_on"].map(lambda d: f"{d:%Y-%m-%d}"),
                        ui.tr("pm.col.due"): homes["due"].map(lambda due: "✓" if due else ui.tr("pm.next_quarter")),
                        ui.tr("pm.col.visits"): homes["visits"].map(lambda days: "、".join(f"{d:%m-%d}" for d in days)
                                                                    or "—")}), hide_index=True, width="stretch")
        if keeper:
            with ui.session() as s:
                work_units = [u for u in network.handling_units(s) if u.kind in party_members.WORK_UNIT_KINDS]
            with st.expander(ui.tr("pm.new"), icon=":material/person_add:"):
                errors = ui.field_errors("pm_new")
                with st.form("pm_new"):
                    c1, c2 = st.columns(2)
                    name = c1.text_input(ui.tr("field.member_label") + " *", max_chars=40, key="pm_new_name")
                    phone = c2.text_input(ui.tr("field.phone"), max_chars=30, key="pm_new_phone")
                    unit = c1.selectbox(ui.tr("field.work_unit_id") + " *", [u.id for u in work_units], index=None,
                                        format_func={u.id: u.name for u in work_units}.get, key="pm_new_unit")
                    community = c2.selectbox(ui.tr("field.community_id") + " *", [t.id for t in townships], index=None,
                                             format_func={t.id: t.name for t in townships}.get, key="pm_new_community")
                    key_selected = st.checkbox(ui.tr("pm.key_selected"), key="pm_new_key")
                    for message in errors.values():
                        st.error(message)
                    if st.form_submit_button(ui.tr("hh.save"), type="primary"):
                        save(party_members.save_member, ui.tr("hh.saved"), form="pm_new",
                             clear=("pm_new_name", "pm_new_phone"), name=name, phone=phone, unit_id=unit,
                             community_id=community, key_selected=key_selected)
            active = members[members["active"].astype(bool)] if not members.empty else members
            if not active.empty:
                with st.expander(ui.tr("pm.assign"), icon=":material/diversity_1:"):
                    names = dict(zip(active["id"], active["name"] + " · " + active["community"]))
                    chosen = st.selectbox(ui.tr("field.member_label"), list(names), format_func=names.get, key="pm_member")
                    with ui.session() as s:
                        pool = party_members.candidates(s, user=user, member_id=chosen)
                        current = [h for h in pool["id"] if party_members.serves(s, chosen, int(h))]
                    labels_of = dict(zip(pool["id"], pool["village"] + " " + pool["group_name"] + " " + pool["head_name"]
                                         + " · " + pool["categories"].map(tags_text)))
                    picked = st.multiselect(ui.tr("field.household_ids"), list(labels_of), default=current,
                                            format_func=labels_of.get, max_selections=party_members.HOUSEHOLDS_EACH,
                                            key=f"pm_households_{chosen}", help=ui.tr("pm.assign_help"))
                    if st.button(ui.tr("hh.save"), key="pm_assign_save", type="primary"):
                        save(party_members.assign, ui.tr("hh.saved"), member_id=chosen,
                             household_ids=[int(h) for h in picked], on=local_now().date())

if keeper:
    with tabs["hh.tab.workbook"]:
        st.caption(ui.tr("hh.workbook_hint"))
        with ui.session() as s:
            exported = households_io.write_workbook(households_io.export_rows(s, user=user))
        c1, c2 = st.columns(2)
        c1.download_button(ui.tr("network.template"), data=households_io.template(), file_name="一户一档模板.xlsx",
                           icon=":material/download:", key="hh_template")
        c2.download_button(ui.tr("hh.export"), data=exported, file_name="一户一档.xlsx",
                           icon=":material/download:", key="hh_export")
        ui.workbook_import("hh", lambda s, data, name: households_io.import_households(s, actor=user, data=data,
                                                                                  filename=name),
                           message=lambda r, checked: ui.tr("hh.checked" if checked else "hh.imported",
                                                            created=r.created, updated=r.updated))
