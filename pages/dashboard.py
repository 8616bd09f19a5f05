"""领导驾驶舱: the four 100 % and the other KPIs of a period (core.kpi), refreshing themselves;
weekly trend, townships and categories, a ticker of urgent and major cases, early-warning alerts
with acknowledgement, rankings; every figure opens the list of cases behind it. A big-screen
mode for the office wall."""
import html
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from core import alerts, callback, charts, households, kpi, ledger, network, party_members, ui
from core.clock import local_now
from core.errors import DomainError

user = ui.require_page("dashboard")
today = local_now().date()

with ui.session() as s:
    townships = network.townships(s)
    categories = network.categories(s)
    units = network.handling_units(s)

big = st.toggle(ui.tr("dash.big_screen"), value=st.query_params.get("big") == "1", key="dash_big")
if big:  # kept in the address, so that the wall screen comes back as it was after a reload
    st.query_params["big"] = "1"
    st.html(f"<style>[data-testid='stSidebar'],header,[data-testid='stSidebarCollapsedControl']{{display:none}}"
            f".stApp,[data-testid='stAppViewContainer']{{background:#0b1220;color:{charts.WALL_TEXT};min-height:100vh}}"
            f".stApp h1,.stApp h4,.stApp p,.stApp label,.stApp small{{color:{charts.WALL_TEXT}}}"
            f"[data-testid='stCaptionContainer']{{color:#94a3b8}}"
            f"[data-testid='stMetric']{{background:#111a2e;border-color:#1f2a44 !important}}"
            f"[data-testid='stMetricValue']{{font-size:3.6rem;color:#fff}}[data-testid='stMetricLabel'] p{{font-size:1.4rem}}"
            f".block-container{{max-width:100%;padding:1rem 2rem}}</style>")
else:
    st.query_params.pop("big", None)

PERIODS = {"month": (today.replace(day=1), today), "last30": (today - timedelta(days=29), today),
           "quarter": (date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today),
           "year": (date(today.year, 1, 1), today)}
if big:  # the wall shows this month, all of it
    (start, end), township, category, unit = PERIODS["month"], None, None, None
