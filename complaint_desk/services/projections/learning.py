"""What the desk learns from (問題紀錄、定期巡檢、培訓): the problem records, inspection
schedules and visits, and training records, kept from their events for the console and the
periodic reports."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import EventEnvelope
from complaint_desk.contract.events.problems import ProblemState
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection

from . import repository


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def _problem_row(conn: Connection, event: EventEnvelope) -> dict[str, Any]:
    """The problem as its events up to this one leave it (a replay writes the same row)."""
    history = await eventstore.read_stream(
        conn, "problem", event.stream_id, to_version=event.version
    )
    state = ProblemState.fold((e.event_type, e.data) for e in history)
    opened = history[0]
    cause = next((e.data["analysis"] for e in reversed(history)
                  if e.event_type == "RootCauseRecorded"), None)  # fmt: skip
    verified = next((e.occurred_at for e in reversed(history)
                     if e.event_type == "ProblemVerified"), None)  # fmt: skip
    closed = history[-1].occurred_at if state.stage.value == "closed" else None
    return {
        "problem_id": event.stream_id, "site": state.site, "title": state.title,
        "origin": opened.data["origin"], "stage": state.stage.value, "place": state.place,
        "asset": state.asset, "asset_type": opened.data.get("asset_type"),
        "model": opened.data.get("model"), "root_cause": cause,
        "outcome": state.outcome.value if state.outcome else None,
        "complaints": state.complaints, "recurrences": state.recurrences,
        "actions": json.loads(json.dumps(list(state.actions.values()), default=str)),
        "watching_until": state.watching_until, "opened_at": opened.occurred_at,
        "verified_at": verified if state.outcome else None, "closed_at": closed,
        "version": event.version,
    }  # fmt: skip


class Learning:
    """Problem records, inspection schedules and visits, and training records."""

    name = "projections.learning"
    stream_types = ("problem", "inspection", "complaint")

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        d = event.data
        if event.stream_type == "problem":
            await repository.put_problem(conn, await _problem_row(conn, event))
            await self._training(conn, event)
        elif event.stream_type == "inspection":
            await self._inspection(conn, event)
        else:
            await self._attitude_training(conn, event, d)

    async def _training(self, conn: Connection, event: EventEnvelope) -> None:
        d = event.data
        if (
            event.event_type == "ImprovementPlanned"
            and d["kind"] == "training"
            and d.get("officer")
        ):
            await repository.put_training(conn, {
                "training_id": UUID(str(d["action_id"])), "site": event.site_id,
                "officer": d["officer"], "reason": d["description"], "source": "problem",
                "ref": event.stream_id, "assigned_at": event.occurred_at,
                "due_on": datetime.fromisoformat(str(d["due_on"])).date(),
            })  # fmt: skip
        elif event.event_type == "ImprovementCompleted":
            await repository.training_done(conn, UUID(str(d["action_id"])), None, event.occurred_at)

    async def _attitude_training(
        self, conn: Connection, event: EventEnvelope, d: dict[str, Any]
    ) -> None:
        """A retraining in an attitude complaint's agreed plan, for the staff it named."""
        if event.event_type == "ResolutionAccepted":
            history = await eventstore.read_stream(
                conn, "complaint", event.stream_id, to_version=event.version
            )
            received = history[0].data
            proposed = next((e for e in reversed(history) if e.event_type == "ResolutionProposed"
                             and e.data["resolution_id"] == d["resolution_id"]), None)  # fmt: skip
            if proposed is None or not proposed.data.get("retraining"):
                return
            if not received.get("about_staff"):
                return
            deadline = proposed.data.get("deadline")
            await repository.put_training(conn, {
                "training_id": UUID(str(d["resolution_id"])), "site": event.site_id,
                "officer": received["about_staff"], "reason": proposed.data["summary"],
                "source": "complaint", "ref": event.stream_id, "assigned_at": event.occurred_at,
                "due_on": _at(deadline).date() if deadline else None,
            })  # fmt: skip
        elif event.event_type == "ComplaintResolved":
            await repository.training_done(conn, None, event.stream_id, event.occurred_at)

    async def _inspection(self, conn: Connection, event: EventEnvelope) -> None:
        d = event.data
        match event.event_type:
            case "InspectionScheduled":
                await repository.put_schedule(conn, {
                    "schedule_id": event.stream_id, "site": d["site"],
                    "description": d["description"], "location": d["location"],
                    "asset": d.get("asset"), "place": d.get("place"), "team": d.get("team"),
                    "plan": d["plan"], "problem_id": d.get("problem_id") and UUID(d["problem_id"]),
                    "scheduled_at": event.occurred_at,
                })  # fmt: skip
            case "InspectionScheduleEnded":
                await repository.end_schedule(conn, event.stream_id)
            case "InspectionWorkOrderRequested":
                await repository.put_visit(conn, {
                    "visit_id": event.stream_id, "schedule_id": UUID(str(d["schedule_id"])),
                    "site": d["site"], "location": d["location"], "due_at": _at(d["due_at"]),
                    "miss_at": _at(d["miss_at"]),
                })  # fmt: skip
            case "InspectionCompleted":
                await repository.visit_done(conn, event.stream_id, event.occurred_at)
            case "InspectionMissed":
                await repository.visit_missed(conn, event.stream_id, event.occurred_at)
