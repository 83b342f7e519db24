"""What a staff message says about its complaint: which one, where, what, which clock, how
late, and a link to it, in words a person reads (never codes) in both languages. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from complaint_desk.contract.events.problems import OUTCOME_WORDS, ProblemOutcome

CATEGORY = {
    "repair_delay": ("維修延誤", "repair delay"),
    "shortage": ("物品短缺", "shortage"),
    "service_attitude": ("服務態度", "service attitude"),
    "safety": ("安全", "safety"),
    "hygiene": ("衛生", "hygiene"),
    "other": ("其他", "other"),
}
MEASURES = {
    "service_suspended": ("暫停服務", "service suspended"),
    "people_evacuated": ("疏散人員", "people evacuated"),
    "area_cordoned": ("封鎖現場", "area cordoned off"),
    "supply_isolated": ("切斷水電氣", "supply isolated"),
    "other": ("其他措施", "other measures"),
}
CLOCK = {"response": ("響應", "response"), "resolution": ("解決", "resolution"),
         "review": ("復核", "review")}  # fmt: skip
LEVEL = {"L1": ("L1 緊急", "L1 urgent"), "L2": ("L2 重要", "L2 important"),
         "L3": ("L3 一般", "L3 general")}  # fmt: skip
# What a complainant may find overdue: a clock, or the agreed plan's deadline.
OVERDUE = {**CLOCK, "plan": ("方案期限", "the plan's deadline")}
DESCRIPTION_CHARS = 200


def _words(table: dict[str, tuple[str, str]], code: Any, lang: int) -> str:
    return table.get(str(code), (str(code), str(code)))[lang] if code else "—"


def _list(table: dict[str, tuple[str, str]], codes: list[str] | None, lang: int) -> str:
    joiner = "、" if lang == 0 else ", "
    return joiner.join(_words(table, c, lang) for c in codes or []) or (
        "無" if lang == 0 else "none"
    )


def local_time(moment: str | datetime | None, zone: str) -> str:
    if moment is None:
        return "—"
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def duration(span: timedelta) -> tuple[str, str]:
    """A span in hours and minutes, in each language: ("1 小時 5 分鐘", "1 h 5 min")."""
    minutes = max(0, round(span.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} 小時 {minutes} 分鐘", f"{hours} h {minutes} min"
    return f"{minutes} 分鐘", f"{minutes} min"


def case_facts(
    data: dict[str, Any],
    case: dict[str, Any],
    *,
    link: str,
    zone: str,
    now: datetime,
) -> dict[str, Any]:
    """Template values from the event's ``data`` and the complaint ``case`` (number, site,
    location, category, description as received); ``_zh`` and ``_en`` keys for each
    language's words."""
    description = str(case.get("description") or "—")
    if len(description) > DESCRIPTION_CHARS:
        description = description[:DESCRIPTION_CHARS] + "…"
    values: dict[str, Any] = {
        "location": case.get("location") or data.get("location") or "—",
        "description": description,
        "link": link,
        "note": data.get("measures_note") or data.get("note") or "—",
        "reason": data.get("reason") or "—",
        "due_local": local_time(data.get("due_at"), zone),
        "deadline_local": local_time(data.get("deadline") or data.get("due_at"), zone),
    }
    for lang, suffix in ((0, "zh"), (1, "en")):
        values[f"category_{suffix}"] = _words(CATEGORY, case.get("category"), lang)
        values[f"measures_{suffix}"] = _list(MEASURES, data.get("temporary_measures"), lang)
        values[f"clock_{suffix}"] = _words(CLOCK, data.get("clock"), lang)
        values[f"level_{suffix}"] = _words(LEVEL, data.get("level"), lang)
        values[f"overdue_{suffix}"] = _list(OVERDUE, data.get("overdue"), lang)
    deadline = data.get("deadline") or data.get("due_at")
    if deadline:
        due = datetime.fromisoformat(deadline) if isinstance(deadline, str) else deadline
        values["remaining_zh"], values["remaining_en"] = duration(due - now)
        values["late_zh"], values["late_en"] = duration(now - due)
    return values


def learning_words(data: dict[str, Any]) -> dict[str, Any]:
    """A problem's outcome and a periodic report's figures, in words."""
    words: dict[str, Any] = {}
    if data.get("outcome") in ("effective", "recurred"):
        zh, en = OUTCOME_WORDS[ProblemOutcome(data["outcome"])]
        words |= {"outcome_zh": zh, "outcome_en": en}
    if "period" in data:
        site = str(data.get("site"))
        organisation = site == "*"
        satisfaction = data.get("satisfaction")
        words |= {
            "site_zh": "全機構" if organisation else f"{site} 院區",
            "site_en": "The organisation" if organisation else site,
            "resolution_pct": f"{float(data.get('resolution_rate') or 0):.0%}",
            "satisfaction_pct": "—" if satisfaction is None else f"{float(satisfaction):.0%}",
        }
    return words
