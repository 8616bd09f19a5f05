"""考核得分: rankings that explain themselves — the published weights and minimum, each rate with
its 95 % band, one unit's or township's score taken apart with the returns that count and the
misroutes that do not — and the annual assessment (年度考核, S4) with its two lists derived."""
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from core import county_settings, kpi, ui
from core.clock import local_now

user = ui.require_page("scores")
today = local_now().date()


def pct(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.0%}"


def band(low, high) -> str:
    return "" if low is None or pd.isna(low) else f"{low:.0%}–{high:.0%}"


c1, c2, c3 = st.columns([1, 1, 1])
kind = c1.segmented_control(ui.tr("scores.period"), ["month", "quarter", "year"], default="quarter", key="sc_kind",
                            format_func=lambda k: ui.tr(f"scores.period.{k}")) or "quarter"
if kind == "month":
    options = [(m, kpi.months_around(m, back=0, ahead=1)[1]) for m in reversed(kpi.months_around(today, back=12))]
    label = lambda p: f"{p[0]:%Y-%m}"  # noqa: E731
elif kind == "quarter":
    firsts = [m for m in reversed(kpi.months_around(today, back=12)) if m.month in (1, 4, 7, 10)]
    options = [(m, kpi.months_around(m, back=0, ahead=3)[3]) for m in firsts]
    label = lambda p: f"{p[0].year}Q{(p[0].month - 1) // 3 + 1}"  # noqa: E731
else:
    options = [(date(y, 1, 1), date(y + 1, 1, 1)) for y in range(today.year, today.year - 3, -1)]
    label = lambda p: str(p[0].year)  # noqa: E731
first, after = c2.selectbox(ui.tr("scores.which"), options, format_func=label, key=f"sc_period_{kind}")
group = c3.segmented_control(ui.tr("scores.group"), ["unit", "township"], default="unit", key="sc_group",
                             format_func=lambda g: ui.tr(f"dash.rank.{g}")) or "unit"
end = min(after - timedelta(days=1), today)
filters = kpi.KpiFilter(start=first, end=end)

with ui.session() as s:
    weights = county_settings.score_weights(s)
    ranked = kpi.ranking(s, filters, group=group, weights=weights)
    everyone = kpi.by_group(s, filters, group=group)
    weight_changes = county_settings.history(s, "score.", limit=5)
st.caption(ui.tr("dash.rank_rule", n=kpi.MIN_CASES[group], floor=kpi.SCORE_FLOOR, **kpi.score_rule(weights))
           + " " + ui.tr("scores.band_rule"))
if not weight_changes.empty:
    last = weight_changes.iloc[0]
    st.caption(ui.tr("scores.weights_changed", at=f"{last['changed_at']:%Y-%m-%d %H:%M}", by=last["changed_by"] or "—"))

if ranked.empty:
    st.info(ui.tr("scores.none", n=kpi.MIN_CASES[group]))
else:
    st.dataframe(pd.DataFrame({
        ui.tr("dash.col.rank"): ranked["rank"], ui.tr("dash.col.name"): ranked["name"],
        ui.tr("dash.col.score"): ranked["score"].map(lambda v: f"{v:.1f}"),
        ui.tr("scores.col.score_band"): [f"{lo:.0f}–{hi:.0f}" for lo, hi in zip(ranked["score_low"], ranked["score_high"])],
        ui.tr("kpi.received"): ranked["received"],
        **{ui.tr(f"kpi.{key}"): [f"{pct(v)}（{band(lo, hi)}）" if pd.notna(v) else "—"
                                 for v, lo, hi in zip(ranked[key], ranked[f"{key}_low"], ranked[f"{key}_high"])]
           for key in weights},
        ui.tr("dash.col.circulars"): ranked["circulars"],
        ui.tr("dash.col.flag"): ranked["flagged"].map(lambda f: ui.tr("dash.below_floor") if f else ""),
    }), hide_index=True, width="stretch")
unranked = everyone[everyone["id"].notna() & (everyone["received"] < kpi.MIN_CASES[group])]
if not unranked.empty:
    st.caption(ui.tr("scores.unranked", n=kpi.MIN_CASES[group],
                     names=ui.tr("list.sep").join(f"{r.name} ({r.received})" for r in unranked.itertuples())))

st.markdown(f"#### {ui.tr('scores.explain')}")
members = everyone[everyone["id"].notna()]
if members.empty:
    st.caption(ui.tr("ledger.empty"))