else:
    c1, c2, c3, c4 = st.columns(4)
    period = c1.selectbox(ui.tr("dash.period"), [*PERIODS, "custom"], key="dash_period",
                          format_func=lambda p: ui.tr(f"dash.period.{p}"))
    if period == "custom":
        picked = c1.date_input(ui.tr("dash.period.custom"), value=PERIODS["month"], key="dash_dates")
        start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else PERIODS["month"]
    else:
        start, end = PERIODS[period]
    township = c2.selectbox(ui.tr("field.township_id"), [None, *[t.id for t in townships]], key="dash_town",
                            format_func=lambda v: ui.tr("ledger.all") if v is None else next(t.name for t in townships if t.id == v))
    category = c3.selectbox(ui.tr("field.category_id"), [None, *[c.id for c in categories]], key="dash_cat",
                            format_func=lambda v: ui.tr("ledger.all") if v is None else next(
                                (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories if c.id == v))
    unit = c4.selectbox(ui.tr("board.unit"), [None, *[u.id for u in units]], key="dash_unit",
                        format_func=lambda v: ui.tr("ledger.all") if v is None else next(u.name for u in units if u.id == v))
filters = kpi.KpiFilter(start=start, end=end, township_id=township, category_id=category, unit_id=unit)


def category_of(alert: alerts.Alert) -> str:
    return (alert.category_en or alert.category) if ui.lang() == "en" else alert.category


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def open_list(drill: str, source: str | None = None, picked=None) -> None:
    """Opens the list of cases behind a figure, in a dialog drawn by the full page. A picked row or
    chart point stays picked after the dialog is closed, so it opens the list only when it changes."""
    if source is not None:
        if st.session_state.get(f"dash_seen_{source}") == picked:
            return
        st.session_state[f"dash_seen_{source}"] = picked
    st.session_state["dash_drill"] = drill
    st.rerun(scope="app")  # buttons and charts sit in the self-refreshing fragment, the dialog outside


def drill_button(key: str, n: int) -> None:
    if big:  # nobody clicks a wall
        return
    if st.button(ui.tr("dash.see", n=f"{n:,}"), key=f"dash_see_{key}", type="tertiary"):
        open_list(key)


@st.fragment(run_every=ui.DASHBOARD_REFRESH_SECONDS)
def live() -> None:
    data = ui.dashboard_data(filters)
    k: kpi.Kpis = data["kpis"]
    rates, n = k.rates, k.counts
    st.caption(ui.tr("dash.updated", at=local_now().strftime("%H:%M:%S"), s=ui.DASHBOARD_REFRESH_SECONDS,
                     start=f"{start:%Y-%m-%d}", end=f"{end:%Y-%m-%d}"))
    st.markdown(f"#### {ui.tr('dash.four')}")
    cols = st.columns(4)
    four = [("closure_rate", "closed", "received"), ("feedback_rate", "fed_back", "handled"),
            ("satisfaction_rate", "satisfied", "rated")]
    for col, (key, num, den) in zip(cols, four):
        with col:
            st.metric(ui.tr(f"kpi.{key}"), percent(rates[key]), border=True,
                      help=ui.tr(f"kpi.help.{key}"))
            st.caption(f"{n[num]:,} / {n[den]:,}")
            drill_button(key, n[num])
    with cols[3]:
        st.metric(ui.tr("kpi.participation_rate"), percent(rates["participation_rate"]), border=True,
                  help=ui.tr("kpi.help.participation_rate"))
        if k.liaisons_apply:
            st.caption(ui.tr("dash.participation", la=k.liaisons_active, lt=k.liaisons_total, ua=k.units_active,
                             ut=k.units_involved))
        else:
            st.caption(ui.tr("dash.participation_units", ua=k.units_active, ut=k.units_involved))
    more = [("received", f"{n['received']:,}", n["received"]), ("on_time_rate", percent(rates["on_time_rate"]), n["on_time"]),
            ("follow_up_rate", percent(rates["follow_up_rate"]), n["followed_up"]),
            ("return_rate", percent(rates["return_rate"]), n["returned"]),
            ("backlog", f"{k.backlog:,}", k.backlog), ("overdue", f"{k.overdue:,}", k.overdue)]
    # two rows of three: in six columns "按时办结率" and "85.3%" were cut at 1280 px (English at 1366)
    cols = [*st.columns(3), *st.columns(3)]
    for col, (key, shown, count) in zip(cols, more):
        with col:
            st.metric(ui.tr(f"kpi.{key}"), shown, border=True, help=ui.tr(f"kpi.help.{key}"))
            if key == "on_time_rate" and k.no_deadline:
                st.caption(ui.tr("dash.no_deadline", n=f"{k.no_deadline:,}"))
            drill_button(key, count)
    hours = st.columns(4)
    for col, (key, value) in zip(hours, [("response_median", k.response_hours["median"]),
                                         ("response_p90", k.response_hours["p90"]),
                                         ("handling_median", k.handling_hours["median"]),
                                         ("handling_p90", k.handling_hours["p90"])]):
        # two significant figures are kept (kpi.hour_bucket): 2.3 h, 26 h, 150 h — not "150.0"
        col.metric(ui.tr(f"kpi.{key}"), "—" if value is None else
                   ui.tr("dash.hours", h=f"{value:,.1f}" if value < 10 else f"{value:,.0f}"), border=True)
    if k.by_channel:
        st.caption(ui.tr("dash.by_channel") + "：" + "　".join(
            f"{ui.lbl(ch, kpi.Channel)} {count:,}" for ch, count in sorted(k.by_channel.items(), key=lambda i: -i[1])))

    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"#### {ui.tr('dash.weekly')}")
        if not data["weekly"].empty:
            weeks, left_out = kpi.full_weeks(data["weekly"])
            st.altair_chart(charts.weekly_trend(weeks, received=ui.tr("kpi.received"), closed=ui.tr("kpi.closed"),
                                                week=ui.tr("dash.week"), height=360 if big else 260, wall=big),
                            width="stretch", theme=None if big else "streamlit")
            if left_out:
                st.caption(ui.tr("dash.partial_weeks", days=left_out))
    with right:
        st.markdown(f"#### {ui.tr('dash.ticker')}")
        urgent = data["ticker"]
        if urgent.empty:
            st.caption(ui.tr("dash.ticker_none"))
        for row in urgent.itertuples():
            tag = ui.tr("flag.major") if row.is_major else ui.tr("flag.urgent")
            st.markdown(f":red-badge[{tag}] `{row.tracking_code}` {ui.md(row.title)} "
                        f"<small>{row.received_at:%m-%d %H:%M}</small>", unsafe_allow_html=True)
    if big:  # one panel at a time, the next at each refresh: townships, categories, the two rankings
        turn = st.session_state.get("dash_turn", -1) + 1
        st.session_state["dash_turn"] = turn
        panel = WALL_PANELS[turn % len(WALL_PANELS)]
        if panel.startswith("rank_"):
            wall_ranking(data[panel], panel)
        else:
            breakdown(data, panel, wall=True)
        return
    a, b = st.columns(2)
    for col, group in ((a, "township"), (b, "category")):
        with col:
            breakdown(data, group)


