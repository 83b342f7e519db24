"""The read models as pure folds over stored events: no I/O.

The live projectors and the rebuild both call these, so a rebuilt table equals the one kept
up to date event by event."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import Category, Status, Urgency, status_after_type
from complaint_desk.contract.events.complaints import Severity
from complaint_desk.contract.events.lifecycle import outcome_of, provisional_level, shown_status
from complaint_desk.contract.process import Policy, allowed_commands, fold
from complaint_desk.shared.contacts import complainant_key

# The register's columns, in the order rows are written.
REGISTER_COLUMNS = (
    "id", "number", "site", "location", "category", "urgency", "channel", "status",
    "receiving_officer", "department", "complainant_name", "complainant_key", "description",
    "received_at", "updated_at", "version", "last_event_type", "severity", "responsibility",
    "third_party", "safety_escalated", "acknowledged_at", "resolved_at", "closed_at", "cycle",
    "search", "satisfied", "stage", "waiting_reason", "severity_provisional", "owner",
    "referred_to", "rating", "reasons", "asset", "merged_into", "merged_into_number",
    "co_complainants", "photo", "place", "place_name", "asset_type", "asset_name", "model",
)  # fmt: skip

SLA_STATE_COLUMNS = (
    "complaint_id", "state", "breached_ever", "updated_at", "response_due_at",
    "resolution_due_at", "review_due_at", "response_calendar", "resolution_calendar",
    "review_calendar",
)  # fmt: skip

TIMELINE_COLUMNS = (
    "stream_type", "stream_id", "version", "position", "event_id", "event_type", "occurred_at",
    "actor", "correlation_id", "causation_id", "data", "relayed_by",
)  # fmt: skip


@dataclass(slots=True)  # not frozen: a rebuild makes millions, and frozen init costs double
class StoredEvent:
    """An event as the log holds it, without validating its payload (folds read only the
    fields they need, so a rebuild does not pay for a full model per event)."""

    position: int
    event_id: UUID | None  # None: not read (a rebuild reads only the columns its fold uses)
    event_type: str
    stream_type: str
    stream_id: UUID
    version: int
    occurred_at: datetime
    actor: str | None
    correlation_id: UUID | None
    causation_id: UUID | None
    data: dict[str, Any]
    relayed_by: str | None = None  # the system that relayed the actor's action


Row = dict[str, Any]


class UnknownComplaint(LookupError):
    """A complaint event for a complaint the register has not received."""


def first_photo(files: list[dict[str, Any]] | None) -> UUID | None:
    """The first photo among an event's files that does not show a person."""
    for f in files or []:
        if str(f.get("media_type", "")).startswith("image/") and not f.get("personal"):
            return UUID(str(f["id"]))
    return None


def received(event: StoredEvent, contact_secret: str) -> Row:
    """The register's row of a ComplaintReceived."""
    d = event.data
    stage = status_after_type(Status.NEW, event.event_type)
    return {
        "id": event.stream_id,
        "number": d["number"],
        "site": d["site"],
        "location": d["location"],
        "category": d["category"],
        "urgency": d["urgency"],
        "channel": d["channel"],
        "status": stage.value,
        "receiving_officer": d["receiving_officer"],
        "department": d["department"],
        "complainant_name": d["complainant_name"],
        # The complainant's id since their data is sealed; before that, a keyed hash.
        "complainant_key": str(d["complainant_id"])
        if d.get("complainant_id")
        else complainant_key(d.get("phone"), d.get("email"), contact_secret),
        "description": d["description"],
        "received_at": datetime.fromisoformat(d["received_at"]),
        "updated_at": event.occurred_at,
        "version": event.version,
        "last_event_type": event.event_type,
        # Until an officer classifies it, the level the clocks run on (marked provisional).
        "severity": provisional_level(Category(d["category"]), Urgency(d["urgency"])).value,
        "responsibility": None,
        "third_party": None,
        "safety_escalated": False,
        "acknowledged_at": None,
        "resolved_at": None,
        "closed_at": None,
        "cycle": 1,
        "search": f"{d['number']} {d['location']} {d['description']}".lower(),
        "satisfied": None,
        "stage": stage.value,
        "waiting_reason": None,
        "severity_provisional": True,
        "owner": d["receiving_officer"],
        "referred_to": None,
        "rating": None,
        "reasons": [],
        "asset": d.get("asset"),
        "merged_into": None,
        "merged_into_number": None,
        "co_complainants": 0,
        "photo": first_photo(d.get("files")),
        "place": None,
        "place_name": None,
        "asset_type": None,
        "asset_name": None,
        "model": None,
    }