else:
    picked = st.selectbox(ui.tr("scores.member"), list(members["id"].astype(int)), key=f"sc_member_{group}",
                          format_func=lambda i: members.loc[members["id"] == i, "name"].iloc[0])
    with ui.session() as s:
        found = kpi.explain(s, filters, group=group, member_id=int(picked))
    m1, m2, m3 = st.columns(3)
    m1.metric(ui.tr("dash.col.score"), "—" if found["score"] is None else f"{found['score']:.1f}", border=True)
    m2.metric(ui.tr("dash.col.rank"), "—" if found["rank"] is None else f"{found['rank']} / {found['ranked']}",
              border=True)
    m3.metric(ui.tr("kpi.received"), f"{found['received']:,}", border=True)
    if found["score"] is None:
        st.warning(ui.tr("scores.below_minimum", n=found["minimum"], received=found["received"]))
    else:
        lo, hi = found["score_band"]
        st.caption(ui.tr("scores.score_band", low=f"{lo:.1f}", high=f"{hi:.1f}"))
    st.dataframe(pd.DataFrame([{
        ui.tr("scores.col.rate"): ui.tr(f"kpi.{p['rate']}"),
        ui.tr("scores.col.counts"): f"{p['count']:,} / {p['base']:,}",
        ui.tr("scores.col.value"): pct(p["value"]) if p["value"] is not None else
        ui.tr("scores.county_value", v=pct(p["county"])),
        ui.tr("scores.col.band"): band(*p["band"]) if p["band"] else "—",
        ui.tr("scores.col.weight"): f"{p['weight']:.0%}" + (ui.tr("scores.inverted") if p["rate"] in kpi.INVERTED else ""),
        ui.tr("scores.col.points"): p["points"],
    } for p in found["parts"]]), hide_index=True, width="stretch")
    st.caption(ui.tr("scores.circulars", n=found["circulars"]))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{ui.tr('scores.returned', n=len(found['returned']))}**")
        if not found["returned"].empty:
            st.dataframe(found["returned"][["tracking_code", "title", "returns"]].rename(columns={
                "tracking_code": ui.tr("col.tracking_code"), "title": ui.tr("col.title"),
                "returns": ui.tr("supervision.col.returns")}), hide_index=True, width="stretch")
    with right:
        if group == "unit":
            st.markdown(f"**{ui.tr('scores.misroutes', n=len(found['misroutes']))}**")
            if not found["misroutes"].empty:
                st.dataframe(found["misroutes"][["tracking_code", "title", "reason"]].rename(columns={
                    "tracking_code": ui.tr("col.tracking_code"), "title": ui.tr("col.title"),
                    "reason": ui.tr("field.reason")}), hide_index=True, width="stretch")

st.divider()
st.markdown(f"#### {ui.tr('scores.assessment')}")
year = st.selectbox(ui.tr("scores.year"), list(range(today.year, today.year - 4, -1)), key="sc_assess_year",
                    format_func=str)
with ui.session() as s:
    assessed = kpi.assessment(s, year)
for group_key in ("township", "unit"):
    frame = assessed[group_key]
    st.markdown(f"**{ui.tr(f'scores.assessment.{group_key}')}**")
    if frame.empty:
        st.caption(ui.tr("ledger.empty"))
        continue
    st.dataframe(pd.DataFrame({
        ui.tr("dash.col.rank"): frame["rank"].map(lambda r: "" if pd.isna(r) else int(r)),
        ui.tr("dash.col.name"): frame["name"],
        ui.tr("dash.col.score"): frame["score"].map(lambda v: ui.tr("scores.not_scored") if pd.isna(v) else f"{v:.1f}"),
        ui.tr("dash.col.circulars"): frame["circulars"],
        ui.tr("dash.col.flag"): [ui.tr("scores.list.most") if m else ui.tr("scores.list.lowest") if low else ""
                                 for m, low in zip(frame["most_circulars"], frame["lowest"])],
    }), hide_index=True, width="stretch")
    most = ui.tr("list.sep").join(frame.loc[frame["most_circulars"], "name"]) or ui.tr("scores.list.nobody")
    lowest = ui.tr("list.sep").join(frame.loc[frame["lowest"], "name"]) or ui.tr("scores.list.nobody")
    st.markdown(ui.md(ui.tr(f"scores.most.{group_key}", names=most)))
    st.markdown(ui.md(ui.tr(f"scores.lowest.{group_key}", names=lowest)))

st.divider()
ui.settings_form(user, "score.", key="sc_weights", title=ui.tr("scores.weights"))