WALL_PANELS = ("township", "category", "rank_unit", "rank_township")


def breakdown(data: dict, group: str, wall: bool = False) -> None:
    st.markdown(f"#### {ui.tr(f'dash.by_{group}')}")
    frame = data[group]
    if frame.empty:
        return
    if ui.lang() == "en":  # categories by their English names; places keep theirs
        frame = frame.assign(name=frame["name_en"])
    chart = charts.breakdown(frame.head(15), received=ui.tr("kpi.received"), closure=ui.tr("kpi.closure_rate"),
                             height=520 if wall else 320, wall=wall)
    if wall:
        st.altair_chart(chart, width="stretch", theme=None)
        return
    clicked = st.altair_chart(chart, width="stretch", on_select="rerun", key=f"dash_chart_{group}")
    points = (clicked.selection.get("pick") or []) if clicked else []
    if points:
        open_list(f"{group}:{points[0]['id']}", f"chart_{group}", points[0]["id"])


def wall_ranking(ranked: pd.DataFrame, panel: str) -> None:
    group = panel.removeprefix("rank_")
    st.markdown(f"#### {ui.tr('dash.rankings')} · {ui.tr(f'dash.rank.{group}')}")
    if ranked.empty:
        st.caption(ui.tr("ledger.empty"))
        return
    rows = "".join(f"<tr><td>{int(r['rank'])}</td><td>{html.escape(str(r['name']))}</td><td>{r['score']:.1f}</td>"
                   f"<td>{percent(r['on_time_rate'])}</td><td>{percent(r['satisfaction_rate'])}</td></tr>"
                   for _i, r in ranked.head(10).iterrows())
    heads = "".join(f"<th>{html.escape(ui.tr(k))}</th>" for k in ("dash.col.rank", "dash.col.name", "dash.col.score",
                                                                  "kpi.on_time_rate", "kpi.satisfaction_rate"))
    st.html(f"<table style='width:100%;font-size:1.6rem;color:{charts.WALL_TEXT};border-collapse:collapse'>"
            f"<thead><tr style='text-align:left;color:#94a3b8'>{heads}</tr></thead><tbody>{rows}</tbody></table>")


live()

try:
    found, alert_total, more_than = ui.alerts_now(user)
except DomainError:
    found, alert_total, more_than = [], 0, False
open_alerts = [a for a in found if a.acknowledged_at is None]
st.markdown(f"#### {ui.tr('dash.alerts', n=len(open_alerts))}")
clusters = [a for a in open_alerts if a.kind == "cluster"]
for alert in clusters:  # a group problem forming is shown loud, not only listed
    with st.container(border=True):  # red, but not st.error: nothing failed, something is forming
        st.markdown(":red[:material/crisis_alert: **" + ui.tr(
            "alert.cluster", place=alert.place, category=category_of(alert), n=alert.count,
            since=f"{alert.first_at:%m-%d %H:%M}") + "**]")
if big:  # the wall shows the forming clusters; the list, acknowledgement and rankings are for desks
    st.stop()
if not found:
    st.caption(ui.tr("dash.alerts_none"))
