"""The complaint handling report (投訴處理報告) as a PDF: Traditional Chinese (English on
request), the complaint's facts, the responsible party, the solution, the completion time and
both signatures. The CJK font is embedded (subset), so the PDF reads correctly on a machine
without one. Pure: facts in, PDF bytes out (fpdf2)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from complaint_desk.shared.documents import a4_document

Lang = Literal["zh-Hant", "en"]
WORDS: dict[str, tuple[str, str]] = {
    "title": ("投訴處理報告", "Complaint handling report"),
    "number": ("投訴編號", "Complaint number"),
    "site": ("院區／地點", "Site / place"),
    "category": ("類別", "Category"),
    "severity": ("等級", "Severity"),
    "received": ("受理時間", "Received"),
    "description": ("投訴內容", "Complaint"),
    "responsible": ("責任方", "Responsible party"),
    "solution": ("解決方案", "Solution"),
    "completion": ("預計完成時間", "To be completed by"),
    "signatures": ("雙方簽名", "Signatures"),
    "officer": ("承辦人", "Officer"),
    "complainant": ("投訴人", "Complainant"),
    "signed_at": ("簽署時間", "Signed"),
    "not_drawn": ("（簽名如上，未附手寫簽名圖）", "(name as above; no drawn signature)"),
    "issued": ("本報告產生於", "Issued"),
    "version": ("版本", "version"),
}


# The codes a report names, in its two languages.
CATEGORIES = {
    "repair_delay": ("維修延誤", "Repair delay"), "shortage": ("物品短缺", "Shortage"),
    "service_attitude": ("服務態度", "Service attitude"), "safety": ("安全", "Safety"),
    "hygiene": ("衛生", "Hygiene"), "other": ("其他", "Other"),
}  # fmt: skip
SEVERITIES = {
    "L1": ("L1 緊急", "L1 urgent"), "L2": ("L2 重要", "L2 important"),
    "L3": ("L3 一般", "L3 general"),
}  # fmt: skip


def named(table: dict[str, tuple[str, str]], code: str | None, lang: Lang) -> str:
    if code is None:
        return "—"
    pair = table.get(code)
    return pair[0 if lang == "zh-Hant" else 1] if pair else code


@dataclass(frozen=True)
class Signed:
    role: Literal["officer", "complainant"]
    name: str
    signed_at: datetime
    image: bytes | None  # a drawn signature or the scan of one (PNG or JPEG)


@dataclass(frozen=True)
class ReportFacts:
    number: str
    site: str
    location: str
    category: str  # already in words, in the report's language
    severity: str
    received_at: datetime
    description: str
    responsible_party: str
    solution: str
    completion_due: datetime
    version: int  # the how-manieth report of this complaint


def report_pdf(
    facts: ReportFacts,
    signatures: Sequence[Signed],
    *,
    lang: Lang,
    zone: ZoneInfo,
    issued_at: datetime,
    font: Path,
) -> bytes:
    i = 0 if lang == "zh-Hant" else 1

    def w(key: str) -> str:
        return WORDS[key][i]

    def when(value: datetime) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    pdf = a4_document(f"{w('title')} {facts.number}", w("title"), font)
    pdf.set_font("cjk", size=10)
    pdf.cell(
        0, 6, f"{facts.number} · {w('version')} {facts.version}", new_x="LMARGIN", new_y="NEXT",
        align="C",
    )  # fmt: skip
    pdf.ln(4)
    rows = [
        (w("number"), facts.number),
        (w("site"), f"{facts.site}／{facts.location}"),
        (w("category"), facts.category),
        (w("severity"), facts.severity),
        (w("received"), when(facts.received_at)),
        (w("description"), facts.description),
        (w("responsible"), facts.responsible_party),
        (w("solution"), facts.solution),
        (w("completion"), when(facts.completion_due)),
    ]
    pdf.set_font("cjk", size=11)
    for label, value in rows:
        top = pdf.get_y()
        pdf.multi_cell(38, 7, label, border=0, new_x="RIGHT", new_y="TOP")
        pdf.multi_cell(0, 7, value, border=0, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), top + 7))
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(1)
    pdf.ln(4)
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 9, w("signatures"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    for signed in signatures:
        pdf.cell(0, 7, f"{w(signed.role)}：{signed.name}", new_x="LMARGIN", new_y="NEXT")
        if signed.image:
            pdf.image(io.BytesIO(signed.image), w=60, h=22, keep_aspect_ratio=True)
        else:
            pdf.cell(0, 7, w("not_drawn"), new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 7, f"{w('signed_at')}：{when(signed.signed_at)}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.set_font("cjk", size=8)
    pdf.cell(0, 6, f"{w('issued')} {when(issued_at)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
