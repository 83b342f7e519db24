"""What the periodic report calls each figure, in Chinese then English, and how it shows a
value: the PDF and the CSV say the same things."""

from __future__ import annotations

from typing import Any, Literal

from complaint_desk.contract.events.complaints import REASON_LABELS, SatisfactionReason
from complaint_desk.contract.words import CATEGORY_WORDS

Lang = Literal["zh-Hant", "en"]
Unit = Literal["count", "rate", "hours", "rating"]

# (key, Chinese, English, unit) of the handling figures, in the order they are shown.
HANDLING: tuple[tuple[str, str, str, Unit], ...] = (
    ("received", "受理件數", "Received", "count"),
    ("merged", "併案件數", "Merged into another", "count"),
    ("resolved", "已解決", "Resolved", "count"),
    ("resolution_rate", "解決率", "Resolution rate", "rate"),
    ("response_p50", "首次回應時間中位數（小時）", "First response, median (hours)", "hours"),
    ("response_p90", "首次回應時間 P90（小時）", "First response, p90 (hours)", "hours"),
    ("resolution_p50", "解決時間中位數（小時）", "Resolution, median (hours)", "hours"),
    ("resolution_p90", "解決時間 P90（小時）", "Resolution, p90 (hours)", "hours"),
    ("satisfaction", "滿意度", "Satisfaction", "rate"),
    ("rating", "平均評分（1–5）", "Mean rating (1–5)", "rating"),
    ("reopen_rate", "重新開啟率", "Reopened", "rate"),
)
SLA: tuple[tuple[str, str, str, Unit], ...] = (
    ("met", "未曾逾期", "Never past a deadline", "count"),
    ("breached_ever", "曾經逾期", "Ever past a deadline", "count"),
    ("breached_now", "目前逾期", "Past a deadline now", "count"),
)
LEARNING: tuple[tuple[str, str, str, Unit], ...] = (
    ("problems_opened", "新開問題紀錄", "Problem records opened", "count"),
    ("problems_effective", "判定改善有效", "Verified effective", "count"),
    ("problems_recurred", "判定問題復發", "Recurred", "count"),
    ("inspections_done", "巡檢完成", "Inspections done", "count"),
    ("inspections_missed", "巡檢逾期未做", "Inspections missed", "count"),
)
OFFICER: tuple[tuple[str, str, str, Unit], ...] = (
    ("received", "件數", "Volume", "count"),
    ("response_p50", "回應中位數（小時）", "Response, median (h)", "hours"),
    ("resolution_rate", "解決率", "Resolution rate", "rate"),
    ("satisfaction", "滿意度", "Satisfaction", "rate"),
    ("rating", "評分", "Rating", "rating"),
    ("reopen_rate", "重開率", "Reopened", "rate"),
)
LEVELS = {"L1": ("L1 緊急", "L1 urgent"), "L2": ("L2 重要", "L2 important"),
          "L3": ("L3 一般", "L3 general")}  # fmt: skip
HEADINGS: dict[str, tuple[str, str]] = {
    "title": ("定期分析報告", "Periodic report"),
    "organisation": ("全機構", "The organisation"),
    "site": ("院區", "Site"),
    "period": ("期間", "Period"),
    "previous": ("上期", "Previous"),
    "current": ("本期", "This period"),
    "handling": ("受理與處理", "Handling"),
    "sla": ("處理時限", "Time limits"),
    "by_category": ("依類別", "By category"),
    "by_severity": ("依等級", "By level"),
    "reasons": ("不滿意原因", "Why complainants were not satisfied"),
    "hotspots": ("高頻問題", "Hotspots"),
    "equipment": ("設備", "Equipment"),
    "place": ("地點", "Place"),
    "complaints": ("件數", "Complaints"),
    "learning": ("問題改善與巡檢", "Problems and inspections"),
    "officers": ("值班員績效", "Duty officers"),
    "everyone": ("全體", "All officers"),
    "trend": ("趨勢（受理件數與解決率）", "Trend (received and resolution rate)"),
    "none": ("（無）", "(none)"),
    "issued": ("產生於", "Issued"),
}


def word(key: str, lang: Lang) -> str:
    return HEADINGS[key][0 if lang == "zh-Hant" else 1]


def category(code: str, lang: Lang) -> str:
    pair = CATEGORY_WORDS.get(code)
    return pair[0 if lang == "zh-Hant" else 1] if pair else code


def level(code: str | None, lang: Lang) -> str:
    pair = LEVELS.get(code or "")
    return pair[0 if lang == "zh-Hant" else 1] if pair else "—"


def reason(code: str, lang: Lang) -> str:
    try:
        pair = REASON_LABELS[SatisfactionReason(code)]
    except ValueError:
        return code
    return pair[0 if lang == "zh-Hant" else 1]


def shown(value: Any, unit: Unit) -> str:
    """A value as a person reads it: counts whole, rates in percent, times in hours."""
    if value is None:
        return "—"
    if unit == "rate":
        return f"{float(value):.1%}"
    if unit == "hours":
        return f"{float(value) / 3600:.1f}"
    if unit == "rating":
        return f"{float(value):.2f}"
    return str(int(value))


def raw(value: Any) -> str:
    """A value as the CSV keeps it: counts whole, rates as fractions, times in seconds."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.4f}".rstrip("0").rstrip(".") or "0"
