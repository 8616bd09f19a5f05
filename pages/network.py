"""联络网络: the units tree, leaders and liaisons with their appointment letters."""
import streamlit as st

from core import network, ui
from core.models import LiaisonSource, UnitKind

ui.require_page("network")
with ui.session() as s:
    counts = network.unit_counts(s)
    units = network.units_frame(s)
    leaders = network.leaders_frame(s)
    liaisons = network.liaisons_frame(s)

st.markdown(f"#### {ui.tr('network.summary')}")
cols = st.columns(max(1, len(counts)))
for col, (kind, n) in zip(cols, counts.items()):
    col.metric(ui.lbl(kind, UnitKind), n, border=True)

tab_units, tab_leaders, tab_liaisons = st.tabs([ui.tr("network.units"), ui.tr("network.leaders"),
                                                ui.tr("network.liaisons")])
with tab_units:
    st.dataframe(units.assign(kind=units["kind"].map(lambda v: ui.lbl(v, UnitKind)))[["name", "kind", "parent", "code"]]
                 .rename(columns={"name": ui.tr("col.name"), "kind": ui.tr("col.kind"),
                                  "parent": ui.tr("col.parent"), "code": "code"}),
                 hide_index=True, width="stretch")
with tab_leaders:
    st.dataframe(leaders[["name", "title", "duties"]].rename(
        columns={"name": ui.tr("col.display_name"), "title": ui.tr("col.position"), "duties": ui.tr("col.duties")}),
        hide_index=True, width="stretch")
with tab_liaisons:
    st.dataframe(liaisons.assign(source=liaisons["source"].map(lambda v: ui.lbl(v, LiaisonSource)))[
        ["name", "phone", "township", "station", "source", "appointment_no"]].rename(
        columns={"name": ui.tr("col.display_name"), "phone": ui.tr("col.phone"), "township": ui.tr("col.township"),
                 "station": ui.tr("col.station"), "source": ui.tr("col.source"),
                 "appointment_no": ui.tr("col.appointment")}),
        hide_index=True, width="stretch")
