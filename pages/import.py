"""台账导入导出 (clerk, admin): an old ledger in — checked whole, every bad cell listed by row and
column, then imported all-or-nothing — and the whole ledger out in the same columns."""
from itertools import islice

import pandas as pd
import streamlit as st

from core import ledger_io, ui
from core.clock import local_now
from core.errors import DomainError

user = ui.require_page("import")
st.caption(ui.tr("import.intro", columns=", ".join(ledger_io.COLUMNS)))
c1, c2, c3 = st.columns(3)
for col, suffix in ((c1, ".xlsx"), (c2, ".csv")):
    col.download_button(ui.tr("import.template", kind=suffix), data=ledger_io.write_table([ledger_io.TEMPLATE_ROW],
                                                                                       f"t{suffix}"),
                        file_name=f"民情台账模板{suffix}", icon=":material/download:", key=f"imp_tpl_{suffix}")


def whole_ledger() -> bytes:
    """Made on the click, row by row (not kept in the session): the whole ledger as .xlsx."""
    with ui.session() as s:
        return ledger_io.write_table(ledger_io.iter_export_rows(s, user=user), "ledger.xlsx")


c3.download_button(ui.tr("import.export"), data=whole_ledger, file_name=f"民情台账-{local_now():%Y%m%d}.xlsx",
                   icon=":material/table_view:", key="imp_export_dl", type="primary")

n = ui.form_generation("imp")  # a new uploader after an import: the file cannot be imported twice by a click
upload = st.file_uploader(ui.tr("import.file"), type=["csv", "xlsx"], key=f"imp_file_{n}")
if upload is None:
    st.stop()
CHECKED = "imp_checked"  # the first reading of this upload: a rerun does not read the file again
if st.session_state.get(CHECKED, {}).get("file") != upload.file_id:
    try:
        with ui.session() as s:
            before = ledger_io.imported_before(s, upload)
            good, errors = ledger_io.check_file(s, upload, upload.name)
        preview = list(islice(ledger_io.iter_table(upload, upload.name), 20))
        upload.seek(0)
    except DomainError as exc:
        ui.show_error(exc)
        st.stop()
    st.session_state[CHECKED] = {"file": upload.file_id, "before": before, "good": good, "errors": errors,
                                 "preview": preview}
checked = st.session_state[CHECKED]
if checked["before"] is not None:
    st.error(ui.tr("error.import_again", at=f"{checked['before']:%Y-%m-%d %H:%M}"))
    st.stop()
if checked["errors"]:
    st.error(ui.tr("error.import_has_errors", n=len(checked["errors"])))
    st.dataframe(pd.DataFrame([{ui.tr("import.row"): e.row, ui.tr("import.column"): e.column,
                                ui.tr("import.problem"): e.error.message(ui.lang())} for e in checked["errors"]]),
                 hide_index=True, width="stretch")
    st.stop()
good = checked["good"]
st.success(ui.tr("import.preview", n=good))
st.dataframe(pd.DataFrame(checked["preview"]), hide_index=True, width="stretch")
if st.button(ui.tr("import.commit", n=good), type="primary", key="imp_commit"):
    try:
        with ui.session() as s:
            bar = st.progress(0.0, text=ui.tr("import.progress", done=0, n=good))
            written = ledger_io.import_file(
                s, actor=user, source=upload, filename=upload.name, now=local_now(), total=good,
                progress=lambda done, n: bar.progress(done / n, text=ui.tr("import.progress", done=done, n=n)))
            s.commit()
        ui.new_form("imp")
        st.session_state.pop(CHECKED, None)
        ui.flash(ui.tr("import.done", n=written))
        st.rerun()
    except DomainError as exc:
        upload.seek(0)
        ui.show_error(exc)
