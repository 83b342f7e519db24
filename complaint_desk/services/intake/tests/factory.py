"""Complaints in each state of the process, and a valid body for each command."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from complaint_desk.contract.events import Status
from complaint_desk.services.intake import commands as c
from complaint_desk.services.intake.domain import Complaint
from complaint_desk.services.intake.service import COMMANDS, Context

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
ACTOR = {"actor": "officer-wang"}

RECEIPT = {
    "complainant_name": "陳小明",
    "department": "財務部",
    "phone": "0912 345 678",
    "site": "HQ",
    "location": "3F 茶水間",
    "category": "repair_delay",
    "description": "飲水機故障已一週仍未維修",
    "urgency": "normal",
    "channel": "phone",
    "receiving_officer": "officer-wang",
}

BODIES: dict[str, dict[str, Any]] = {
    "acknowledge": {"channel": "phone", "note": "called back"},
    "owner": {"owner": "officer-lin", "reason": "shift handover"},
    "escalate-safety": {"reason": "exposed wiring", "temporary_measures": ["area_cordoned"]},
    "evidence": {"kind": "records_check", "text": "work order dispatched 11-20, never visited"},
    "notes": {"text": "complainant prefers calls after 2 pm"},
    "classify": {"responsibility": "logistics", "severity": "L2", "category": "repair_delay"},
    "severity": {"severity": "L1", "reason": "now leaking water near power"},
    "resolution": {
        "kind": "repair",
        "summary": "replace the dispenser within 2 days",
        "deadline": (NOW + timedelta(days=2)).isoformat(),
    },
    "resolution/approve": {"note": "agreed with the officer"},
    "resolution/accept": {"note": "fine"},
    "resolution/dispute": {"reason": "two days is too long"},
    "report": {
        "responsible_party": "maintenance team",
        "solution": "replace the dispenser",
        "completion_due": (NOW + timedelta(days=2)).isoformat(),
        "signed_by_officer": "officer-wang",
        "signed_by_complainant": "陳小明",
    },
    "tasks": {
        "assignee_kind": "maintenance",
        "assignee": "maintenance team A",
        "description": "replace dispenser 3F",
        "due_at": (NOW + timedelta(days=2)).isoformat(),
    },
    "wait": {"reason": "parts", "note": "dispenser on order"},
    "resume": {"note": "parts arrived"},
    "callbacks": {"channel": "phone", "satisfied": True, "comments": "thanks"},
    "review/conclude": {"outcome": "upheld", "notes": "the fix was adequate"},
    "resolve": {"summary": "dispenser replaced"},
    "close": {"note": "archived"},
    "reopen": {"reason": "it broke again"},
    "message": {"text": "the dispenser is leaking now too", "via": "web"},
}

LIFECYCLE = [name for name in COMMANDS if not name.startswith("tasks/")]


def command(name: str, **overrides: Any) -> c.Command:
    model, _ = COMMANDS[name]
    return model.model_validate({**ACTOR, **BODIES.get(name, {}), **overrides})


def run(complaint: Complaint, name: str, ctx: Context | None = None, **overrides: Any) -> Any:
    _, action = COMMANDS[name]
    return action(complaint, command(name, **overrides), ctx or Context(now=NOW, supervisor=True))


def received() -> Complaint:
    return Complaint.receive(uuid4(), c.ReceiveComplaint(**RECEIPT), number="HQ-1", now=NOW)


def in_status(status: Status) -> Complaint:
    x = received()
    steps: dict[Status, list[tuple[str, dict[str, Any]]]] = {
        Status.RECEIVED: [],
        Status.CONTACTED: [("acknowledge", {})],
        Status.CLASSIFIED: [("classify", {})],
        Status.RESOLUTION_PROPOSED: [("classify", {}), ("resolution", {})],
        Status.ESCALATED: [("classify", {}), ("resolution", {}), ("resolution/dispute", {})],
        Status.RESOLUTION_AGREED: [("classify", {}), ("resolution", {}), ("resolution/accept", {})],
        Status.IN_PROGRESS: [
            ("classify", {}),
            ("resolution", {}),
            ("resolution/accept", {}),
            ("tasks", {}),
        ],
        Status.RESOLVED: [("classify", {}), ("resolve", {})],
        Status.UNDER_REVIEW: [
            ("classify", {}),
            ("resolve", {}),
            ("callbacks", {"satisfied": False, "comments": "still broken"}),
        ],
        Status.CLOSED: [("classify", {}), ("resolve", {}), ("callbacks", {}), ("close", {})],
        Status.REFERRED: [
            (
                "classify",
                {
                    "responsibility": "outside_jurisdiction",
                    "referred_to": "IT helpdesk",
                    "reason": "the complaint is about laptops",
                },
            )
        ],
    }
    if status is Status.MERGED:
        other = received()
        x.merge_into(other, c.Merge(into=other.id, **ACTOR))
    for name, overrides in steps.get(status, []):
        run(x, name, **overrides)
    assert x.status is status
    return x
