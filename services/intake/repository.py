"""Persistence of complaints: the event stream, plus intake's own numbering and idempotency."""

from pathlib import Path
from uuid import UUID

from shared import eventstore
from shared.db import Connection
from shared.events import Metadata
from shared.queries import load

from .domain import Complaint

Q = load(Path(__file__).parent / "sql" / "queries.sql")
STREAM = "complaint"


class ComplaintRepository:
    """Loads complaints from their events and saves what they recorded, within the caller's
    transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, complaint_id: UUID) -> Complaint | None:
        history = await eventstore.read_stream(self.conn, STREAM, complaint_id)
        if not history:
            return None
        return Complaint.rebuild(complaint_id, (e.payload() for e in history))

    async def save(self, complaint: Complaint, metadata: Metadata) -> eventstore.Appended:
        saved = await eventstore.append(
            self.conn,
            complaint.id,
            complaint.pending,
            metadata,
            expected_version=complaint.saved_version,
        )
        complaint.pending.clear()
        return saved

    async def next_sequence(self, site: str, day: str) -> int:
        return int(await self.conn.fetchval(Q.next_number, site, day))

    async def claim_idempotency_key(self, key: str, complaint_id: UUID) -> bool:
        return await self.conn.fetchval(Q.claim_idempotency_key, key, complaint_id) is not None

    async def complaint_for_key(self, key: str) -> UUID | None:
        return await self.conn.fetchval(Q.idempotent_complaint, key)