else:
    more = "dash.alerts_more_than" if more_than else "dash.alerts_more"
    st.caption(ui.tr("dash.alerts_hint") + (ui.tr(more, shown=len(found), total=f"{alert_total:,}")
                                            if more_than or alert_total > len(found) else ""))
    picked = st.dataframe(pd.DataFrame([{
        ui.tr("dash.alert.kind"): ui.tr(f"dash.alert.kind.{a.kind}"), ui.tr("dash.alert.place"): a.place,
        ui.tr("dash.alert.category"): category_of(a), ui.tr("dash.alert.count"): len(a.case_ids),
        ui.tr("dash.alert.since"): f"{a.first_at:%m-%d %H:%M}",
        ui.tr("dash.alert.status"): (ui.tr("dash.acknowledged", at=f"{a.acknowledged_at:%m-%d %H:%M}", note=a.acknowledged_note)
                                     if a.acknowledged_at else ui.tr("dash.alert.open")),
    } for a in found]), hide_index=True, width="stretch", height=min(38 + 35 * len(found), 300),
        on_select="rerun", selection_mode="single-row", key="dash_alerts")
    rows = list(picked.selection.rows) if picked else []
    if rows:
        alert = found[rows[0]]
        st.markdown(ui.tr(f"alert.{alert.kind}", place=alert.place, category=category_of(alert), n=alert.count,
                          since=f"{alert.first_at:%m-%d %H:%M}"))
        x, y = st.columns([1, 3])
        if x.button(ui.tr("dash.see", n=len(alert.case_ids)), key="dash_alert_see", type="tertiary"):
            st.session_state["dash_alert"] = alert
            open_list("alert")
        if alert.acknowledged_at is None:
            with y.form("dash_ack", border=False):
                note = st.text_input(ui.tr("field.note"), key="dash_ack_note", placeholder=ui.tr("dash.ack_hint"))
                if st.form_submit_button(ui.tr("dash.acknowledge")):
                    try:
                        with ui.session() as s:
                            alerts.acknowledge(s, actor=user, key=alert.key, note=note, now=local_now())
                            s.commit()
                        st.rerun()
                    except DomainError as exc:
                        ui.show_error(exc)

st.markdown(f"#### {ui.tr('dash.rankings')}")
tabs = st.tabs([ui.tr("dash.rank.unit"), ui.tr("dash.rank.township")])
data = ui.dashboard_data(filters)
for tab, group in zip(tabs, ("unit", "township")):
    with tab:
        ranked = data[f"rank_{group}"]
        st.caption(ui.tr("dash.rank_rule", n=kpi.MIN_CASES[group], floor=kpi.SCORE_FLOOR, **data["score_rule"]))
        if ranked.empty:
            st.caption(ui.tr("ledger.empty"))
            continue
        picked = st.dataframe(pd.DataFrame({
            ui.tr("dash.col.rank"): ranked["rank"], ui.tr("dash.col.name"): ranked["name"],
            ui.tr("dash.col.score"): ranked["score"],
            ui.tr("kpi.received"): ranked["received"],
            ui.tr("kpi.on_time_rate"): ranked["on_time_rate"].map(percent),
            ui.tr("kpi.satisfaction_rate"): ranked["satisfaction_rate"].map(percent),
            ui.tr("kpi.closure_rate"): ranked["closure_rate"].map(percent),
            ui.tr("kpi.return_rate"): ranked["return_rate"].map(percent),
            ui.tr("dash.col.circulars"): ranked["circulars"],
            ui.tr("dash.col.flag"): ranked["flagged"].map(lambda f: ui.tr("dash.below_floor") if f else ""),
        }), hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"dash_rank_{group}")
        rows = list(picked.selection.rows) if picked else []
        if rows:  # a ranked unit or township opens its cases of the period
            picked_id = int(ranked.iloc[rows[0]]["id"])
            open_list(f"{group}:{picked_id}", f"rank_{group}", picked_id)
        else:
            st.session_state.pop(f"dash_seen_rank_{group}", None)

