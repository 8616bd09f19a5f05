"""分类关键词 (admin): the words that point intake's suggestions to a category and, optionally,
a handling unit; the classifier trained on past cases does the rest."""
import pandas as pd
import streamlit as st

from core import network, suggest, ui
from core.clock import local_now
from core.errors import DomainError

actor = ui.require_page("keywords")
st.caption(ui.tr("keywords.intro"))
with ui.session() as s:
    categories = network.categories(s)
    units = {u.id: u.name for u in network.handling_units(s)}
    rules = suggest.keyword_rules(s)
names = {c.id: (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories}
st.dataframe(pd.DataFrame([{ui.tr("field.keyword"): r.keyword, ui.tr("col.category"): names.get(r.category_id, ""),
                            ui.tr("col.unit"): units.get(r.unit_id, ""), ui.tr("field.weight"): r.weight,
                            ui.tr("col.active"): "✓" if r.active else "—"} for r in rules]),
             hide_index=True, width="stretch", height=320)
by_id = {r.id: r for r in rules}
editing = st.selectbox(ui.tr("keywords.edit"), [None, *by_id], key="kw_pick",
                       format_func=lambda i: ui.tr("templates.new") if i is None else
                       f"{by_id[i].keyword} → {names.get(by_id[i].category_id, '')}")
current = by_id.get(editing)
with st.form(f"kw_form_{editing}"):
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
    keyword = c1.text_input(ui.tr("field.keyword") + " *", value=current.keyword if current else "", max_chars=30)
    category_ids = list(names)
    category = c2.selectbox(ui.tr("col.category") + " *", category_ids, format_func=names.get,
                            index=category_ids.index(current.category_id) if current and current.category_id in names else 0)
    unit_ids = [None, *units]
    unit = c3.selectbox(ui.tr("col.unit"), unit_ids, format_func=lambda i: "—" if i is None else units[i],
                        index=unit_ids.index(current.unit_id) if current and current.unit_id in units else 0)
    weight = c4.number_input(ui.tr("field.weight"), min_value=1, max_value=5, value=current.weight if current else 1)
    active = st.checkbox(ui.tr("col.active"), value=current.active if current else True)
    if st.form_submit_button(ui.tr("limits.save"), type="primary"):
        try:
            with ui.session() as s:
                suggest.save_keyword_rule(s, actor=actor, now=local_now(), keyword=keyword, category_id=category,
                                          unit_id=unit, weight=int(weight), active=active, rule_id=editing)
                s.commit()
            st.success(ui.tr("limits.saved"))
            st.rerun()
        except DomainError as exc:
            ui.show_error(exc)
