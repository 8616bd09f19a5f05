"""每月一题: candidate topics — the largest clusters of similar cases of the last three months, with
their words and month-by-month counts — from which a leader picks the month's topic and its plan;
the chosen topic's cases, those still coming included, tracked together."""
import pandas as pd
import streamlit as st

from core import kpi, ledger, topics, ui
from core.clock import local_now
from core.errors import DomainError

user = ui.require_page("topics")
now = local_now()
this_month = now.date().replace(day=1)
months = [this_month, kpi.months_around(this_month, back=0, ahead=1)[1]]
month = st.segmented_control(ui.tr("topics.month"), months, default=this_month, key="tp_month",
                             format_func=lambda m: f"{m:%Y-%m}") or this_month
with ui.session() as s:
    chosen = {t.month: t for t in topics.topics(s)}
topic = chosen.get(month)

if topic is not None:
    with ui.session() as s:
        state = topics.progress(s, user=user, topic=topic, now=now)
    st.subheader(ui.tr("topics.chosen", month=f"{topic.month:%Y-%m}", title=topic.title, words=topic.words or "—"))
    st.markdown(ui.md(ui.tr("topics.plan", plan=topic.plan)))
    st.caption(ui.tr("topics.by", by=state["chosen_by"], at=f"{topic.chosen_at:%Y-%m-%d %H:%M}"))
    st.info(ui.tr("topics.counts", cases=state["cases"], open=state["open"], closed=state["closed"],
                  overdue=state["overdue"], since=state["since_chosen"]))
    by_month = state["by_month"].assign(month=state["by_month"]["month"].map(lambda m: f"{m:%Y-%m}"))
    st.bar_chart(by_month.set_index("month")["received"], y_label=ui.tr("topics.received"), height=220)
    with ui.session() as s:
        _total, rows = ledger.list_cases(s, user=user, filters=ledger.LedgerFilter(), now=now, page_size=100,
                                         extra=topics.cases_of(topic))
    ui.case_table(rows, ["tracking_code", "received_at", "title", "unit", "status", "due_at", "flags"],
                  key=f"tp_cases_{topic.id}")
else:
    start, after = topics.window(month)
    with ui.session() as s:
        found = topics.candidates(s, user=user, month=month)
    st.caption(ui.tr("topics.window", start=f"{start:%Y-%m}", end=f"{kpi.months_around(after, back=1)[0]:%Y-%m}",
                     n=topics.MIN_CASES))
    if not found:
        st.info(ui.tr("topics.none"))
    else:
        picked = st.dataframe(pd.DataFrame({
            ui.tr("topics.col.cluster"): [f"{c.township} · {c.category_en if ui.lang() == 'en' else c.category}"
                                          for c in found],
            ui.tr("topics.col.cases"): [c.cases for c in found],
            ui.tr("topics.col.trend"): [" → ".join(str(n) for n in c.by_month) for c in found],
            ui.tr("topics.col.rising"): [ui.tr("topics.rising") if c.rising else "" for c in found],
            ui.tr("topics.col.words"): ["、".join(c.words) for c in found],
        }), hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"tp_table_{month}")
        rows = picked.selection.rows if picked else []
        if not user.has(*topics.PICKERS):
            st.caption(ui.tr("topics.leaders_pick"))
        elif not rows:
            st.caption(ui.tr("topics.pick_row"))
        else:
            c = found[rows[0]]
            with st.form(f"tp_form_{month}"):
                st.markdown(f"**{c.township} · {c.category}**　{'、'.join(c.words)}")
                plan = st.text_area(ui.tr("field.plan"), key="tp_plan", max_chars=1000,
                                    placeholder=ui.tr("topics.plan_hint"))
                if st.form_submit_button(ui.tr("topics.pick"), type="primary"):
                    try:
                        with ui.session() as s:
                            made = topics.pick(s, actor=user, month=month, category_id=c.category_id,
                                               township_id=c.township_id, words="、".join(c.words), plan=plan,
                                               now=local_now())
                            s.commit()
                            ui.flash(ui.tr("topics.picked", month=f"{month:%Y-%m}", title=made.title))
                        st.rerun()
                    except DomainError as exc:
                        ui.show_error(exc)

earlier = [t for m, t in chosen.items() if m < this_month]
if earlier:
    st.divider()
    st.markdown(f"#### {ui.tr('topics.past')}")
    for t in earlier:
        with ui.session() as s:
            state = topics.progress(s, user=user, topic=t, now=now)
        st.markdown(ui.md(ui.tr("topics.chosen", month=f"{t.month:%Y-%m}", title=t.title, words=t.words or "—")))
        st.caption(ui.tr("topics.counts", cases=state["cases"], open=state["open"], closed=state["closed"],
                         overdue=state["overdue"], since=state["since_chosen"]))
