"""领导接访日: the month's receptions as a calendar and a list, with what each still needs
(confirmed leader, notice, attendance); per reception: confirm, substitute, publish and print the
notice, record attendance and visitors (each demand becomes a case owned by the leader); the
rules; interview days with the ≥ 30 check; a leader's schedule as .ics."""
import calendar
import html
from datetime import date, time, timedelta

import pandas as pd
import streamlit as st

from core import board, intake, kpi, network, reception, ui
from core.clock import local_now
from core.deadlines import CalendarUnknownError
from core.errors import DomainError
from core.models import ReceptionKind, Recurrence, Role

user = ui.require_page("reception")
now = local_now()
today = now.date()
arranges = user.has(*reception.ARRANGERS)
records_visitors = user.has(Role.clerk, Role.leader)

with ui.session() as s:
    leaders = {leader.id: leader for leader in network.leaders(s)}
    my_leader = board.leader_id_of(s, user)
    warnings = reception.warnings_for(s, user=user, today=today)
ui.reception_warnings(warnings)


def leader_name(leader_id: int | None) -> str:
    leader = leaders.get(leader_id)
    return f"{leader.name}（{leader.title}）" if leader else "—"


def done(message_key: str = "reception.done", *, kind: str = "success", **values) -> None:
    ui.flash(ui.tr(message_key, **values), kind=kind)
    st.rerun()


def attempt(form: str, action, **params):
    """Run one reception action in its own transaction; a refusal stays under the form's fields."""
    try:
        with ui.session() as s:
            result = action(s, actor=user, now=local_now(), **params)
            s.commit()
    except DomainError as exc:
        ui.field_errors(form, exc)
        st.rerun()
    ui.clear_field_errors(form)
    return result


tabs = st.tabs([ui.tr("reception.tab.schedule"), ui.tr("reception.tab.interview"), ui.tr("reception.tab.rules"),
                ui.tr("reception.tab.ics")])

