"""The timeline in words: what each event says, as labels and values in the officer's
language (levels, categories, clocks and reasons by name, times in the desk's zone, shares
as percentages, durations in hours and minutes), never a raw field name or code; and its
shape: grouped by cycle, the system's bookkeeping folded away, staff notes kept apart."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .texts import Texts

# The facts an event may carry that a person reads, in the order they are shown.
FIELDS = (
    "severity", "level", "responsibility", "category", "contact_channel", "channel", "kind",
    "notice", "text", "assignee_kind", "assignee", "description", "due_at", "summary",
    "deadline", "lost_work_allowance", "parts_compensation", "apology", "retraining",
    "restock_via_procurement", "expected_arrival", "responsible_party", "solution",
    "completion_due", "signed_by_officer", "signed_by_complainant", "temporary_measures",
    "measures_note", "third_party", "referred_to", "referred_contact", "owner", "previous",
    "reason", "clock", "target_seconds", "fraction", "notify", "recipient", "cycle",
    "satisfied", "rating", "reasons", "suggestions", "outcome", "improvement", "note",
    "comments", "external_status", "error", "via", "into_number", "merged_number", "overdue",
    "stage", "place_name", "asset_name", "asset_type", "model",
)  # fmt: skip
# Facts whose value is a code with a name (a free-text reason is shown as written).
NAMED = {
    "severity": "severity", "level": "severity", "responsibility": "responsibility",
    "category": "category", "contact_channel": "channel", "channel": "channel",
    "kind": "evidence", "assignee_kind": "assignee", "clock": "clock", "outcome": "outcome",
    "notify": "recipient", "recipient": "recipient", "notice": "notice",
    "external_status": "external_status", "via": "channel", "stage": "status",
    "asset_type": "asset_type",
}  # fmt: skip
# What a ``kind`` names, by event (an evidence's by default), and facts an event names its own way.
KIND_OF = {"ResolutionProposed": "plan_kind"}
LABEL_OF = {("ResolutionProposed", "kind"): "plan_kind", ("ResolutionProposed", "summary"): "plan"}
TIMES = frozenset({"due_at", "deadline", "expected_arrival", "completion_due"})
AMOUNTS = frozenset({"lost_work_allowance", "parts_compensation"})
LISTS = {"temporary_measures": "measure", "reasons": "reason", "overdue": "late"}

# The system's bookkeeping: folded away unless the officer opens it. Warnings, breaches and
# anything that failed stay in view.
BOOKKEEPING = frozenset({
    "SlaClockStarted", "SlaPaused", "SlaResumed", "SlaRecalculated", "SlaMet", "SlaStopped",
    "NotificationQueued", "NotificationDelivered", "CallbackRequested", "CallbackReminderSent",
})  # fmt: skip
NOTE = "InternalNoteAdded"

# Delivery errors the notify service writes, in words.
_CAP = re.compile(r"daily (\w+) cap of (\d+) reached for the (recipient|organisation)")


def facts(
    t: Texts,
    when: Callable[[datetime | None], str],
    data: Mapping[str, Any],
    stream_type: str = "complaint",
    event_type: str = "",
) -> list[tuple[str, str]]:
    """(label, value) of each fact of an event's data that a person reads. A notification's
    ``kind`` is what it tells; a plan's, its type; an evidence's, how it was gathered."""
    if stream_type == "notification" and "kind" in data:
        data = {**data, "notice": data["kind"], "kind": None}
    kind_of = KIND_OF.get(event_type, "evidence")
    return [
        (
            t(f"data.{LABEL_OF.get((event_type, name), name)}"),
            _value(t, when, name, data[name], kind_of),
        )
        for name in FIELDS
        if _said(name, data.get(name))
    ]


def _said(name: str, value: Any) -> bool:
    """Whether a fact is worth a word: a no to satisfaction is; an unticked option is not."""
    if name == "satisfied":
        return value is not None
    return value is not None and value != "" and value != [] and value is not False


def duration(t: Texts, seconds: float) -> str:
    """Hours and minutes in words: 4 小時 30 分鐘, 1 天 2 小時."""
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "days"), (hours, "hours"), (minutes, "minutes")]
    said = [f"{n} {t(unit)}" for n, unit in parts if n]
    return " ".join(said) if said else f"0 {t('minutes')}"


def _error(t: Texts, value: str) -> str:
    if found := _CAP.fullmatch(value):
        channel, limit, whom = found.groups()
        return t(f"error.cap_{whom}", channel=t.label("channel", channel), limit=limit)
    return value if t.lang == "en" else t("error.delivery")


def _value(
    t: Texts, when: Callable[[datetime | None], str], name: str, value: Any, kind_of: str
) -> str:
    if name == "kind":
        return t.label(kind_of, str(value))
    if name in NAMED:
        return t.label(NAMED[name], str(value))
    if name in LISTS:
        return "、".join(t.label(LISTS[name], str(v)) for v in value)
    if name == "reason":  # a code the system wrote, an event that caused it, or prose
        return (
            t.label("reason_code", str(value))
            if t.has_label("reason_code", str(value))
            else t.event(str(value))
        )
    if name in TIMES:
        return when(datetime.fromisoformat(str(value)))
    if name in AMOUNTS:
        return f"{float(value):,.0f} {t('currency')}"
    if name == "target_seconds":
        return duration(t, float(value))
    if name == "fraction":
        return f"{float(value):.0%}"
    if name == "error":
        return _error(t, str(value))
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    return str(value)


@dataclass
class Cycle:
    """One cycle of the complaint (a reopening starts the next): its entries in order, runs
    of bookkeeping gathered into one folded list each."""

    number: int
    items: list[dict[str, Any] | list[dict[str, Any]]] = field(default_factory=list)

    def add(self, entry: dict[str, Any]) -> None:
        if entry["event_type"] not in BOOKKEEPING:
            self.items.append(entry)
        elif self.items and isinstance(self.items[-1], list):
            self.items[-1].append(entry)
        else:
            self.items.append([entry])


def arrange(history: list[dict[str, Any]]) -> tuple[list[Cycle], list[dict[str, Any]]]:
    """The timeline by cycle, and the staff's internal notes apart (newest last)."""
    cycles, notes = [Cycle(1)], []
    for entry in history:
        if entry["event_type"] == "ComplaintReopened":
            cycles.append(Cycle(len(cycles) + 1))
        if entry["event_type"] == NOTE:
            notes.append(entry)
        else:
            cycles[-1].add(entry)
    return cycles, notes


# Our own services and the systems we integrate, by the name they act under: system:<name>
# (system:<name>-<anything> for one of several installations), or <name>-system.
SYSTEMS = ("sla", "notify", "maintenance", "procurement")


def person(t: Texts, name: str) -> str:
    """Who acted, as a person reads it: a person's name as it is; a system by what it is."""
    if name == "complainant":
        return t("who.complainant")
    if name.startswith("channel:"):  # a complaint that came in by itself: web, QR, mail
        return t("who.channel", channel=t.label("channel", name.removeprefix("channel:")))
    if name.endswith("-system") and name.removesuffix("-system") in SYSTEMS:
        return t(f"who.system.{name.removesuffix('-system')}")
    if name.startswith("system:"):
        system = name.removeprefix("system:")
        known = next((s for s in SYSTEMS if system == s or system.startswith(f"{s}-")), None)
        return t(f"who.system.{known}") if known else t("who.system", name=system)
    return name


def who(t: Texts, actor: str, relayed_by: str | None) -> str:
    """王師傅（由 維修系統 轉達）: who acted, and on whose behalf it was relayed."""
    if not relayed_by or relayed_by == actor:
        return person(t, actor)
    return t("who.relayed", actor=person(t, actor), by=person(t, relayed_by))
