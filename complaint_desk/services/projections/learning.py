"""What the desk learns from (問題紀錄、定期巡檢、培訓): the problem records, inspection
schedules and visits, and training records, kept from their events for the console and the
periodic reports. The rows are pure folds of the events, shared by the live projector and
``desk rebuild learning``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from complaint_desk.contract.events import EventEnvelope, registered_event_types
from complaint_desk.contract.events.problems import ProblemState
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection

from . import repository

PROBLEM_COLUMNS = (
    "problem_id", "site", "title", "origin", "stage", "place", "asset", "asset_type", "model",
    "root_cause", "outcome", "complaints", "recurrences", "actions", "watching_until",
    "opened_at", "verified_at", "closed_at", "version",
)  # fmt: skip
SCHEDULE_COLUMNS = (
    "schedule_id", "site", "description", "location", "asset", "place", "team", "plan",
    "problem_id", "ended", "scheduled_at",
)  # fmt: skip
VISIT_COLUMNS = (
    "visit_id", "schedule_id", "site", "location", "due_at", "miss_at", "done_at", "missed_at",
)  # fmt: skip
TRAINING_COLUMNS = (
    "training_id", "site", "officer", "reason", "source", "ref", "assigned_at", "due_on",
    "done_at",
)  # fmt: skip


class Event(Protocol):
    """What the folds read of an event: a stored envelope or a rebuild's row."""

    @property
    def event_type(self) -> str: ...
    @property
    def stream_id(self) -> UUID: ...
    @property
    def version(self) -> int: ...
    @property
    def occurred_at(self) -> datetime: ...


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def problem_row(
    problem_id: UUID, history: Sequence[tuple[Event, Mapping[str, Any]]]
) -> dict[str, Any]:
    """The problem as these events (its stream from the first) leave it."""
    state = ProblemState.fold((e.event_type, d) for e, d in history)
    opened = history[0][1]
    cause = next((d["analysis"] for e, d in reversed(history)
                  if e.event_type == "RootCauseRecorded"), None)  # fmt: skip
    verified = next((e.occurred_at for e, _ in reversed(history)
                     if e.event_type == "ProblemVerified"), None)  # fmt: skip
    last = history[-1][0]
    return {
        "problem_id": problem_id, "site": state.site, "title": state.title,
        "origin": opened["origin"], "stage": state.stage.value, "place": state.place,
        "asset": state.asset, "asset_type": opened.get("asset_type"), "model": opened.get("model"),
        "root_cause": cause, "outcome": state.outcome.value if state.outcome else None,
        "complaints": state.complaints, "recurrences": state.recurrences,
        "actions": json.loads(json.dumps(list(state.actions.values()), default=str)),
        "watching_until": state.watching_until, "opened_at": history[0][0].occurred_at,
        "verified_at": verified if state.outcome else None,
        "closed_at": last.occurred_at if state.stage.value == "closed" else None,
        "version": last.version,
    }  # fmt: skip


def schedule_row(event: Event, d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "schedule_id": event.stream_id, "site": d["site"], "description": d["description"],
        "location": d["location"], "asset": d.get("asset"), "place": d.get("place"),
        "team": d.get("team"), "plan": d["plan"],
        "problem_id": UUID(str(d["problem_id"])) if d.get("problem_id") else None,
        "scheduled_at": event.occurred_at,
    }  # fmt: skip


def visit_row(event: Event, d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "visit_id": event.stream_id, "schedule_id": UUID(str(d["schedule_id"])),
        "site": d["site"], "location": d["location"], "due_at": _at(d["due_at"]),
        "miss_at": _at(d["miss_at"]),
    }  # fmt: skip


def improvement_training(event: Event, site: str, d: Mapping[str, Any]) -> dict[str, Any] | None:
    """A problem's training action: a training record for the named officer."""
    if d["kind"] != "training" or not d.get("officer"):
        return None
    return {
        "training_id": UUID(str(d["action_id"])), "site": site, "officer": d["officer"],
        "reason": d["description"], "source": "problem", "ref": event.stream_id,
        "assigned_at": event.occurred_at, "due_on": _day(d["due_on"]),
    }  # fmt: skip


def attitude_training(
    event: Event, site: str, about_staff: str | None, proposed: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """An agreed attitude plan with a retraining, for the staff member the complaint named."""
    if proposed is None or not proposed.get("retraining") or not about_staff:
        return None
    deadline = proposed.get("deadline")
    return {
        "training_id": UUID(str(proposed["resolution_id"])), "site": site,
        "officer": about_staff, "reason": proposed["summary"], "source": "complaint",
        "ref": event.stream_id, "assigned_at": event.occurred_at,
        "due_on": _at(deadline).date() if deadline else None,
    }  # fmt: skip


class Learning:
    """Problem records, inspection schedules and visits, and training records."""

    name = "projections.learning"
    stream_types = ("problem", "inspection", "complaint")
    # Of a complaint, only what trains staff: every problem and inspection event.
    acts_on = frozenset(
        {"ResolutionAccepted", "ComplaintResolved"}
        | {n for n, t in registered_event_types().items()
           if t.stream_type in ("problem", "inspection")}
    )  # fmt: skip

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        d = event.data
        if event.stream_type == "problem":
            history = await eventstore.read_stream(
                conn, "problem", event.stream_id, to_version=event.version
            )
            await repository.put_problem(
                conn, problem_row(event.stream_id, [(e, e.data) for e in history])
            )
            if event.event_type == "ImprovementPlanned":
                row = improvement_training(event, event.site_id, d)
                if row:
                    await repository.put_training(conn, row)
            elif event.event_type == "ImprovementCompleted":
                await repository.training_done(conn, UUID(str(d["action_id"])), None,
                                               event.occurred_at)  # fmt: skip
        elif event.stream_type == "inspection":
            await self._inspection(conn, event)
        elif event.event_type == "ResolutionAccepted":
            history = await eventstore.read_stream(
                conn, "complaint", event.stream_id, to_version=event.version
            )
            proposed = next((e.data for e in reversed(history)
                             if e.event_type == "ResolutionProposed"
                             and e.data["resolution_id"] == d["resolution_id"]), None)  # fmt: skip
            row = attitude_training(
                event, event.site_id, history[0].data.get("about_staff"), proposed
            )
            if row:
                await repository.put_training(conn, row)
        elif event.event_type == "ComplaintResolved":
            await repository.training_done(conn, None, event.stream_id, event.occurred_at)

    async def _inspection(self, conn: Connection, event: EventEnvelope) -> None:
        d = event.data
        match event.event_type:
            case "InspectionScheduled":
                await repository.put_schedule(conn, schedule_row(event, d))
            case "InspectionScheduleEnded":
                await repository.end_schedule(conn, event.stream_id)
            case "InspectionWorkOrderRequested":
                await repository.put_visit(conn, visit_row(event, d))
            case "InspectionCompleted":
                await repository.visit_done(conn, event.stream_id, event.occurred_at)
            case "InspectionMissed":
                await repository.visit_missed(conn, event.stream_id, event.occurred_at)