# ---- schedule ------------------------------------------------------------------------------------
with tabs[0]:
    months = kpi.months_around(today, back=6, ahead=3)
    c1, c2, c3 = st.columns([1, 1, 2])
    month = c1.selectbox(ui.tr("reception.month"), months, index=months.index(today.replace(day=1)), key="rec_month",
                         format_func=lambda m: f"{m:%Y-%m}")
    view = c2.segmented_control(ui.tr("reception.view"), ["calendar", "list"], default="list", key="rec_view",
                                format_func=lambda v: ui.tr(f"reception.view.{v}")) or "list"
    choices = [0, *leaders]  # 0: every leader (None would read as "nothing chosen")
    picked_leader = c3.selectbox(ui.tr("reception.leader_filter"), choices, key="rec_leader",
                                 index=choices.index(my_leader) if my_leader in leaders else 0,
                                 format_func=lambda v: ui.tr("reception.all_leaders") if v == 0 else leader_name(v))
    only_leader = picked_leader or None
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    try:
        with ui.session() as s:
            plan = reception.occurrences(s, start=month, end=last, leader_id=only_leader)
    except CalendarUnknownError as exc:
        ui.show_error(exc)
        plan = []

    def who(occ: reception.Occurrence) -> str:
        return leader_name(occ.effective_leader_id)

    if view == "calendar":
        by_day: dict[date, list[reception.Occurrence]] = {}
        for occ in plan:
            by_day.setdefault(occ.date, []).append(occ)
        head = "".join(f"<th>{html.escape(ui.tr(f'weekday.{d}'))}</th>" for d in range(7))
        cells = []
        for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
            row = []
            for day in week:
                items = by_day.get(day, [])
                chips = "".join(
                    f"<div class='chip{' warn' if o.flags(today) else ''}'>{o.start_time:%H:%M} "
                    f"{html.escape(o.name)}<br><small>{html.escape(who(o))}"
                    f"{' · ' + html.escape(ui.tr('reception.col.moved')) if o.moved else ''}</small></div>"
                    for o in items[:4])
                if len(items) > 4:
                    chips += f"<div class='more'>{html.escape(ui.tr('reception.calendar.more', n=len(items) - 4))}</div>"
                style = " class='out'" if day.month != month.month else (" class='today'" if day == today else "")
                row.append(f"<td{style}><div class='d'>{day.day}</div>{chips}</td>")
            cells.append(f"<tr>{''.join(row)}</tr>")
        st.html(
            "<style>.rc{width:100%;border-collapse:collapse;table-layout:fixed}.rc th{background:#f0f2f6;padding:4px}"
            ".rc td{border:1px solid #ddd;vertical-align:top;height:96px;padding:3px;font-size:12px}"
            ".rc td.out{background:#fafafa;color:#aaa}.rc td.today{background:#fff8e1}.rc .d{font-weight:600}"
            ".rc .chip{background:#e8f0fe;border-radius:4px;margin:2px 0;padding:2px 4px}"
            ".rc .chip.warn{background:#fde7e7}.rc .more{color:#666}</style>"
            f"<table class='rc'><thead><tr>{head}</tr></thead><tbody>{''.join(cells)}</tbody></table>")
    if not plan:
        st.info(ui.tr("reception_ledger.none"))
    table = pd.DataFrame([{
        ui.tr("reception.col.date"): f"{o.date:%m-%d} {ui.tr(f'weekday.{o.date.weekday()}')}",
        ui.tr("reception.col.time"): f"{o.start_time:%H:%M}",
        ui.tr("reception.col.name"): o.name + (f" · {o.group_name}" if o.group_name else ""),
        ui.tr("reception.col.leader"): who(o),
        ui.tr("reception.col.place"): o.place,
        ui.tr("reception.col.moved"): ui.tr("reception.moved_from", day=f"{o.original_date:%m-%d}",
                                            why=reception.moved_reason_label(o.moved_reason, ui.lang()))
        if o.moved else "",
        ui.tr("reception.col.notice"): (ui.tr("reception.notice_published", at=f"{o.notice_published_at:%m-%d}")
                                        if o.notice_published_at else ui.tr("reception.notice_due", day=f"{o.notice_due:%m-%d}")),
        ui.tr("reception.col.flags"): "、".join(ui.tr(f"reception.flag.{f}") for f in o.flags(today)),
        ui.tr("reception.col.visitors"): o.visitors,
    } for o in plan])
    selected = None
    if plan:
        picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-cell",
                              key=f"rec_table_{month:%Y%m}_{picked_leader}")
        rows = [cell[0] for cell in picked.selection.cells] if picked else []  # a click anywhere on the row
        selected = plan[rows[0]] if rows else None
        if selected is None:
            st.caption(ui.tr("reception.pick"))

    if selected is not None:
        occ = selected
        st.divider()
        st.subheader(f"{occ.date:%Y-%m-%d} {occ.start_time:%H:%M} · {ui.md(occ.name)}"
                     + (f" · {occ.group_name}" if occ.group_name else ""))
        if occ.moved:
            st.caption(ui.tr("reception.moved_from", day=occ.original_date.isoformat(),
                             why=reception.moved_reason_label(occ.moved_reason, ui.lang())))
        for flag in occ.flags(today):
            st.warning(ui.tr(f"reception.flag.{flag}"), icon=":material/warning:")
        with ui.session() as s:
            notice = reception.notice_text(s, occ, ui.lang())
        left, right = st.columns(2)
        with left:
            st.markdown(f"**{ui.tr('reception.notice.leader')}**：{ui.md(notice.leader or '—')}  \n"
                        f"**{ui.tr('reception.notice.leader_title')}**：{ui.md(notice.leader_title or '—')}  \n"
                        f"**{ui.tr('reception.notice.duties')}**：{ui.md(notice.duties or '—')}  \n"
                        f"**{ui.tr('reception.notice.when')}**：{ui.md(notice.when)}  \n"
                        f"**{ui.tr('reception.notice.place')}**：{ui.md(notice.place or '—')}  \n"
                        f"**{ui.tr('reception.notice.accompanying_units')}**：{ui.md(notice.accompanying_units or '—')}  \n"
                        f"**{ui.tr('reception.notice.subject')}**：{ui.md(notice.subject or '—')}")
            if occ.substitute_id:
                st.caption(ui.tr("reception.planned_leader", name=leader_name(occ.leader_id)) + " · "
                           + ui.tr("reception.substitute_leader", name=leader_name(occ.substitute_id),
                                   reason=occ.unavailable_reason or ""))
            st.caption(ui.tr("reception.confirmed") if occ.confirmed else ui.tr("reception.not_confirmed"))
            with ui.session() as s:
                page = reception.notice_html(s, occ, county=network.county_name(s), lang=ui.lang())
            st.download_button(ui.tr("reception.print"), page.encode("utf-8"), file_name=f"notice-{occ.date}.html",
                               mime="text/html", key="rec_print", icon=":material/print:")
        with right:
            errors = ui.field_errors("rec_act")
            ui.under(errors, "_form")
            upcoming = occ.date >= today
            mine = my_leader is not None and my_leader in (occ.leader_id, occ.substitute_id)
            if upcoming and (arranges or mine):
                b1, b2 = st.columns(2)
                if b1.button(ui.tr("reception.confirm"), key="rec_confirm", disabled=occ.confirmed):
                    attempt("rec_act", reception.confirm_leader, key=occ.key)
                    done()
                if arranges and b2.button(ui.tr("reception.publish"), key="rec_publish", type="primary",
                                          disabled=occ.notice_published_at is not None and not occ.notice_stale):
                    attempt("rec_act", reception.publish_notice, key=occ.key)
                    done()
                with st.expander(ui.tr("reception.substitute"), expanded=bool(errors)):
                    with ui.session() as s:
                        suggested = reception.suggest_substitute(s, occ.key)
                    st.caption(ui.tr("reception.substitute_hint"))
                    with st.form("rec_sub"):
                        reason = st.text_input(ui.tr("field.unavailable_reason"), key="rec_sub_reason")
                        ui.under(errors, "unavailable_reason")
                        options = list(leaders)
                        sub = st.selectbox(ui.tr("field.substitute_id"), options, format_func=leader_name,
                                           index=options.index(suggested) if suggested in options else 0, key="rec_sub_leader")
                        ui.under(errors, "substitute_id")
                        if st.form_submit_button(ui.tr("reception.substitute")):
                            attempt("rec_act", reception.arrange_substitute, key=occ.key, reason=reason, substitute_id=sub)
                            done()
            if not upcoming or occ.date == today:
                if arranges:
                    with st.form("rec_att"):
                        options = list(leaders)
                        default = occ.attended_id or occ.effective_leader_id
                        attended = st.selectbox(ui.tr("field.attended_leader_id"), options, format_func=leader_name,
                                                index=options.index(default) if default in options else 0, key="rec_att_leader")
                        count = st.number_input(ui.tr("reception.attendance_count"), min_value=0, max_value=5000,
                                                value=occ.attendance, key="rec_att_count")
                        ui.under(errors, "attended_leader_id", "attendance")
                        if st.form_submit_button(ui.tr("reception.attendance")):
                            attempt("rec_act", reception.record_attendance, key=occ.key, attended_leader_id=attended,
                                    attendance=int(count))
                            done()

        if occ.date <= today and records_visitors and (arranges or user.has(Role.clerk) or
                                                        my_leader in (occ.effective_leader_id, occ.attended_id)):
            st.markdown(f"#### {ui.tr('reception.visitor.title')}")
            verrors = ui.field_errors("rec_visit")
            ui.under(verrors, "_form")
            with ui.session() as s:
                towns = network.townships(s)
                categories = network.categories(s)
            if (today - occ.date).days >= 7:  # the shortest reception time limit is a week
                st.warning(ui.tr("reception.visitor.late", days=(today - occ.date).days))
            n = ui.form_generation("rec_visit")
            with st.form(f"rec_visit_{n}"):
                a, b = st.columns(2)
                name = a.text_input(ui.tr("field.name"), key=f"rec_v_name_{n}")
                ui.under(verrors, "name")
                phone = b.text_input(ui.tr("field.phone"), key=f"rec_v_phone_{n}")
                ui.under(verrors, "phone")
                address = st.text_input(ui.tr("reception_ledger.col.address"), key=f"rec_v_address_{n}")
                ui.under(verrors, "address")
                town = a.selectbox(ui.tr("field.township_id"), [None, *[t.id for t in towns]], key=f"rec_v_town_{n}",
                                   format_func=lambda v: "—" if v is None else next(t.name for t in towns if t.id == v))
                category = b.selectbox(ui.tr("field.category_id"), [None, *[c.id for c in categories]], key=f"rec_v_cat_{n}",
                                       format_func=lambda v: "—" if v is None else next(
                                           (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories if c.id == v))
                demand = st.text_area(ui.tr("reception_ledger.col.demand"), key=f"rec_v_demand_{n}")
                ui.under(verrors, "content")
                flag = st.radio(ui.tr("field.flag"), list(intake.FLAGS), horizontal=True, key=f"rec_v_flag_{n}",
                                format_func=lambda f: ui.tr(f"flag.choice.{f}"))
                answer = st.text_area(ui.tr("field.on_site_answer"), key=f"rec_v_answer_{n}")
                ui.under(verrors, "on_site_answer")
                on_spot = st.checkbox(ui.tr("reception.visitor.on_spot"), key=f"rec_v_on_spot_{n}")
                reaction = st.text_input(ui.tr("field.visitor_reaction"), key=f"rec_v_reaction_{n}")
                ui.under(verrors, "visitor_reaction")
                if st.form_submit_button(ui.tr("reception.visitor.submit"), type="primary"):
                    visitor, case = attempt(
                        "rec_visit", intake.record_reception_visitor, reception_key=occ.key, name=name, phone=phone,
                        address=address, demand=demand, on_site_answer=answer, answered_on_spot=on_spot,
                        visitor_reaction=reaction, township_id=town, category_id=category, flag=flag)
                    ui.new_form("rec_visit")  # an empty form: a second click cannot record it again
                    if on_spot:
                        done("reception.visitor.done_closed", code=case.tracking_code)
                    late = case.due_at is not None and case.due_at < local_now()
                    done("reception.visitor.done_overdue" if late else "reception.visitor.done",
                         kind="warning" if late else "success", code=case.tracking_code,
                         leader=leader_name(case.owner_leader_id), due=f"{case.due_at:%Y-%m-%d}" if case.due_at else "—")
        if occ.day_id is not None and occ.visitors:
            st.markdown(f"#### {ui.tr('reception.visitors')}")
            try:
                with ui.session() as s:
                    entries = [e for e in reception.ledger_entries(
                        s, user=user, leader_id=occ.attended_id or occ.effective_leader_id, start=occ.date, end=occ.date)
                        if e["reception"] == occ.name]
                ui.reception_entries(entries)
            except DomainError as exc:  # another leader's file: a leader reads only their own
                st.caption(exc.message(ui.lang()))

# ---- interview days ------------------------------------------------------------------------------
with tabs[1]:
    with ui.session() as s:
        names = reception.campaigns(s)
    if not names:
        st.info(ui.tr("reception.interview.none"))
    else:
        campaign = st.selectbox(ui.tr("reception.interview.campaign"), names, key="rec_campaign")
        with ui.session() as s:
            villages = reception.interview_attendance(s, campaign)
        ok = sum(1 for v in villages if v.enough)
        (st.success if ok == len(villages) else st.warning)(
            ui.tr("reception.interview.check", n=reception.INTERVIEW_MIN_ATTENDANCE, ok=ok, total=len(villages)))
        st.dataframe(pd.DataFrame([{
            ui.tr("reception.interview.col.township"): v.township, ui.tr("reception.interview.col.village"): v.village,
            ui.tr("reception.interview.col.sessions"): v.sessions, ui.tr("reception.interview.col.attendance"): v.attendance,
            ui.tr("reception.interview.col.enough"): "✅" if v.enough else "❌"} for v in villages]),
            hide_index=True, width="stretch")
    if arranges:
        st.markdown(f"#### {ui.tr('reception.interview.plan')}")
        ierrors = ui.field_errors("rec_iv")
        ui.under(ierrors, "_form")
        with ui.session() as s:
            towns = network.townships(s)
        town = st.selectbox(ui.tr("field.township_id"), [t.id for t in towns], key="rec_iv_town",
                            format_func=lambda v: next(t.name for t in towns if t.id == v))
        with ui.session() as s:
            town_villages = network.villages(s, town) if town else []
        with st.form("rec_iv"):
            a, b = st.columns(2)
            campaign_name = a.text_input(ui.tr("field.campaign"), value=names[0] if names else "", key="rec_iv_campaign")
            ui.under(ierrors, "campaign")
            group = b.text_input(ui.tr("field.group_name"), key="rec_iv_group")
            ui.under(ierrors, "group_name")
            village = a.selectbox(ui.tr("field.village_id"), [v.id for v in town_villages], key="rec_iv_village",
                                  format_func=lambda v: next(x.name for x in town_villages if x.id == v))
            ui.under(ierrors, "village_id")
            head = b.selectbox(ui.tr("field.leader_id"), list(leaders), format_func=leader_name, key="rec_iv_leader")
            ui.under(ierrors, "leader_id")
            day = a.date_input(ui.tr("field.day"), value=today + timedelta(days=7), key="rec_iv_day")
            ui.under(ierrors, "day")
            start = b.time_input(ui.tr("reception.rule.start"), value=time(9, 0), key="rec_iv_start")
            if st.form_submit_button(ui.tr("reception.interview.submit"), type="primary"):
                attempt("rec_iv", reception.plan_interview, campaign=campaign_name, day=day, start_time=start,
                        group_name=group, leader_id=head, village_id=village)
                done()

# ---- rules ---------------------------------------------------------------------------------------
with tabs[2]:
    with ui.session() as s:
        rule_rows = reception.rules(s)
    st.dataframe(pd.DataFrame([{
        ui.tr("reception.rule.name"): rule.name, ui.tr("reception.rule.kind"): ui.lbl(rule.kind, ReceptionKind),
        ui.tr("reception.rule.recurrence"): ui.lbl(rule.recurrence, Recurrence),
        ui.tr("reception.rule.days"): rule.days, ui.tr("reception.rule.start"): f"{rule.start_time:%H:%M}",
        ui.tr("reception.rule.place"): rule.place,
        ui.tr("reception.rule.leaders"): "、".join(leaders[i].name for i in rotation if i in leaders),
        ui.tr("reception.rule.notice_days"): rule.notice_days,
        ui.tr("reception.rule.active"): "✅" if rule.active else "—"} for rule, rotation in rule_rows]),
        hide_index=True, width="stretch")
    if not arranges:
        st.caption(ui.tr("reception.rule.read_only"))
    else:
        by_id = {rule.id: (rule, rotation) for rule, rotation in rule_rows}
        chosen = st.selectbox(ui.tr("reception.rule.pick"), [None, *by_id], key="rec_rule_pick",
                              format_func=lambda v: ui.tr("reception.rule.new") if v is None else by_id[v][0].name)
        rule, rotation = by_id.get(chosen, (None, []))
        rerrors = ui.field_errors("rec_rule")
        ui.under(rerrors, "_form")
        with st.form(f"rec_rule_{chosen}"):
            a, b = st.columns(2)
            name = a.text_input(ui.tr("reception.rule.name"), value=rule.name if rule else "", key=f"rec_rule_name_{chosen}")
            ui.under(rerrors, "name")
            kinds = [k for k in ReceptionKind if k != ReceptionKind.interview_day]
            kind = b.selectbox(ui.tr("reception.rule.kind"), kinds, format_func=lambda k: ui.lbl(k),
                               index=kinds.index(rule.kind) if rule else 0)
            recurrence = a.selectbox(ui.tr("reception.rule.recurrence"), list(Recurrence), format_func=lambda k: ui.lbl(k),
                                     index=list(Recurrence).index(rule.recurrence) if rule else 0)
            days = b.text_input(ui.tr("reception.rule.days"), value=rule.days if rule else "10,25", key=f"rec_rule_days_{chosen}")
            ui.under(rerrors, "days")
            start = a.time_input(ui.tr("reception.rule.start"), value=rule.start_time if rule else time(9, 0))
            end = b.time_input(ui.tr("reception.rule.end"), value=rule.end_time if rule else None)
            ui.under(rerrors, "end_time")
            place = a.text_input(ui.tr("reception.rule.place"), value=rule.place if rule else "", max_chars=120)
            ui.under(rerrors, "place")
            units_text = b.text_input(ui.tr("reception.rule.units"), value=rule.accompanying_units if rule else "",
                                      max_chars=200)
            ui.under(rerrors, "accompanying_units")
            subject = st.text_input(ui.tr("reception.rule.subject"), value=rule.subject if rule else "", max_chars=200)
            ui.under(rerrors, "subject")
            chosen_leaders = st.multiselect(ui.tr("reception.rule.leaders"), list(leaders), default=rotation,
                                            format_func=leader_name)
            ui.under(rerrors, "leader_ids")
            notice_days = a.number_input(ui.tr("reception.rule.notice_days"), min_value=1, max_value=30,
                                         value=rule.notice_days if rule else reception.NOTICE_DAYS)
            active = b.checkbox(ui.tr("reception.rule.active"), value=rule.active if rule else True)
            if st.form_submit_button(ui.tr("reception.rule.save"), type="primary"):
                attempt("rec_rule", lambda s, actor, now, **p: reception.save_rule(s, actor=actor, **p),
                        rule_id=chosen, name=name, kind=kind, recurrence=recurrence, days=days, start_time=start,
                        end_time=end, place=place, accompanying_units=units_text, subject=subject,
                        leader_ids=chosen_leaders, notice_days=int(notice_days), active=active,
                        unit_id=rule.unit_id if rule else None)
                done()

# ---- a leader's schedule for the phone -----------------------------------------------------------
with tabs[3]:
    a, b, c = st.columns(3)
    options = list(leaders)
    ics_leader = a.selectbox(ui.tr("reception.ics.leader"), options, format_func=leader_name, key="rec_ics_leader",
                             index=options.index(my_leader) if my_leader in options else 0)
    ics_from = b.date_input(ui.tr("reception.ics.from"), value=today, key="rec_ics_from")
    ics_to = c.date_input(ui.tr("reception.ics.to"), value=min(today + timedelta(days=90), date(today.year, 12, 31)),
                          key="rec_ics_to")
    try:
        with ui.session() as s:
            body = reception.ics_schedule(s, leader_id=ics_leader, start=ics_from, end=ics_to, lang=ui.lang())
        st.download_button(ui.tr("reception.ics.download"), body, file_name=f"reception-{ics_leader}.ics",
                           mime="text/calendar", key="rec_ics_download", icon=":material/calendar_month:")
    except DomainError as exc:
        ui.show_error(exc)
