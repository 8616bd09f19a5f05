"""督办室: the supervision register (overdue, major, three returns, on the register) with reminder
counts; reminders (催办) to the units of ticked cases; a circular (通报) drafted from them,
downloadable and, once issued, recorded against each unit."""
import math

import pandas as pd
import streamlit as st

from core import network, supervision, ui
from core.clock import local_now
from core.models import CaseAction, CaseStatus, Role

user = ui.require_page("supervision")
now = local_now()
acts = user.has(Role.supervisor)  # leaders and the center read; the office acts (workflow table)

with ui.session() as s:
    units = network.handling_units(s)
    sizes = {r: supervision.register(s, user=user, now=now, reasons=(r,), page_size=1)[0] for r in supervision.REASONS}
ui.counters([(f"supervision.reason.{r}", n) for r, n in sizes.items()])

c1, c2 = st.columns([2, 1])
reasons = c1.multiselect(ui.tr("supervision.reasons"), list(supervision.REASONS), default=list(supervision.REASONS),
                         format_func=lambda r: ui.tr(f"supervision.reason.{r}"), key="sup_reasons")
unit = c2.selectbox(ui.tr("board.unit"), [None, *[u.id for u in units]], key="sup_unit",
                    format_func=lambda v: ui.tr("ledger.all") if v is None else next(u.name for u in units if u.id == v))
page_size = 50
page = st.session_state.get("sup_page", 1)
with ui.session() as s:
    total, rows = supervision.register(s, user=user, now=now, reasons=tuple(reasons) or supervision.REASONS,
                                       unit_id=unit, page=page, page_size=page_size)
st.caption(f"{ui.tr('ledger.count', n=f'{total:,}')} · {ui.tr('supervision.hint')}")

ticked: list[int] = []
if rows.empty:
    st.info(ui.tr("ledger.empty"))
else:
    why = rows.apply(lambda r: " ".join(ui.tr(f"supervision.reason.{k}") for k, on in (
        ("overdue", r["overdue"]), ("major", r["is_major"]), ("circular_due", r["circular_due"]),
        ("on_register", r["on_supervision_register"])) if on), axis=1)
    shown = pd.DataFrame({
        ui.tr("col.tracking_code"): rows["tracking_code"], ui.tr("col.title"): rows["title"],
        ui.tr("col.unit"): rows["unit"].fillna(""), ui.tr("col.status"): rows["status"].map(lambda v: ui.lbl(v, CaseStatus)),
        ui.tr("col.due_at"): rows["due_at"].dt.strftime("%Y-%m-%d %H:%M").fillna(""),
        ui.tr("supervision.col.days_overdue"): rows["days_overdue"],
        ui.tr("supervision.col.reasons"): why,
        ui.tr("supervision.col.returns"): rows["return_count"],
        ui.tr("supervision.col.reminders"): rows["reminders"],
        ui.tr("supervision.col.last_reminded"): pd.to_datetime(rows["last_reminded"]).dt.strftime("%m-%d %H:%M").fillna(""),
    })
    round_ = st.session_state.get("sup_round", 0)  # bulk_round (below) shows the last outcome
    picked = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
                          key=f"sup_table_{round_}",
                          column_config={ui.tr("col.title"): st.column_config.TextColumn(width="large")})
    ticked = list(picked.selection.rows) if picked else []
    if len(ticked) == 1 and st.button(ui.tr("supervision.open", code=rows.iloc[ticked[0]]["tracking_code"]),
                                      key="sup_open"):
        st.session_state["case_code"] = rows.iloc[ticked[0]]["tracking_code"]
        st.switch_page("pages/case.py")
st.number_input(ui.tr("ledger.page"), min_value=1, max_value=max(1, math.ceil(total / page_size)), step=1,
                key="sup_page")

ui.bulk_round("sup")

chosen = rows.iloc[ticked] if ticked else rows.iloc[0:0]


def run(action: CaseAction, **params) -> None:
    """The same workflow action on every ticked case, each its own step and event."""
    if chosen.empty:
        st.warning(ui.tr("board.bulk_none"))
        return
    ui.act_on_rows(action, chosen, user=user, key="sup", **params)


left, right = st.columns(2)
with left:
    st.markdown(f"#### {ui.tr('supervision.remind')}")
    st.caption(ui.tr("supervision.remind_hint", n=len(chosen)))
    with st.form("sup_remind"):
        note = st.text_area(ui.tr("field.note") + " *", value=ui.tr("supervision.remind_default"), max_chars=500,
                            key="sup_remind_note")
        if st.form_submit_button(ui.tr("supervision.remind"), type="primary", disabled=not acts):
            run(CaseAction.supervise, note=note)
with right:
    st.markdown(f"#### {ui.tr('supervision.circular')}")
    st.caption(ui.tr("supervision.circular_hint", n=len(chosen)))
    title = st.text_input(ui.tr("field.title"), value=ui.tr("supervision.circular_title"), max_chars=60,
                          key="sup_circular_title")
    intro = st.text_area(ui.tr("field.reason") + " *", value=ui.tr("supervision.circular_intro"), max_chars=1000,
                         key="sup_circular_intro")
    b1, b2 = st.columns(2)
    if not chosen.empty:
        b1.download_button(ui.tr("supervision.circular_download"), icon=":material/print:", mime="text/html",
                           data=supervision.circular_document(chosen, title=title, intro=intro,
                                                              issuer=ui.tr("supervision.issuer"), now=now),
                           file_name=f"通报-{now:%Y%m%d}.html", key="sup_circular_download")
    if b2.button(ui.tr("supervision.circular_issue"), disabled=not acts, key="sup_circular_issue",
                 help=ui.tr("supervision.circular_issue_hint")):
        run(CaseAction.circulate, reason=f"{title}：{intro}")

st.markdown(f"#### {ui.tr('supervision.issued')}")
with ui.session() as s:
    issued = supervision.recent_circulars(s, user=user)
if issued.empty:
    st.caption(ui.tr("ledger.empty"))
else:
    st.dataframe(issued.assign(issued_at=pd.to_datetime(issued["issued_at"]).dt.strftime("%Y-%m-%d %H:%M")).rename(
        columns={"issued_at": ui.tr("case.col.at"), "unit": ui.tr("col.unit"), "tracking_code": ui.tr("col.tracking_code"),
                 "reason": ui.tr("field.reason")}), hide_index=True, width="stretch")