def evolve(row: Row, event: StoredEvent) -> None:
    """Apply a later complaint event to its register row, in place."""
    d, at = event.data, event.occurred_at
    stage = status_after_type(
        Status(row["stage"]), event.event_type, outcome_of(event.event_type, d)
    )
    row["stage"] = stage.value
    row["updated_at"] = at
    row["version"] = event.version
    row["last_event_type"] = event.event_type
    match event.event_type:
        case "ComplaintClassified":
            row["severity"] = d["severity"]
            row["severity_provisional"] = False
            row["referred_to"] = None  # a referral follows it, or it was taken back
            row["responsibility"] = d["responsibility"]
            row["third_party"] = d.get("third_party") or row["third_party"]
            row["category"] = d["category"]
        case "SeverityChanged":
            row["severity"] = d["severity"]
        case "SafetyEscalated":
            # Urgent at once, whatever the level was, until an officer reclassifies it.
            row["safety_escalated"] = True
            row["severity"] = Severity.L1.value
        case "ComplaintReferred":
            row["referred_to"] = d["referred_to"]
        case "OwnerAssigned":
            row["owner"] = d["owner"]
        case "WaitingStarted":
            row["waiting_reason"] = d["reason"]
        case "WaitingEnded":
            row["waiting_reason"] = None
        case "ComplaintAcknowledged":
            row["acknowledged_at"] = row["acknowledged_at"] or at
        case "ComplaintResolved":
            row["resolved_at"] = at
        case "ComplaintClosed":
            row["closed_at"] = at
        case "ComplaintReopened":
            row["resolved_at"] = row["closed_at"] = None
            row["cycle"] = int(d["cycle"])
        case "ComplaintMerged":
            row["merged_into"], row["merged_into_number"] = UUID(d["into"]), d["into_number"]
        case "MergeUndone":
            row["merged_into"] = row["merged_into_number"] = None
        case "CoComplainantAdded":
            row["co_complainants"] += 1
        case "CoComplainantRemoved":
            row["co_complainants"] = max(0, row["co_complainants"] - 1)
        case "AssetLinked":
            for name in ("place", "place_name", "asset_type", "asset_name", "model"):
                row[name] = d.get(name)
            row["asset"] = d.get("asset") or row["asset"]
        case "ComplainantMessageAdded" | "EvidenceRecorded" if row["photo"] is None:
            row["photo"] = first_photo(d.get("files"))
        case "CallbackRecorded":
            row["satisfied"] = bool(d["satisfied"])
            row["rating"] = d.get("rating")
            row["reasons"] = list(d.get("reasons") or [])
    row["status"] = shown_status(stage, row["waiting_reason"] is not None).value


def fold_complaint(row: Row | None, event: StoredEvent, contact_secret: str) -> Row:
    """The register row after ``event``: a new row for a ComplaintReceived, else ``row``
    changed in place."""
    if event.event_type == "ComplaintReceived":
        return received(event, contact_secret)
    if row is None:
        raise UnknownComplaint(f"{event.event_type} for a complaint the register has not received")
    evolve(row, event)
    return row


# The SLA state a register row shows, from the SLA events: (state, breached).
SLA_STATE = {
    "SlaClockStarted": ("on_track", False),
    "SlaResumed": ("on_track", False),
    "SlaPaused": ("paused", False),
    "SlaWarningReached": ("warning", False),
    "SlaBreached": ("breached", True),
}


