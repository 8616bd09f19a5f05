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

from core import charts, kpi, labels, portfolio
from core.ledger import is_overdue_clause
from core.models import Case, CaseStatus, Channel, Leader, Unit

MONTHLY_COUNTS = ("closed", "on_time", "fed_back", "followed_up", "rated", "satisfied")


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
    return pd.concat([table, pd.DataFrame([totals])], ignore_index=True)


def monthly_headers(lang: str = labels.DEFAULT_LANGUAGE) -> dict[str, str]:
    heads = {"township": labels.t("report.col.township", lang), "received": labels.t("kpi.received", lang)}
    heads.update({f"channel:{c.value}": labels.label(c, lang) for c in Channel})
    heads.update({key: labels.t(f"kpi.{key}", lang) for key in MONTHLY_COUNTS})
    return heads


def monthly_xlsx(table: pd.DataFrame, *, title: str, lang: str = labels.DEFAULT_LANGUAGE) -> bytes:
    """The table as a workbook ready to print: a title row, headers, rows, totals in bold (values,
    not formulas, so any reader sees the same numbers)."""
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
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
    for values in table.itertuples(index=False):
        sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
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


def quarterly_docx(session: Session, filters: kpi.KpiFilter, *, now: datetime, county: str,
                   lang: str = labels.DEFAULT_LANGUAGE) -> bytes:
    """The quarterly analysis: every KPI, the trend and the breakdowns as charts, townships and
    categories as tables, the rankings' top and bottom, the hot spots."""
    import vl_convert
    from docx import Document
    from docx.shared import Cm

    t = lambda key, **v: labels.t(key, lang, **v)  # noqa: E731
    figures = kpi.compute(session, filters, now=now)
    doc = Document()
    doc.add_heading(t("report.quarterly.title", county=county), level=0)
    doc.add_paragraph(t("report.period", start=filters.start.isoformat(), end=filters.end.isoformat()))
    doc.add_heading(t("report.quarterly.kpis"), level=1)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Light Grid Accent 1"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text, table.rows[0].cells[2].text = (
        t("report.col.kpi"), t("report.col.value"), t("report.col.basis"))
    for key, (num, den) in kpi.RATES.items():
        cells = table.add_row().cells
        cells[0].text, cells[1].text = t(f"kpi.{key}"), _pct(figures.rates[key])
        cells[2].text = f"{figures.counts[num]:,} / {figures.counts[den]:,}"
    for key, value in (("received", figures.counts["received"]), ("backlog", figures.backlog),
                       ("overdue", figures.overdue), ("participation_rate", _pct(figures.rates["participation_rate"])),
                       ("response_median", figures.response_hours["median"]),
                       ("handling_median", figures.handling_hours["median"]),
                       ("handling_p90", figures.handling_hours["p90"])):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = t(f"kpi.{key}"), "—" if value is None else str(value)
    trend = kpi.weekly(session, filters)
    if not trend.empty:
        doc.add_heading(t("dash.weekly"), level=1)
        spec = charts.weekly_trend(trend, received=t("kpi.received"), closed=t("kpi.closed"), week=t("dash.week"))
        doc.add_picture(io.BytesIO(vl_convert.vegalite_to_png(spec.properties(width=560).to_dict(), scale=2)), width=Cm(16))
    for group in ("township", "category"):
        frame = kpi.by_group(session, filters, group=group)
        frame = frame[frame["id"].notna()]
        if frame.empty:
            continue
        doc.add_heading(t(f"dash.by_{group}"), level=1)
        spec = charts.breakdown(frame.head(15), received=t("kpi.received"), closure=t("kpi.closure_rate"))
        doc.add_picture(io.BytesIO(vl_convert.vegalite_to_png(spec.properties(width=520).to_dict(), scale=2)), width=Cm(15))
        rows = doc.add_table(rows=1, cols=5)
        rows.style = "Light Grid Accent 1"
        for cell, head in zip(rows.rows[0].cells, ("dash.col.name", "kpi.received", "kpi.closure_rate",
                                                   "kpi.on_time_rate", "kpi.satisfaction_rate")):
            cell.text = t(head)
        for row in frame.itertuples():
            cells = rows.add_row().cells
            cells[0].text, cells[1].text = str(row.name), f"{row.received:,}"
            cells[2].text, cells[3].text = _pct(row.closure_rate), _pct(row.on_time_rate)
            cells[4].text = _pct(row.satisfaction_rate)
    ranked = kpi.ranking(session, filters, group="unit")
    if not ranked.empty:
        doc.add_heading(t("dash.rankings"), level=1)
        doc.add_paragraph(t("dash.rank_rule", n=kpi.MIN_CASES["unit"], floor=kpi.SCORE_FLOOR))
        for row in pd.concat([ranked.head(5), ranked.tail(5)]).drop_duplicates("id").itertuples():
            doc.add_paragraph(f"{row.rank}. {row.name}  {row.score:.1f}"
                              + (f"  {t('dash.below_floor')}" if row.flagged else ""), style="List Number")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
