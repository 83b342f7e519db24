"""The register projector: the consumer base calls it once per event, in stream order."""

from shared.db import Connection
from shared.events import EventEnvelope

from . import repository
from .domain import facts, next_status, sla_state


class ComplaintRegister:
    """Builds the complaint register (投訴登記表) from the complaint events, with each
    complaint's SLA state from the SLA events."""

    name = "projections.register"
    stream_types = ("complaint", "sla")

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        if event.stream_type == "sla":
            state = sla_state(event)
            if state is not None:
                await repository.put_sla_state(
                    conn, event.stream_id, state[0], state[1], event.occurred_at
                )
            return
        if event.event_type == "ComplaintReceived":
            await repository.insert_received(conn, event, next_status(event, "new"))
            return
        current = await repository.current_status(conn, event.stream_id)
        if current is None:
            raise LookupError(f"{event.event_type} for a complaint the register has not received")
        await repository.advance(conn, event, next_status(event, current))
        found = facts(event)
        if found is not None:
            await repository.set_facts(conn, event.stream_id, found)
        if event.event_type == "CallbackRecorded":
            await repository.set_satisfied(conn, event.stream_id, bool(event.data["satisfied"]))


class Timeline:
    """Keeps each complaint's timeline: every lifecycle, SLA and notification event, with who,
    when, why and the causation chain, once each."""

    name = "projections.timeline"
    stream_types = ("complaint", "sla", "notification")

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        await repository.add_to_timeline(conn, event)
