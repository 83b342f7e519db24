"""What the sla service consumes: the complaint's lifecycle events, which move its clocks."""

from __future__ import annotations

from complaint_desk.contract.events import EventEnvelope
from complaint_desk.contract.events.complaints import ComplaintClassified, SeverityChanged
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection

from .domain import MOVES_CLOCKS
from .policy import SlaDefaults
from .service import breaches_counted_from_zero, plan
from .upkeep import arm_from


class SlaClocks:
    """Keeps each complaint's response and resolution clocks, by severity, from the complaint's
    lifecycle events: starts, pauses, resumes, re-targets and stops them, and arms a durable
    timer for each warning and the breach."""

    name = "sla.clocks"
    stream_types = ("complaint",)
    acts_on = MOVES_CLOCKS

    def __init__(self, defaults: SlaDefaults) -> None:
        self.defaults = defaults

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        if event.event_type not in MOVES_CLOCKS:
            return  # nothing to measure again: the clocks are as the last event left them
        if event.event_type == "ComplaintReceived":
            breaches_counted_from_zero([event.site_id])
        history = await eventstore.read_stream(
            conn, "complaint", event.stream_id, to_version=event.version
        )
        reason = {
            ComplaintClassified.__name__: "severity changed",
            SeverityChanged.__name__: "severity changed",
            "SafetyEscalated": "safety escalated",
        }.get(event.event_type, event.event_type)
        await plan(
            conn,
            event.stream_id,
            history,
            defaults=self.defaults,
            reason=reason,
            cause=event,
        )


class Upkeep:
    """Arms the deadlines of inspection schedules (each next visit, each visit's grace) and
    of problems being watched, from their events."""

    name = "sla.upkeep"
    stream_types = ("inspection", "problem")

    def __init__(self, defaults: SlaDefaults) -> None:
        self.defaults = defaults

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        await arm_from(conn, event, self.defaults)
