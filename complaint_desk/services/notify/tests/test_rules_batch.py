"""A batch of events applied together (one transaction, reads shared) queues what the same
events applied one at a time queue: the contact row read again after an event writes it, the
site's subscriptions matched per event."""

import re
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg

from complaint_desk.contract.events import DomainEvent, EventEnvelope, Metadata
from complaint_desk.contract.events.complaints import (
    Category,
    Channel,
    ComplaintReceived,
    ComplaintResolved,
    OwnerAssigned,
    SafetyEscalated,
    Urgency,
)
from complaint_desk.services.notify.api import new_secret
from complaint_desk.services.notify.projectors import NotificationRules
from complaint_desk.services.notify.repository import Q
from complaint_desk.services.notify.settings import NotifySettings
from complaint_desk.shared import eventstore

LINK = re.compile(r"https?://\S+")


def _lifecycle(site: str, complaint: UUID) -> list[EventEnvelope]:
    facts: list[DomainEvent] = [
        ComplaintReceived(
            number=f"{site}-20261206-0001", complainant_name="陳小明", department="總務",
            email="chen@example.org", site=site, location="B1 機房", category=Category.SAFETY,
            description="冒煙", urgency=Urgency.CRITICAL, channel=Channel.EMAIL,
            receiving_officer="officer-wang", received_at=datetime(2026, 12, 6, tzinfo=UTC),
        ),
        SafetyEscalated(reason="冒煙", at_receipt=True),
        OwnerAssigned(owner="officer-li", previous="officer-wang"),
        ComplaintResolved(summary="更換電源供應器", improvement="每月巡檢"),
    ]  # fmt: skip
    meta = Metadata(site_id=site, actor="officer-wang")
    return [
        EventEnvelope.wrap(f, stream_id=complaint, version=n, metadata=meta)
        for n, f in enumerate(facts, 1)
    ]


async def _queued(pool: asyncpg.Pool, complaint: UUID) -> list[tuple[str, ...]]:
    rows = await pool.fetch(
        "SELECT d.kind, d.channel, d.destination, coalesce(s.name, d.recipient) AS recipient,"
        " d.subject, d.body FROM notify.deliveries d LEFT JOIN notify.subscriptions s"
        " ON s.id = d.subscription_id WHERE d.complaint_id = $1",
        complaint,
    )
    # Links name the complaint and a callback's nonce: the words around them must agree.
    return sorted(tuple(LINK.sub("LINK", str(v)) for v in r.values()) for r in rows)


async def test_a_batch_queues_what_the_events_one_at_a_time_queue(pool: asyncpg.Pool) -> None:
    site = f"B{uuid4().hex[:5].upper()}"
    for name, types in (("all", ["*"]), ("resolved", ["ComplaintResolved"])):
        await pool.execute(Q.insert_subscription, uuid4(), name, site, types, "webhook",
                           f"https://example.org/{name}", [new_secret()], True)  # fmt: skip
    rules = NotificationRules(NotifySettings())
    together, alone = uuid4(), uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await rules.apply_all(conn, _lifecycle(site, together))
    for event in _lifecycle(site, alone):
        async with pool.acquire() as conn, conn.transaction():
            await rules.apply(conn, event)

    queued = await _queued(pool, together)
    assert queued == await _queued(pool, alone)
    recipients = [r[3] for r in queued]
    assert recipients.count("all") == 4 and recipients.count("resolved") == 1
    callback = [r for r in queued if r[0] == "callback"]
    assert callback and "更換電源供應器" in callback[0][5], "the contact row as the event left it"
    produced = [
        [e.event_type for e in await eventstore.read_stream(pool, "notification", c)]
        for c in (together, alone)
    ]
    assert produced[0] == produced[1] and "CallbackRequested" in produced[0]
