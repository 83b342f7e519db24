"""The register projector: the consumer base calls it once per event, in stream order."""

from shared.db import Connection
from shared.events import EventEnvelope

from . import repository
from .domain import next_status


class ComplaintRegister:
    """Builds the complaint register (投訴登記表) from the complaint events."""

    name = "projections.register"
    stream_types = ("complaint",)

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        if event.event_type == "ComplaintReceived":
            await repository.insert_received(conn, event, next_status(event, "new"))
            return
        current = await repository.current_status(conn, event.stream_id)
        if current is None:
            raise LookupError(f"{event.event_type} for a complaint the register has not received")
        await repository.advance(conn, event, next_status(event, current))
