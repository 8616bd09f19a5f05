"""公开栏 (S0, "results shown to the public"): what a township's residents may read about their
matters without an account — the cases closed in a period with their result, and the township's
four 100 % figures — on a public page and as a printable sheet for the notice board.

No personal data: no names, phones, addresses or residents' own words (a case's content and title
are what a resident said). The result text is the unit's, but may quote the resident: phone-like
digit runs and the reporter's name are masked in it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from core import kpi
from core.labels import t
from core.models import Case, Category, Unit, UnitKind

NUMBER_RUN = re.compile(r"\d[\d\s-]*\d")  # digits, spaces and dashes between them allowed
DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
MASK = "＊＊"
ROWS_MAX = 300  # a notice board, not a ledger: the newest closes of the period


@dataclass(frozen=True)
class BoardRow:
    code: str
    category: str
    village: str
    received: date
    closed: date
    result: str


@dataclass(frozen=True)
class Board:
    township: str
    start: date
    end: date
    rows: list[BoardRow]
    closed_total: int  # all closes of the period, even past ROWS_MAX
    kpis: kpi.Kpis


def masked(text: str | None, *, names: list[str | None]) -> str:
    """The text with phone and ID numbers (seven digits or more; a date such as 2026-11-01 stays)
    and the given names (two characters or more) masked."""
    def number(match: re.Match) -> str:
        run = match.group(0)
        digits = sum(ch.isdigit() for ch in run)
        return run if digits < 7 or DATE.fullmatch(run) else MASK

    text = NUMBER_RUN.sub(number, text or "")
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, MASK)
    return text


def periods(today: date) -> dict[str, tuple[date, date]]:
    """What a board is posted for: last month by default (a month's results, once it is over)."""
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    return {"last_month": (last_month_end.replace(day=1), last_month_end), "month": (first, today),
            "quarter": (date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today),
            "year": (date(today.year, 1, 1), today)}


def board(session: Session, *, township_id: int, start: date, end: date, lang: str, now) -> Board:
    """Cases of the township closed in [start, end] (newest first), and its four 100 % for the cases
    received in the period (the dashboard's definitions, core.kpi)."""
    township = session.get(Unit, township_id)
    if township is None or township.kind not in (UnitKind.township, UnitKind.community):
        raise ValueError(f"not a township: {township_id}")
    filters = kpi.KpiFilter(start=start, end=end, township_id=township_id)
    village = aliased(Unit)
    closed = [Case.township_id == township_id, Case.status.in_(kpi.CLOSED),
              Case.closed_at >= filters.since, Case.closed_at < filters.until]
    total = session.exec(select(func.count()).select_from(Case).where(*closed)).one()
    found = session.exec(
        select(Case.tracking_code, Case.reporter_name, Case.result_summary, Case.received_at, Case.closed_at,
               Category, village.name)
        .outerjoin(Category, Category.id == Case.category_id).outerjoin(village, village.id == Case.village_id)
        .where(*closed).order_by(Case.closed_at.desc(), Case.id.desc()).limit(ROWS_MAX)).all()
    rows = [BoardRow(code=code, category=(label_of(category, lang) if category else ""), village=village_name or "",
                     received=received.date(), closed=closed_at.date(),
                     result=masked(result, names=[reporter]))
            for code, reporter, result, received, closed_at, category, village_name in found]
    return Board(township=township.name, start=start, end=end, rows=rows, closed_total=total,
                 kpis=kpi.compute(session, filters, now=now))


def label_of(category: Category, lang: str) -> str:
    return category.name_en if lang == "en" else category.name_zh


def figures(b: Board) -> list[tuple[str, str, str]]:
    """(key, rate as text, "count / base") of the four 100 % (kpi.FOUR_100), as the dashboard has them."""
    k, shown = b.kpis, []
    for key in kpi.FOUR_100:
        count, base = (k.counts[c] for c in kpi.RATES[key]) if key in kpi.RATES else k.participation
        value = k.rates[key]
        shown.append((key, "—" if value is None else f"{value:.1%}", f"{count:,} / {base:,}"))
    return shown


STYLE = """
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans CJK SC", "SimHei", sans-serif; font-size: 10.5pt; color: #000; }
h1 { text-align: center; font-size: 20pt; letter-spacing: 0.2em; margin: 0 0 2mm; }
.period { text-align: center; margin-bottom: 4mm; }
.four { display: flex; gap: 3mm; margin-bottom: 5mm; }
.four div { flex: 1; border: 1px solid #000; padding: 2mm; text-align: center; }
.four b { display: block; font-size: 16pt; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: 1.5mm 2mm; vertical-align: top; }
th { background: #f0f0f0; font-weight: normal; }
td.result { white-space: pre-wrap; }
.foot { margin-top: 4mm; font-size: 9pt; }
"""


def sheet_html(b: Board, *, county: str, lang: str) -> str:
    """The board as one printable page (escaped: the units' words are shown as text, never run)."""
    four = "".join(f"<div>{escape(t(f'kpi.{key}', lang))}<b>{escape(value)}</b>{escape(count)}</div>"
                   for key, value, count in figures(b))
    head = "".join(f"<th>{escape(t(k, lang))}</th>" for k in
                   ("case.code", "board.col.category", "board.col.village", "board.col.received", "board.col.closed",
                    "case.label.result"))
    body = "".join(
        f"<tr><td>{escape(r.code)}</td><td>{escape(r.category)}</td><td>{escape(r.village)}</td>"
        f"<td>{r.received.isoformat()}</td><td>{r.closed.isoformat()}</td><td class=\"result\">{escape(r.result)}</td></tr>"
        for r in b.rows)
    title = t("board.sheet_title", lang, county=county, township=b.township)
    more = t("board.more", lang, shown=len(b.rows), n=b.closed_total) if b.closed_total > len(b.rows) else ""
    return (f"<!DOCTYPE html><html lang=\"{'en' if lang == 'en' else 'zh-CN'}\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"<div class=\"period\">{escape(t('board.period', lang, start=b.start.isoformat(), end=b.end.isoformat()))}"
            f"</div><div class=\"four\">{four}</div><table><tr>{head}</tr>{body}</table>"
            f"<div class=\"foot\">{escape(more)} {escape(t('board.foot', lang))}</div></body></html>")

