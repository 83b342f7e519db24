"""The sealed dossier's PDF: the complaint's facts, then its whole record in the order it
happened (each event by name, who, when, and what it said in words), the photos as
thumbnails, the messages sent, and the seal (its chain head, so a reader can compare it with
``desk archive verify``). Traditional Chinese; the CJK font embedded. Pure: bytes out."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from complaint_desk.contract.words import EVENT_NAMES
from complaint_desk.shared.documents import a4_document

from .documents import CATEGORIES, SEVERITIES, named

# What a person reads of an event, by field: free text and the few codes with a name here.
SAID = {
    "description": "內容", "text": "內容", "summary": "摘要", "solution": "解決方案",
    "responsible_party": "責任方", "reason": "原因", "note": "備註", "notes": "說明",
    "comments": "意見", "suggestions": "建議", "assignee": "承辦", "improvement": "改進措施",
    "referred_to": "轉介單位", "owner": "負責人", "recipient": "通知對象", "channel": "管道",
    "signed_by_officer": "承辦人簽名", "signed_by_complainant": "投訴人簽名",
}  # fmt: skip
# Codes among those fields, by name ("maintenance:維修組" names a team after the colon).
NAMED = {
    "complainant": "投訴人", "assigned_officer": "負責值班員", "duty_officer": "值班員",
    "duty_manager": "值班主管", "supervisor": "主管", "site_admin": "院區管理員",
    "owner": "負責人", "maintenance": "維修團隊", "procurement": "採購部門",
    "phone": "電話", "sms": "簡訊", "email": "電子郵件", "walk_in": "臨櫃", "web": "網頁",
    "webhook": "系統介接", "line": "LINE",
}  # fmt: skip
PERSONAL_PREFIX = "pd1."  # sealed personal data (unreadable once erased)
SYSTEMS = {"system:sla": "時效系統", "system:notify": "通知系統", "system:archive": "歸檔",
           "system:retention": "保存期限", "complainant": "投訴人"}  # fmt: skip


@dataclass(frozen=True)
class DossierFacts:
    number: str
    site: str
    location: str
    category: str | None
    severity: str | None
    received_at: datetime
    description: str
    complainant: str  # in clear, or 已抹除 once their data is erased
    chain: str
    sealed_at: datetime


def _named(value: str) -> str:
    if value.startswith(PERSONAL_PREFIX):
        return "已抹除" if value == PERSONAL_PREFIX else "（個人資料）"
    code, _, rest = value.partition(":")
    if rest and code in NAMED:
        return f"{NAMED[code]}（{rest}）"
    return NAMED.get(value, value)


def _said(data: Mapping[str, Any]) -> str:
    parts = []
    for field, label in SAID.items():
        value = data.get(field)
        if isinstance(value, str) and value.strip():
            parts.append(f"{label}：{_named(value.strip())}")
    if "satisfied" in data:
        parts.append("滿意" if data["satisfied"] else "不滿意")
    if data.get("severity"):
        parts.append(named(SEVERITIES, str(data["severity"]), "zh-Hant"))
    return "　".join(parts)


def dossier_pdf(
    facts: DossierFacts,
    events: Sequence[Mapping[str, Any]],
    thumbnails: Mapping[str, bytes],
    *,
    zone: ZoneInfo,
    font: Path,
) -> bytes:
    """``events``: the complaint's and its messages', in order, as the dossier holds them;
    ``thumbnails``: by the sha256 of each photo the events name, its small copy."""

    def when(value: datetime | str) -> str:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    pdf = a4_document(f"歸檔卷宗 {facts.number}", "投訴歸檔卷宗", font)
    pdf.set_font("cjk", size=11)
    for label, value in (
        ("投訴編號", facts.number),
        ("院區／地點", f"{facts.site}／{facts.location}"),
        ("類別", named(CATEGORIES, facts.category, "zh-Hant")),
        ("等級", named(SEVERITIES, facts.severity, "zh-Hant")),
        ("受理時間", when(facts.received_at)),
        ("投訴人", facts.complainant),
        ("投訴內容", facts.description),
    ):
        pdf.multi_cell(0, 7, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 9, "處理歷程", new_x="LMARGIN", new_y="NEXT")
    for event in events:
        name = EVENT_NAMES.get(event["event_type"], (event["event_type"], ""))[0]
        actor = SYSTEMS.get(event["actor"], event["actor"])
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(
            0, 6, f"{when(event['occurred_at'])}　{name}　{actor}", new_x="LMARGIN", new_y="NEXT"
        )
        said = _said(event["data"])
        if said:
            pdf.set_font("cjk", size=9)
            pdf.multi_cell(0, 5, said, new_x="LMARGIN", new_y="NEXT")
        photos = [f for f in event["data"].get("files") or [] if isinstance(f, dict)]
        shown = [thumbnails[f["sha256"]] for f in photos if f["sha256"] in thumbnails]
        if shown:
            top, x = pdf.get_y() + 1, pdf.l_margin
            for image in shown[:6]:
                pdf.image(io.BytesIO(image), x=x, y=top, h=24)
                x += 34
            pdf.set_y(top + 26)
        pdf.ln(1)
    pdf.ln(3)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(
        0, 5, f"封存時間 {when(facts.sealed_at)}　雜湊鏈 {facts.chain}",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    return bytes(pdf.output())