if not big:  # 回访抽查: what the cases carry beside what their residents told the center
    st.markdown(f"#### {ui.tr('callback.compare')}")
    for tab, group in zip(st.tabs([ui.tr("dash.rank.unit"), ui.tr("dash.rank.township")]), ("unit", "township")):
        with tab, ui.session() as s:
            checked = callback.for_period(s, user=user, start=start, end=end, group=group)
        if checked is None:
            tab.caption(ui.tr("dash.callback_none"))
            continue
        first, last, table = checked
        tab.caption(ui.tr("dash.callback_months", start=f"{first:%Y-%m}", end=f"{last:%Y-%m}",
                          flagged=int(table["flagged"].sum())) if group == "unit" else
                    ui.tr("dash.callback_months_townships", start=f"{first:%Y-%m}", end=f"{last:%Y-%m}"))
        tab.dataframe(pd.DataFrame({
            ui.tr("dash.col.name"): table["name"].replace("", ui.tr("callback.no_unit" if group == "unit" else
                                                                     "report.no_township")),
            ui.tr("callback.col.pairs"): table["pairs"],
            ui.tr("callback.col.recorded_rate"): table["reported_rate"].map(percent),
            ui.tr("callback.col.verified_rate"): table["verified_rate"].map(percent),
            ui.tr("callback.col.gap"): table["gap_points"].map(lambda v: "—" if pd.isna(v) else f"{v:+.0f}"),
            ui.tr("callback.col.flag"): table["flagged"].map(lambda f: ui.tr("callback.flagged") if f else ""),
        }), hide_index=True, width="stretch", height=min(400, 38 + 35 * len(table)))
    if st.button(ui.tr("dash.callback_link"), key="dash_callbacks", type="tertiary", icon=":material/phone_callback:"):
        st.switch_page("pages/callbacks.py")

    # 联系服务群众: the quarter's 五必访 coverage (the township filter applies) and the serving party members
    quarter = households.quarter_of(min(end, local_now().date()))
    with ui.session() as s:
        visited, must = households.coverage(s, quarter=quarter, township_id=township)
        members = party_members.compliance_figures(s, user=user, quarter=quarter)
    st.markdown(f"#### {ui.tr('dash.households', start=f'{quarter[0]:%Y-%m-%d}', end=f'{quarter[1]:%Y-%m-%d}')}")
    a, b, c = st.columns(3)
    a.metric(ui.tr("dash.must_visit_coverage"), percent(visited / must) if must else "—", border=True,
             help=ui.tr("hh.must_visit_help"))
    a.caption(ui.tr("dash.of", n=visited, total=must))
    b.metric(ui.tr("pm.compliant"), percent(members["compliant"] / members["members"]) if members["members"] else "—",
             border=True, help=ui.tr("dash.members_help"))
    b.caption(ui.tr("dash.of", n=members["compliant"], total=members["members"]))
    c.metric(ui.tr("pm.units_below"), f"{members['units_below']} / {members['units']}", border=True)

def close_list() -> None:
    st.session_state.pop("dash_drill", None)


def cases_behind(drill: str) -> None:
    if drill == "alert":
        with ui.session() as s:
            condition = alerts.cases_behind(s, st.session_state["dash_alert"])
    else:
        condition = kpi.behind(drill, filters, now=local_now())
    with ui.session() as s:
        total, rows = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=local_now(),
                                        page_size=50, extra=condition)
    st.caption(ui.tr("ledger.count", n=f"{total:,}"))
    ui.case_table(rows, ["tracking_code", "received_at", "title", "township", "category", "unit", "status", "due_at",
                         "rating", "flags"], key=f"dash_drill_table_{drill}")


drill = st.session_state.get("dash_drill")
if drill:
    if drill == "alert":
        label = ui.tr("dash.alert_cases")
    elif ":" in drill:
        kind, _, value = drill.partition(":")
        names = {"township": {t.id: t.name for t in townships}, "unit": {u.id: u.name for u in units},
                 "category": {c.id: c.name_en if ui.lang() == "en" else c.name_zh for c in categories}}
        label = names.get(kind, {}).get(int(value), ui.tr("report.no_township")) if value.isdigit() else "—"
    else:
        label = ui.tr(f"kpi.{drill}")
    st.dialog(ui.tr("dash.cases_behind", what=label), width="large", on_dismiss=close_list)(cases_behind)(drill)