def sla_state(event_type: str, data: dict[str, Any]) -> tuple[str, bool] | None:
    """The register's SLA state after an SLA event, and whether it breached."""
    if event_type == "SlaMet" and data["clock"] == "resolution":
        return "met", bool(data["breached"])
    return SLA_STATE.get(event_type)


# SLA events that set a clock's due time, and those that stop it counting down.
DUE_SET = frozenset({"SlaClockStarted", "SlaResumed", "SlaRecalculated"})
DUE_CLEARED = frozenset({"SlaPaused", "SlaMet", "SlaStopped"})


def fold_sla(row: Row | None, event: StoredEvent) -> Row | None:
    """The complaint's SLA row after an SLA event: its state and each clock's due time (the
    same row when the event changes neither)."""
    d = event.data
    found = sla_state(event.event_type, d)
    counts_down = event.event_type in DUE_SET or event.event_type in DUE_CLEARED
    if found is None and not counts_down:
        return row
    new: Row = dict(row) if row else {
        "complaint_id": event.stream_id, "state": "on_track", "breached_ever": False,
        "response_due_at": None, "resolution_due_at": None, "review_due_at": None,
        "response_calendar": None, "resolution_calendar": None, "review_calendar": None,
    }  # fmt: skip
    if found is not None:
        new["state"] = found[0]
        new["breached_ever"] = found[1] or new["breached_ever"]
    if counts_down:
        due = d.get("due_at") if event.event_type in DUE_SET else None
        new[f"{d['clock']}_due_at"] = datetime.fromisoformat(due) if due else None
        if d.get("calendar"):  # "24x7", or the site whose business calendar it is
            new[f"{d['clock']}_calendar"] = "24x7" if d["calendar"] == "24x7" else "business"
    new["updated_at"] = event.occurred_at
    return new


def timeline_row(event: StoredEvent, data: Any) -> tuple[Any, ...]:
    """A timeline entry: the event as it happened, with who, when and what caused it, and its
    payload as stored (``data``: a dict, or JSON text on a connection without a JSON codec)."""
    return (
        event.stream_type, event.stream_id, event.version, event.position, event.event_id,
        event.event_type, event.occurred_at, event.actor, event.correlation_id,
        event.causation_id, data, event.relayed_by,
    )  # fmt: skip


@dataclass(frozen=True)
class OpenTask:
    """A task of the complaint not yet completed or cancelled, as its timeline tells."""

    task_id: str
    assignee_kind: str
    assignee: str
    description: str
    due_at: datetime
    last_note: str | None = None


def commands_allowed(
    history: list[dict[str, Any]], policy: Policy, may: Callable[[str], bool]
) -> list[str]:
    """The lifecycle commands that apply to the complaint whose timeline is ``history`` (in
    version order) and that ``may`` lets the reader send: folded by the same status machine
    intake checks each command with."""
    ours = (h for h in history if h["stream_type"] == "complaint")
    progress = fold((h["event_type"], h["data"]) for h in ours)
    return [name for name in allowed_commands(progress, policy) if may(name)]


def open_tasks(history: list[dict[str, Any]]) -> list[OpenTask]:
    """The tasks a complaint's timeline (in version order) leaves open, oldest first."""
    tasks: dict[str, OpenTask] = {}
    for entry in history:
        data, kind = entry["data"], entry["event_type"]
        task = str(data.get("task_id", ""))
        if kind == "TaskAssigned":
            due = datetime.fromisoformat(str(data["due_at"]))
            tasks[task] = OpenTask(
                task, data["assignee_kind"], data["assignee"], data["description"], due
            )
        elif kind == "TaskProgressed" and task in tasks:
            note = data.get("note") or data.get("external_status")
            tasks[task] = replace(tasks[task], last_note=note)
        elif kind in ("TaskCompleted", "TaskCancelled"):
            tasks.pop(task, None)
    return list(tasks.values())
