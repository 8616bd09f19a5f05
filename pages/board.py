"""工作队列: the lists of cases waiting for the user's roles — to draft, order, accept, review,
feed back, close; returned, overdue, supervised — nearest deadline first, filtered, paged."""
import math

import streamlit as st

from core import board, ledger, network, ui
from core.auth import sees_personal_data
from core.clock import local_now
from core.models import Priority

user = ui.require_page("board")
now = local_now()
with ui.session() as s:
    counts = dict(board.counts(s, user=user, now=now))
    townships = network.townships(s)
    categories = network.categories(s)
    units = network.handling_units(s)

keys = list(counts)
queue = st.segmented_control(ui.tr("board.queue"), keys, default=keys[0] if keys else None,
                             format_func=lambda k: f"{ui.tr(f'queue.{k}')} {counts[k]}", key="board_queue")
queue = queue or (keys[0] if keys else None)
if queue is None:
    st.stop()

all_ = ui.tr("ledger.all")
c1, c2, c3, c4, c5 = st.columns([1, 1, 1.4, 1, 1])
township = c1.selectbox(ui.tr("ledger.township"), [None, *[t.id for t in townships]], key="board_township",
                        format_func=lambda v: all_ if v is None else next(t.name for t in townships if t.id == v))
category = c2.selectbox(ui.tr("ledger.category"), [None, *[c.id for c in categories]], key="board_category",
                        format_func=lambda v: all_ if v is None else next(
                            (c.name_en if ui.lang() == "en" else c.name_zh) for c in categories if c.id == v))
unit = c3.selectbox(ui.tr("board.unit"), [None, *[u.id for u in units]], key="board_unit",
                    format_func=lambda v: all_ if v is None else next(u.name for u in units if u.id == v))
priority = c4.selectbox(ui.tr("board.priority"), [None, *[p.value for p in Priority]], key="board_priority",
                        format_func=lambda v: all_ if v is None else ui.lbl(v, Priority))
only_overdue = c5.toggle(ui.tr("ledger.only_overdue"), key="board_overdue")

filters = ledger.LedgerFilter(township_id=township, category_id=category, unit_id=unit, priority=priority,
                              only_overdue=only_overdue)
page_size = 50
page = st.session_state.get("board_page", 1)
with ui.session() as s:
    total, rows = ledger.list_cases(s, user=user, filters=filters, now=now, page=page, page_size=page_size,
                                    extra=board.condition(s, user=user, key=queue, now=now), by_deadline=True)
st.caption(f"{ui.tr('ledger.count', n=f'{total:,}')} · {ui.tr('board.hint')}")
columns = ["tracking_code", "due_at", "flags", "title", "township", "category", "unit", "status", "received_at"]
if sees_personal_data(user):
    columns[4:4] = ["reporter", "phone"]
ui.case_table(rows, columns, key=f"board_table_{queue}")
st.number_input(ui.tr("ledger.page"), min_value=1, max_value=max(1, math.ceil(total / page_size)), step=1,
                key="board_page")
