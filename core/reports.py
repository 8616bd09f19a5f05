"""The county's reports, all from core.kpi: the monthly statistics table per township (S0 附件
统计表) as .xlsx, the ten-day digest grouped by leaders' portfolios (S4 十日信息摘报) as print-ready
HTML, and the quarterly analysis (S0) as .docx with charts."""
from __future__ import annotations

import html
import io
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, select

from core import charts, county_settings, kpi, labels, portfolio, workbook
from core.ledger import is_overdue_clause
from core.models import Case, CaseStatus, Channel, Leader, Unit

MONTHLY_COUNTS = ("closed", "closed_with_deadline", "on_time", "handled", "fed_back", "followed_up", "rated", "satisfied")
MONTHLY_RATES = ("closure_rate", "on_time_rate", "feedback_rate", "satisfaction_rate")  # as core.kpi.RATES defines them


def month_filter(month: str) -> kpi.KpiFilter:
    """'2026-10' → the whole month."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValueError(f"not a month (YYYY-MM): {month!r}") from None
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return kpi.KpiFilter(start=first, end=last)


def monthly_table(session: Session, filters: kpi.KpiFilter, lang: str = labels.DEFAULT_LANGUAGE) -> pd.DataFrame:
    """One row per township: received (in all and by channel), closed, on time, fed back,
    followed up, rated, satisfied; a last row with the county's totals."""
    counted = kpi.cube(session, filters)
    frame = kpi.by_group(session, filters, group="township", counted=counted)
    per_channel = kpi.channels_by_group(counted, group="township")
    rows = []
    for row in frame.itertuples():
        gid = None if pd.isna(row.id) else int(row.id)
        out = {"township": row.name or labels.t("report.no_township", lang), "received": int(row.received)}
        out.update({f"channel:{c.value}": per_channel.get((gid, c.value), 0) for c in Channel})
        out.update({key: int(getattr(row, key)) for key in MONTHLY_COUNTS})
        rows.append(out)
    table = pd.DataFrame(rows, columns=["township", "received", *[f"channel:{c.value}" for c in Channel], *MONTHLY_COUNTS])
    order = {name: i for i, name in enumerate(session.exec(select(Unit.name).order_by(Unit.sort_order, Unit.id)).all())}
    table = table.sort_values("township", key=lambda names: names.map(lambda n: order.get(n, len(order)))) \
        .reset_index(drop=True)
    totals = {"township": labels.t("report.total", lang), **{c: int(table[c].sum()) for c in table.columns[1:]}}
    table = pd.concat([table, pd.DataFrame([totals])], ignore_index=True)
    for key in MONTHLY_RATES:  # the totals row's rates from the totals, not a sum or mean of rates
        num, den = kpi.RATES[key]
        table[key] = [None if d == 0 else n / d for n, d in zip(table[num], table[den])]
    return table


def monthly_headers(lang: str = labels.DEFAULT_LANGUAGE) -> dict[str, str]:
    heads = {"township": labels.t("report.col.township", lang), "received": labels.t("kpi.received", lang)}
    heads.update({f"channel:{c.value}": labels.label(c, lang) for c in Channel})
    heads.update({key: labels.t(f"kpi.{key}", lang) for key in MONTHLY_COUNTS + MONTHLY_RATES})
    return heads


