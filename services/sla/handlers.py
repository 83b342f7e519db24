from shared.db import Connection
from shared.events import ComplaintReceived, EventEnvelope

from . import repository
from .domain import provisional_level, response_due


class ResponseClock:
    """Starts each complaint's response deadline when it is received."""

    name = "sla.clocks"
    stream_types = ("complaint",)

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        if event.event_type != "ComplaintReceived":
            return
        complaint = ComplaintReceived.model_validate(event.data)
        level = provisional_level(complaint.category, complaint.urgency)
        await repository.insert_complaint(
            conn,
            event.stream_id,
            complaint.site,
            level.value,
            complaint.received_at,
            response_due(complaint.received_at, level),
        )
