"""notify's tables: contacts, subscriptions, the staff directory, deliveries, callbacks."""

from __future__ import annotations

import uuid
from pathlib import Path
from uuid import UUID

from shared.db import Connection
from shared.events import DomainEvent
from shared.events.notifications import NotificationQueued
from shared.queries import load

from .domain import Outgoing

Q = load(Path(__file__).parent / "sql" / "queries.sql")


async def queue(
    conn: Connection,
    complaint_id: UUID | None,
    site: str,
    outgoing: list[Outgoing],
    *,
    cause: str | None = None,
) -> list[DomainEvent]:
    """Put deliveries on the queue once each; the NotificationQueued events to record."""
    queued: list[DomainEvent] = []
    for o in outgoing:
        delivery_id = uuid.uuid4()
        delivery = Q.args(
            "queue",
            id=delivery_id,
            dedupe_key=o.dedupe_key,
            complaint_id=complaint_id,
            site=site,
            channel=o.channel,
            destination=o.destination,
            subscription_id=o.subscription_id,
            recipient=o.recipient,
            kind=o.kind.value,
            subject=o.subject,
            body=o.body,
            payload=o.payload,
            next_attempt_at=o.not_before,
        )
        inserted = await conn.fetchval(Q.queue, *delivery)
        if inserted:
            queued.append(
                NotificationQueued(
                    delivery_id=delivery_id, channel=o.channel, recipient=o.recipient,
                    kind=o.kind.value, cause_event_type=cause or o.kind.value,
                    not_before=o.not_before, instead_of=o.instead_of,
                )
            )  # fmt: skip
    return queued
