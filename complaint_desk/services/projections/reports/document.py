"""The periodic report as a PDF (Chinese; English on request) and as CSV: the same figures,
each beside the previous period's, with the trend of the last periods drawn as bars. Pure:
figures in, bytes or text out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from complaint_desk.contract.events.reports import ORGANISATION
from complaint_desk.shared.documents import a4_document
from complaint_desk.shared.spreadsheet import write_csv

from .figures import PeriodFigures, Report
from .words import HANDLING, LEARNING, OFFICER, SLA, Lang, Unit, category, level, raw, reason
from .words import shown as show
from .words import word as w

Rows = tuple[tuple[str, str, str, Unit], ...]
# The CJK font has no bold: headings are shaded instead.
HEADINGS = FontFace(emphasis="", fill_color=(228, 232, 240))


def _site(report: Report, lang: Lang) -> str:
    return (
        w("organisation", lang)
        if report.site == ORGANISATION
        else f"{w('site', lang)} {report.site}"
    )


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)


def _table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=6, headings_style=HEADINGS
    ) as table:
        for cells in [header, *rows]:
            row = table.row()
            for cell in cells:
                row.cell(cell)


def _figures(
    pdf: FPDF, spec: Rows, now: Mapping[str, Any], before: Mapping[str, Any], lang: Lang
) -> None:
    i = 1 if lang == "zh-Hant" else 2
    rows = [[item[i], show(now.get(item[0]), item[3]), show(before.get(item[0]), item[3])]
            for item in spec]  # fmt: skip
    _table(pdf, ["", w("current", lang), w("previous", lang)], rows, [90, 45, 45])


def _grouped(pdf: FPDF, now: PeriodFigures, before: PeriodFigures, key: str, lang: Lang) -> None:
    named = category if key == "by_category" else level
    previous = {r["group"]: r for r in getattr(before, key)}
    rows = []
    for r in getattr(now, key):
        p = previous.get(r["group"], {})
        rows.append([named(r["group"], lang), show(r["received"], "count"),
                     show(p.get("received"), "count"), show(r["resolution_rate"], "rate"),
                     show(r["satisfaction"], "rate")])  # fmt: skip
    header = [
        "",
        w("current", lang),
        w("previous", lang),
        HANDLING[3][1 if lang == "zh-Hant" else 2],
        HANDLING[8][1 if lang == "zh-Hant" else 2],
    ]
    _table(pdf, header, rows or [[w("none", lang), "", "", "", ""]], [50, 30, 30, 40, 30])


def _trend(pdf: FPDF, report: Report, lang: Lang) -> None:
    _heading(pdf, w("trend", lang))
    top, height, left = pdf.get_y() + 2, 40.0, pdf.l_margin
    most = max([n for _, n, _, _ in report.trend] + [1])
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / max(len(report.trend), 1)
    pdf.set_font("cjk", size=8)
    for index, (label, received, rate, _) in enumerate(report.trend):
        bar = height * received / most
        x = left + index * width
        pdf.set_fill_color(90, 120, 170)
        pdf.rect(x + width * 0.2, top + height - bar, width * 0.6, bar, style="F")
        pdf.set_xy(x, top + height + 1)
        pdf.cell(width, 4, label, align="C")
        pdf.set_xy(x, top + height + 5)
        pdf.cell(width, 4, f"{received} · {rate:.0%}", align="C")
    pdf.set_y(top + height + 12)


def report_pdf(
    report: Report, *, lang: Lang, font: Path, zone: ZoneInfo, issued_at: datetime
) -> bytes:
    pdf = a4_document(f"{w('title', lang)} {report.site} {report.period}", w("title", lang), font)
    now, before = report.current, report.previous
    pdf.set_font("cjk", size=11)
    line = (f"{_site(report, lang)} · {w('period', lang)} {report.period}"
            f"（{w('previous', lang)} {before.label}）")  # fmt: skip
    pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT", align="C")
    _heading(pdf, w("handling", lang))
    _figures(pdf, HANDLING, now.overall, before.overall, lang)
    _heading(pdf, w("sla", lang))
    _figures(pdf, SLA, now.overall, before.overall, lang)
    for key in ("by_category", "by_severity"):
        _heading(pdf, w(key, lang))
        _grouped(pdf, now, before, key, lang)
    _heading(pdf, w("reasons", lang))
    reasons = [[reason(r["reason"], lang), str(r["answers"])] for r in now.reasons]
    _table(pdf, ["", w("complaints", lang)], reasons or [[w("none", lang), ""]], [120, 60])
    _heading(pdf, w("hotspots", lang))
    spots = [[f"{w('equipment', lang)} {r.get('name') or r.get('key')}", str(r["complaints"])]
             for r in now.equipment]  # fmt: skip
    spots += [[f"{w('place', lang)} {r['site']} {r['location']}（{category(r['category'], lang)}）",
               str(r["complaints"])] for r in now.places]  # fmt: skip
    _table(pdf, ["", w("complaints", lang)], spots or [[w("none", lang), ""]], [140, 40])
    _heading(pdf, w("learning", lang))
    _figures(pdf, LEARNING, now.learning, before.learning, lang)
    _heading(pdf, w("officers", lang))
    i = 1 if lang == "zh-Hant" else 2
    officers = [[w("everyone", lang), *(show(now.everyone.get(k), u) for k, *_, u in OFFICER)]]
    officers += [[r["officer"], *(show(r.get(k), u) for k, *_, u in OFFICER)] for r in now.officers]
    _table(pdf, ["", *(item[i] for item in OFFICER)], officers, [40, 20, 30, 25, 25, 20, 20])
    _trend(pdf, report, lang)
    pdf.set_font("cjk", size=8)
    pdf.cell(0, 6, f"{w('issued', lang)} {issued_at.astimezone(zone):%Y-%m-%d %H:%M}",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())


def report_csv(report: Report) -> str:
    """section, metric (its key), 指標 (its name), group, this period, the previous one."""
    rows: list[list[str]] = []
    now, before = report.current, report.previous

    def figures(
        section: str, spec: Rows, a: Mapping[str, Any], b: Mapping[str, Any], group: str = "all"
    ) -> None:
        for key, zh, _, _ in spec:
            rows.append([section, key, zh, group, raw(a.get(key)), raw(b.get(key))])

    figures("handling", HANDLING, now.overall, before.overall)
    figures("sla", SLA, now.overall, before.overall)
    for key in ("by_category", "by_severity"):
        previous = {r["group"]: r for r in getattr(before, key)}
        for r in getattr(now, key):
            figures(key, HANDLING[:4], r, previous.get(r["group"], {}), r["group"])
    for r in now.reasons:
        rows.append(
            ["reasons", r["reason"], reason(r["reason"], "zh-Hant"), "all", raw(r["answers"]), ""]
        )
    for r in now.equipment:
        rows.append(["hotspots", "equipment", str(r.get("name") or r.get("key")), str(r.get("key")),
                     raw(r["complaints"]), ""])  # fmt: skip
    for r in now.places:
        rows.append(["hotspots", "place", f"{r['site']} {r['location']}", r["category"],
                     raw(r["complaints"]), ""])  # fmt: skip
    figures("learning", LEARNING, now.learning, before.learning)
    previous_officers = {r["officer"]: r for r in before.officers}
    figures("officers", OFFICER, now.everyone, before.everyone, "*")
    for r in now.officers:
        figures("officers", OFFICER, r, previous_officers.get(r["officer"], {}), r["officer"])
    for label, received, rate, satisfaction in report.trend:
        rows.append(["trend", "satisfaction", "滿意度", label, raw(satisfaction), ""])
        rows.append(["trend", "received", "受理件數", label, raw(received), ""])
        rows.append(["trend", "resolution_rate", "解決率", label, raw(rate), ""])
    header = ["section", "metric", "指標", "group", report.period, report.previous.label]
    return write_csv(header, rows)