def monthly_xlsx(table: pd.DataFrame, *, title: str, lang: str = labels.DEFAULT_LANGUAGE) -> bytes:
    """The table as a workbook ready to print: a title row, headers, rows, totals in bold (values,
    not formulas, so any reader sees the same numbers), rates as percentages; thin borders, widths
    that fit the headers, the headers frozen and repeated, on one landscape A4 page."""
    from openpyxl.styles import Border, Side
    from openpyxl.utils import get_column_letter
    book = Workbook()
    sheet = book.active
    sheet.title = "月报"
    heads = monthly_headers(lang)
    columns = list(table.columns)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([heads[c] for c in columns])
    for values in table.itertuples(index=False):
        workbook.append_row(sheet, [None if isinstance(v, float) and pd.isna(v) else v for v in values])
    line = Side(style="thin", color="000000")
    for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row, max_col=len(columns)):
        for cell in row:
            cell.border = Border(left=line, right=line, top=line, bottom=line)
            if cell.row == 2:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
            elif columns[cell.column - 1] in MONTHLY_RATES:
                cell.number_format = "0.0%"
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 16 if index == 1 else max(7, min(12, len(heads[column]) * 2 + 1))
    sheet.row_dimensions[2].height = 32
    sheet.freeze_panes = "B3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = sheet.page_setup.fitToHeight = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def digest_periods(day: date) -> tuple[date, date]:
    """The ten-day period holding `day`: 1–10, 11–20, 21–end of month."""
    if day.day <= 10:
        return day.replace(day=1), day.replace(day=10)
    if day.day <= 20:
        return day.replace(day=11), day.replace(day=20)
    return day.replace(day=21), (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def last_finished_digest_period(today: date) -> tuple[date, date]:
    """The digest is written for a period that is over: the one before the period holding today."""
    first, _last = digest_periods(today)
    return digest_periods(first - timedelta(days=1))


def ten_day_digest(session: Session, *, start: date, end: date, now: datetime, county: str,
                   lang: str = labels.DEFAULT_LANGUAGE) -> str:
    """十日信息摘报: for each leader's portfolio, the cases they own received in the period —
    received, closed, still open, overdue now — and the major, urgent or overdue ones by name;
    then the county's figures. Escaped, print-ready HTML."""
    filters = kpi.KpiFilter(start=start, end=end)
    where = kpi.cohort(filters)
    t = lambda key, **v: labels.t(key, lang, **v)  # noqa: E731
    figures = kpi.compute(session, filters, now=now)
    # a case counts under its owner (包案), or, with none yet, under the leader whose portfolio it falls in
    rows = session.exec(select(Case.owner_leader_id, Case.category_id, Case.township_id,
                               sa.case((kpi.CONDITIONS["closed"], 1), else_=0),
                               sa.case((is_overdue_clause(now), 1), else_=0)).where(where)).all()
    owners: dict[tuple, int | None] = {}
    tally: dict[int | None, list[int]] = {}
    for owner, category_id, township_id, closed, overdue in rows:
        if owner is None:
            pair = (category_id, township_id)
            if pair not in owners:
                owners[pair] = portfolio.owner_for(session, category_id=category_id, township_id=township_id)
            owner = owners[pair]
        counts = tally.setdefault(owner, [0, 0, 0])
        counts[0], counts[1], counts[2] = counts[0] + 1, counts[1] + closed, counts[2] + overdue
    leaders = session.exec(select(Leader).where(Leader.id.in_([k for k in tally if k is not None] or [-1]))
                           .order_by(Leader.rotation_order, Leader.id)).all()
    parts = [f"<h1>{html.escape(t('report.digest.title', county=county))}</h1>",
             f"<p>{html.escape(t('report.period', start=start.isoformat(), end=end.isoformat()))}</p>",
             f"<p>{html.escape(t('report.digest.summary', received=figures.counts['received'], closed=figures.counts['closed'], overdue=figures.overdue, rate=_pct(figures.rates['closure_rate'])))}</p>"]
    for leader in leaders:
        received, closed, overdue = tally[leader.id]
        parts.append(f"<h2>{html.escape(leader.name)}（{html.escape(leader.title)}）</h2>")
        if leader.duties:
            parts.append(f"<p class='duties'>{html.escape(t('report.digest.portfolio'))}：{html.escape(leader.duties)}</p>")
        parts.append(f"<p>{html.escape(t('report.digest.line', received=received, closed=closed, open=received - closed, overdue=overdue))}</p>")
        mine = [pair for pair, owner in owners.items() if owner == leader.id]
        in_portfolio = sa.or_(Case.owner_leader_id == leader.id, *(
            sa.and_(Case.owner_leader_id.is_(None),
                    Case.category_id.is_(None) if c is None else Case.category_id == c,
                    Case.township_id.is_(None) if tw is None else Case.township_id == tw) for c, tw in mine))
        key_cases = session.exec(
            select(Case.tracking_code, Case.title, Case.status, Unit.name)
            .join(Unit, Unit.id == Case.unit_id, isouter=True)
            .where(where, in_portfolio, sa.or_(Case.is_major, Case.is_urgent, is_overdue_clause(now)))
            .order_by(Case.received_at).limit(10)).all()
        if key_cases:
            items = "".join(f"<li>{html.escape(code)} {html.escape(title_)} — {html.escape(unit or '')} "
                            f"（{html.escape(labels.label(status, lang, CaseStatus))}）</li>" for code, title_, status, unit in key_cases)
            parts.append(f"<ul>{items}</ul>")
    unowned = tally.get(None, [0])[0]
    parts.append(f"<p>{html.escape(t('report.digest.unowned', n=unowned))}</p>")
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(t('report.digest.title', county=county))}</title>"
            "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:2.5em;line-height:1.6}h1{text-align:center}"
            "h2{border-bottom:1px solid #999;margin-top:1.5em}.duties{color:#555}</style></head><body>"
            + "".join(parts) + "</body></html>")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def quarter_filter(quarter: str) -> kpi.KpiFilter:
    """'2026Q3' → July 1 to September 30."""
    try:
        year, q = int(quarter[:4]), int(quarter[-1])
        assert quarter[4].upper() == "Q" and 1 <= q <= 4 and len(quarter) == 6
    except (ValueError, AssertionError, IndexError):
        raise ValueError(f"not a quarter (YYYYQn): {quarter!r}") from None
    first = date(year, 3 * q - 2, 1)
    last = (date(year, 3 * q, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return kpi.KpiFilter(start=first, end=last)


OFFICIAL_BODY_FONT, OFFICIAL_HEADING_FONT = "仿宋_GB2312", "黑体"  # 党政机关公文格式 GB/T 9704


def _official_style(doc) -> None:
    """A4 with the margins of GB/T 9704, 仿宋 body text at 16 pt (三号), 黑体 headings in black."""
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    for name, font, size in (("Normal", OFFICIAL_BODY_FONT, 16), ("Title", "方正小标宋简体", 22),
                             ("Heading 1", OFFICIAL_HEADING_FONT, 16), ("Heading 2", "楷体_GB2312", 16)):
        style = doc.styles[name]
        style.font.name, style.font.size = font, Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.bold = False
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _table(doc, heads: list[str], rows: list[list[str]]) -> None:
    from docx.shared import Pt
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, heads):
        cell.text = head
    for values in rows:
        for cell, value in zip(table.add_row().cells, values):
            cell.text = value
    for row in table.rows:  # tables in 四号 so that a row fits the page
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(12)


def quarterly_docx(session: Session, filters: kpi.KpiFilter, *, now: datetime, county: str,
                   lang: str = labels.DEFAULT_LANGUAGE) -> bytes:
    """The quarterly analysis in the style of an official document: a written summary of the
    quarter's figures, every KPI, the trend and the breakdowns as charts, townships and categories
    as tables, the full rankings of townships and units (every rank, numbered once)."""
    import vl_convert
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    t = lambda key, **v: labels.t(key, lang, **v)  # noqa: E731
    counted = kpi.cube(session, filters)  # one scan of the quarter; every figure and table is summed from it
    figures = kpi.compute(session, filters, now=now, counted=counted)
    rates = figures.rates
    breakdowns = {group: kpi.by_group(session, filters, group=group, counted=counted)
                  for group in ("township", "category")}
    doc = Document()
    _official_style(doc)
    doc.add_heading(t("report.quarterly.title", county=county), level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(t("report.period", start=filters.start.isoformat(), end=filters.end.isoformat())
                      ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading(t("report.quarterly.summary_head"), level=1)
    summary = t("report.quarterly.summary", received=f"{figures.counts['received']:,}", closed=f"{figures.counts['closed']:,}",
                closure=_pct(rates["closure_rate"]), on_time=_pct(rates["on_time_rate"]),
                feedback=_pct(rates["feedback_rate"]), satisfaction=_pct(rates["satisfaction_rate"]),
                backlog=f"{figures.backlog:,}", overdue=f"{figures.overdue:,}")
    townships = breakdowns["township"]
    townships = townships[townships["id"].notna() & townships["closure_rate"].notna()]
    if len(townships) >= 2:
        ordered = townships.sort_values("closure_rate", ascending=False)
        best, worst = ordered.iloc[0], ordered.iloc[-1]
        summary += t("report.quarterly.best_worst", best=best["name"], best_rate=_pct(best["closure_rate"]),
                     worst=worst["name"], worst_rate=_pct(worst["closure_rate"]))
    doc.add_paragraph(summary).paragraph_format.first_line_indent = Cm(1.1)
    doc.add_heading(t("report.quarterly.kpis"), level=1)
    rows = [[t(f"kpi.{key}"), _pct(rates[key]), f"{figures.counts[num]:,} / {figures.counts[den]:,}"]
            for key, (num, den) in kpi.RATES.items()]
    for key, value in (("received", figures.counts["received"]), ("backlog", figures.backlog),
                       ("overdue", figures.overdue), ("participation_rate", _pct(rates["participation_rate"])),
                       ("response_median", figures.response_hours["median"]),
                       ("handling_median", figures.handling_hours["median"]),
                       ("handling_p90", figures.handling_hours["p90"])):
        rows.append([t(f"kpi.{key}"), "—" if value is None else str(value), ""])
    _table(doc, [t("report.col.kpi"), t("report.col.value"), t("report.col.basis")], rows)
    trend, _left_out = kpi.full_weeks(kpi.weekly(session, filters))
    if not trend.empty:
        doc.add_heading(t("dash.weekly"), level=1)
        spec = charts.weekly_trend(trend, received=t("kpi.received"), closed=t("kpi.closed"), week=t("dash.week"))
        doc.add_picture(io.BytesIO(vl_convert.vegalite_to_png(spec.properties(width=560).to_dict(), scale=2)), width=Cm(15.6))
    for group in ("township", "category"):
        frame = breakdowns[group]
        frame = frame[frame["id"].notna()]
        if frame.empty:
            continue
        if lang == "en":
            frame = frame.assign(name=frame["name_en"])
        doc.add_heading(t(f"dash.by_{group}"), level=1)
        spec = charts.breakdown(frame.head(15), received=t("kpi.received"), closure=t("kpi.closure_rate"))
        doc.add_picture(io.BytesIO(vl_convert.vegalite_to_png(spec.properties(width=520).to_dict(), scale=2)), width=Cm(15))
        _table(doc, [t(h) for h in ("dash.col.name", "kpi.received", "kpi.closure_rate", "kpi.on_time_rate",
                                    "kpi.satisfaction_rate")],
               [[str(row.name), f"{row.received:,}", _pct(row.closure_rate), _pct(row.on_time_rate),
                 _pct(row.satisfaction_rate)] for row in frame.itertuples()])
    for group in ("township", "unit"):
        ranked = kpi.ranking(session, filters, group=group, counted=counted)
        if ranked.empty:
            continue
        doc.add_heading(t(f"report.quarterly.rank_{group}"), level=1)
        doc.add_paragraph(t("dash.rank_rule", n=kpi.MIN_CASES[group], floor=kpi.SCORE_FLOOR,
                            **kpi.score_rule(county_settings.score_weights(session))))
        _table(doc, [t("dash.col.rank"), t("dash.col.name"), t("dash.col.score"), t("kpi.received")],
               [[str(row.rank), str(row.name) + (f"（{t('dash.below_floor')}）" if row.flagged else ""),
                 f"{row.score:.1f}", f"{row.received:,}"] for row in ranked.itertuples()])
    doc.add_paragraph(t("report.quarterly.issued", county=county, day=f"{now:%Y年%m月%d日}" if lang == "zh"
                        else f"{now:%Y-%m-%d}")).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
