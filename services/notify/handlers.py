from shared.db import Connection
from shared.events import ComplaintReceived, EventEnvelope

from .domain import preferred_channel
from .repository import Q


class CallbackContacts:
    """Keeps each complainant's callback contact and preferred channel (回訪)."""

    name = "notify.contacts"
    stream_types = ("complaint",)

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        if event.event_type != "ComplaintReceived":
            return
        c = ComplaintReceived.model_validate(event.data)
        await conn.execute(
            Q.insert_contact,
            event.stream_id,
            c.site,
            preferred_channel(c.channel, c.phone, c.email),
            c.phone,
            c.email,
            c.received_at,
        )
