"""Printable sheets of a case as print-ready HTML (A4, opens in any browser, 打印 → PDF):
the dispatch notice (交办单) and the handling-report sheet (办理报告单). Every value is escaped:
residents' words are shown as text, never run."""
from __future__ import annotations

from datetime import datetime
from html import escape

from core.casefile import CaseFile
from core.labels import label
from core.models import CaseStatus, Priority, Tier, Truthfulness

STYLE = """
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "SimSun", serif; font-size: 11pt; color: #000; }
h1 { text-align: center; font-size: 18pt; letter-spacing: 0.3em; margin: 0 0 4mm; }
.meta { display: flex; justify-content: space-between; margin-bottom: 3mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: 2.5mm 3mm; vertical-align: top; }
th { width: 22%; font-weight: normal; background: #f3f3f3; text-align: center; }
td { white-space: pre-wrap; }
td.tall { height: 28mm; }
.sign { height: 22mm; }
"""


def _when(value: datetime | None) -> str:
    return f"{value:%Y年%m月%d日 %H:%M}" if value else ""


def _page(title: str, code: str, issuer: str, rows: list[tuple[str, str, bool]]) -> str:
    tall_cell = ' class="tall"'
    body = "\n".join(
        f"<tr><th>{escape(name)}</th><td{tall_cell if tall else ''}>{escape(value or '')}</td></tr>"
        for name, value, tall in rows)
    return (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{escape(title)} {escape(code)}"
            f"</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"<div class=\"meta\"><span>{escape(issuer)}</span><span>编号：{escape(code)}</span></div>"
            f"<table>{body}</table></body></html>")


def dispatch_notice(cf: CaseFile, *, issuer: str) -> str:
    """交办单: what the unit receives with the order — the matter, the unit, the time limit and
    the instruction, with a line for the unit's signature on receipt."""
    c = cf.case
    place = " ".join(v for v in (cf.names["township"], cf.names["village"]) if v)
    return _page("民情事项交办单", c.tracking_code, issuer, [
        ("登记时间", _when(c.received_at), False),
        ("反映人及电话", f"{cf.reporter_name} {cf.reporter_phone}".strip(), False),
        ("地点", place, False),
        ("诉求类别", cf.names["category_zh"], False),
        ("反映内容", c.content, True),
        ("承办单位", cf.names["unit"], False),
        ("办理层级 / 缓急", " / ".join(v for v in (label(c.tier, "zh", Tier), label(c.priority, "zh", Priority)) if v),
         False),
        ("交办时间", _when(c.dispatched_at), False),
        ("办理时限", _when(c.due_at), False),
        ("拟办意见", c.handling_opinion or "", True),
        ("领导批示", c.instruction or "", True),
        ("承办单位签收", "签收人：                    日期：", False),
    ])


def handling_report_sheet(cf: CaseFile, *, issuer: str) -> str:
    """办理报告单 of the latest round: S2 §二.2's fields, the reviewer's opinion and the sign-offs."""
    c = cf.case
    report = cf.reports[-1] if cf.reports else None
    review = ""
    if report is not None and report.approved is not None:
        review = "审核通过" if report.approved else f"退回重办：{report.review_note or ''}"
    return _page("民情事项办理报告单", c.tracking_code, issuer, [
        ("反映内容", c.content, True),
        ("承办单位", cf.names["unit"], False),
        ("办理轮次", str(report.round) if report else "", False),
        ("是否属实", label(report.truthful, "zh", Truthfulness) if report else "", False),
        ("主要原因", report.cause if report else "", True),
        ("处理办法", report.measures if report else "", True),
        ("办理结果", report.result if report else "", True),
        ("联络员意见", report.liaison_opinion if report else "", False),
        ("负责人签字", report.responsible_person if report else "", False),
        ("报结时间", _when(report.submitted_at) if report else "", False),
        ("督办室审核意见", review, False),
        ("当前阶段", label(c.status, "zh", CaseStatus), False),
    ])
