"""What the notification rules read for each event, kept for the rest of a batch's
transaction: a complaint's contact row (until an event of the batch writes it; a new row as
its insert returned it) and a site's subscriptions. They were two statements for every event;
the rules change nothing else that these rows hold, and a subscription made meanwhile applies
from the next batch, as one made a moment later would have."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from complaint_desk.shared.db import Connection

from . import repository


class BatchReads:
    def __init__(self) -> None:
        self._contacts: dict[UUID, dict[str, Any] | None] = {}
        self._subscriptions: dict[str, list[dict[str, Any]]] = {}

    async def contact(
        self, conn: Connection, complaint_id: UUID, *, written: bool
    ) -> dict[str, Any] | None:
        """The complaint's contact row; read again when this event has ``written`` it."""
        if written or complaint_id not in self._contacts:
            self._contacts[complaint_id] = await repository.contact(conn, complaint_id)
        return self._contacts[complaint_id]

    def wrote_contact(self, complaint_id: UUID, row: dict[str, Any]) -> None:
        """The complaint's contact row as the statement that wrote it returned it."""
        self._contacts[complaint_id] = row

    async def subscriptions(
        self, conn: Connection, site: str, event_type: str
    ) -> list[dict[str, Any]]:
        """The enabled subscriptions at ``site`` (or every site) to ``event_type`` (or all)."""
        if site not in self._subscriptions:
            self._subscriptions[site] = await repository.subscriptions_at(conn, site)
        return [
            s
            for s in self._subscriptions[site]
            if event_type in s["event_types"] or "*" in s["event_types"]
        ]
