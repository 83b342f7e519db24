"""The timeline in words: what each event says, as labels and values in the officer's
language (levels, categories, clocks and reasons by name, times in the desk's zone, shares
as percentages), never a raw field name or code."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .texts import Texts

# The facts an event may carry that a person reads, in the order they are shown.
FIELDS = (
    "severity", "level", "responsibility", "category", "contact_channel", "channel", "kind",
    "notice", "text", "assignee_kind", "assignee", "description", "due_at", "summary",
    "reason", "clock", "fraction", "notify", "recipient", "cycle", "satisfied", "rating",
    "outcome", "note", "comments", "external_status", "error",
)  # fmt: skip
# Facts whose value is a code with a name (a free-text reason is shown as written).
NAMED = {
    "severity": "severity", "level": "severity", "responsibility": "responsibility",
    "category": "category", "contact_channel": "channel", "channel": "channel",
    "kind": "evidence", "assignee_kind": "assignee", "clock": "clock", "outcome": "outcome",
    "notify": "recipient", "recipient": "recipient", "notice": "notice",
}  # fmt: skip


def facts(
    t: Texts,
    when: Callable[[datetime | None], str],
    data: Mapping[str, Any],
    stream_type: str = "complaint",
) -> list[tuple[str, str]]:
    """(label, value) of each fact of an event's data that a person reads. A notification's
    ``kind`` is what it tells (an evidence's, how it was gathered)."""
    if stream_type == "notification" and "kind" in data:
        data = {**data, "notice": data["kind"], "kind": None}
    return [
        (t(f"data.{name}"), _value(t, when, name, data[name]))
        for name in FIELDS
        if data.get(name) not in (None, "")
    ]


def _value(t: Texts, when: Callable[[datetime | None], str], name: str, value: Any) -> str:
    if name in NAMED:
        return t.label(NAMED[name], str(value))
    if name == "reason":  # a code the system wrote, an event that caused it, or prose
        return (
            t.label("reason_code", str(value))
            if t.has_label("reason_code", str(value))
            else t.event(str(value))
        )
    if name == "due_at":
        return when(datetime.fromisoformat(str(value)))
    if name == "fraction":
        return f"{float(value):.0%}"
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    return str(value)
