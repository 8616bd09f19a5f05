"""批示与答复模板 (admin): the wordings leaders start instructions from and clerks start replies to
residents from — per category or for all; editable, retired rather than deleted."""
import pandas as pd
import streamlit as st

from core import network, templates, ui
from core.clock import local_now
from core.errors import DomainError
from core.models import TemplateKind

actor = ui.require_page("templates")
st.caption(ui.tr("templates.intro", placeholders="、".join("{" + p + "}" for p in templates.PLACEHOLDERS)))
with ui.session() as s:
    categories = network.categories(s)
    rows = templates.all_templates(s)
names = {c.id: (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories}

st.dataframe(pd.DataFrame([{
    ui.tr("col.kind"): ui.lbl(r.kind, TemplateKind), ui.tr("col.category"): names.get(r.category_id, ui.tr("limits.category_all")),
    ui.tr("field.title"): r.title, ui.tr("field.body"): r.body, ui.tr("col.active"): "✓" if r.active else "—",
} for r in rows]), hide_index=True, width="stretch",
    column_config={ui.tr("field.body"): st.column_config.TextColumn(width="large")})

by_id = {r.id: r for r in rows}
editing = st.selectbox(ui.tr("templates.edit"), [None, *by_id], key="tpl_pick",
                       format_func=lambda i: ui.tr("templates.new") if i is None else
                       f"{ui.lbl(by_id[i].kind, TemplateKind)} · {by_id[i].title}")
current = by_id.get(editing)
with st.form(f"tpl_form_{editing}"):  # a form per template: switching loads that template's text
    kinds = [k.value for k in TemplateKind]
    kind = st.selectbox(ui.tr("col.kind"), kinds, index=kinds.index(current.kind) if current else 0,
                        format_func=lambda v: ui.lbl(v, TemplateKind))
    category_ids = [None, *names]
    category = st.selectbox(ui.tr("col.category"), category_ids,
                            index=category_ids.index(current.category_id) if current and current.category_id in names else 0,
                            format_func=lambda v: ui.tr("limits.category_all") if v is None else names[v])
    title = st.text_input(ui.tr("field.title") + " *", value=current.title if current else "",
                          max_chars=templates.TITLE_MAX)
    body = st.text_area(ui.tr("field.body") + " *", value=current.body if current else "",
                        max_chars=templates.BODY_MAX, height=140)
    active = st.checkbox(ui.tr("col.active"), value=current.active if current else True)
    if st.form_submit_button(ui.tr("limits.save"), type="primary"):
        try:
            with ui.session() as s:
                templates.save_template(s, actor=actor, now=local_now(), kind=TemplateKind(kind), title=title,
                                        body=body, category_id=category, active=active, template_id=editing)
                s.commit()
            st.success(ui.tr("limits.saved"))
            st.rerun()
        except DomainError as exc:
            ui.show_error(exc)
