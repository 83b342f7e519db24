"""Message templates in Traditional Chinese and English. Staff get both languages; a
complainant gets their locale first."""

from typing import Any

from .domain import Kind

TEMPLATES: dict[Kind, dict[str, tuple[str, str]]] = {
    # kind: {locale: (subject, body)}
    Kind.SAFETY: {
        "zh-Hant": ("【安全上報】{number}", "投訴 {number}（{site}）涉及安全問題，已立即上報。原因：{reason}。臨時措施：{measures}。"),
        "en": ("[Safety escalation] {number}", "Complaint {number} at {site} is a safety problem, escalated at once. Reason: {reason}. Temporary measures: {measures}."),
    },
    Kind.SLA_WARNING: {
        "zh-Hant": ("【時效提醒】{number} 已達 {percent}%", "投訴 {number}（{site}）的{clock_zh}時效已用去 {percent}%，將於 {due_at} 到期。"),
        "en": ("[SLA warning] {number} at {percent}%", "Complaint {number} at {site}: {percent}% of its {clock} time is used; due {due_at}."),
    },
    Kind.SLA_BREACH: {
        "zh-Hant": ("【時效逾期】{number}", "投訴 {number}（{site}）的{clock_zh}時效已於 {due_at} 逾期，請立即處理。"),
        "en": ("[SLA breached] {number}", "Complaint {number} at {site} breached its {clock} target at {due_at}. Act now."),
    },
    Kind.TASK: {
        "zh-Hant": ("【新任務】{number}", "您有一項新任務（投訴 {number}，{site}）：{description}。完成期限：{due_at}。"),
        "en": ("[New task] {number}", "A new task for you (complaint {number}, {site}): {description}. Due {due_at}."),
    },
    Kind.CALLBACK: {
        "zh-Hant": ("您的投訴 {number} 已處理", "您好，您反映的問題（{number}）已處理完成。請點選連結告訴我們您是否滿意：{link}"),
        "en": ("Your complaint {number} was handled", "Your complaint {number} has been handled. Please tell us whether you are satisfied: {link}"),
    },
    Kind.CALLBACK_REMINDER: {
        "zh-Hant": ("提醒：投訴 {number} 回訪", "提醒您，請告訴我們投訴 {number} 的處理是否令您滿意：{link}"),
        "en": ("Reminder: complaint {number}", "A reminder: please tell us whether the handling of {number} satisfied you: {link}"),
    },
    Kind.CALLBACK_PHONE: {
        "zh-Hant": ("【電話回訪】{number}", "投訴人未回覆投訴 {number}（{site}）的回訪連結，請以電話回訪並記錄結果。"),
        "en": ("[Call back by phone] {number}", "The complainant did not answer the callback link for {number} at {site}: please call them and record the outcome."),
    },
    Kind.EVENT: {
        "zh-Hant": ("【通知】{event_type}", "投訴 {number}（{site}）：{event_type}"),
        "en": ("[Notice] {event_type}", "Complaint {number} at {site}: {event_type}"),
    },
}  # fmt: skip

CLOCK_ZH = {"response": "響應", "resolution": "解決"}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def render(kind: Kind, values: dict[str, Any], locale: str = "zh-Hant") -> tuple[str, str]:
    """(subject, body): the locale's text, then the other language's below it."""
    values = _Blank({**values, "clock_zh": CLOCK_ZH.get(str(values.get("clock")), "")})
    first = locale if locale in ("zh-Hant", "en") else "zh-Hant"
    second = "en" if first == "zh-Hant" else "zh-Hant"
    subject = TEMPLATES[kind][first][0].format_map(values)
    body = "\n\n".join(TEMPLATES[kind][loc][1].format_map(values) for loc in (first, second))
    return subject, body


def sms_text(kind: Kind, values: dict[str, Any], locale: str = "zh-Hant") -> str:
    """Short: one language only."""
    first = locale if locale in ("zh-Hant", "en") else "zh-Hant"
    return TEMPLATES[kind][first][1].format_map(_Blank(values))
