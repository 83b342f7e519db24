"""notify's tables: contacts, subscriptions, the staff directory, deliveries, callbacks."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import DomainEvent
from complaint_desk.contract.events.notifications import NotificationQueued
from complaint_desk.shared.db import Connection, Executor
from complaint_desk.shared.queries import load

from .domain import Outgoing

Q = load(Path(__file__).parent / "sql" / "queries.sql")
# A claim looks at this many times the rows it may take: past a destination at its limit.
CLAIM_SCAN = 4


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


# -- subscriptions, the staff directory and dead letters (the API's) --------------------------


async def subscription(conn: Executor, subscription_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q.subscription, subscription_id)
    return dict(row) if row else None


async def subscriptions(conn: Executor, limit: int, offset: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q.subscriptions, limit, offset)]


async def insert_subscription(conn: Executor, **fields: Any) -> None:
    """A new subscription: id, name, site, event_types, channel, destination, secrets, enabled."""
    await conn.execute(Q.insert_subscription, *Q.args("insert_subscription", fields))


async def update_subscription(conn: Executor, **fields: Any) -> None:
    """A changed subscription: id, name, site, event_types, destination, enabled."""
    await conn.execute(Q.update_subscription, *Q.args("update_subscription", fields))


async def rotate_secret(conn: Executor, subscription_id: UUID, secret: str) -> None:
    await conn.execute(Q.rotate_secret, subscription_id, secret)


async def put_staff(
    conn: Executor, site: str, role: str, channel: str, destination: str, locale: str
) -> None:
    await conn.execute(Q.put_staff, site, role, channel, destination, locale)


async def directory(conn: Executor, site: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q.directory, *Q.args("directory", site=site))]


async def dead_letters(
    conn: Executor, sites: list[str] | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q.dead_letters, sites, limit, offset)]


async def replay(
    conn: Executor, delivery_id: UUID, now: datetime, sites: list[str] | None
) -> UUID | None:
    """Send a dead letter again; None if there is no such dead letter the caller may see."""
    replayed: UUID | None = await conn.fetchval(Q.replay, delivery_id, now, sites)
    return replayed


# -- the delivery queue (the dispatcher's) -----------------------------------------------------


async def claim_deliveries(
    conn: Executor,
    now: datetime,
    lease_until: datetime,
    limit: int,
    sending: Mapping[str, int],
    per_destination: int,
) -> list[dict[str, Any]]:
    """Take up to ``limit`` due deliveries, leased until ``lease_until``, and none that would
    put a destination over ``per_destination`` sends at once with those it has ``sending``."""
    args = Q.args(
        "claim",
        now=now,
        lease_until=lease_until,
        saturated=[d for d, n in sending.items() if n >= per_destination],
        busy=list(sending),
        sending=list(sending.values()),
        per_destination=per_destination,
        take=limit,
        scan=limit * CLAIM_SCAN,
    )
    return [dict(r) for r in await conn.fetch(Q.claim, *args)]


async def give_back(conn: Executor, delivery_ids: list[UUID]) -> None:
    """Deliveries claimed and never sent: free to claim again, the attempt not counted."""
    await conn.execute(Q.give_back, *Q.args("give_back", ids=delivery_ids))


async def count_sends(
    conn: Executor, added: Mapping[tuple[str, str, date], int]
) -> dict[tuple[str, str, date], int]:
    """Adds ``added[(channel, destination, day)]`` messages to each of those counts, locking
    them in the order given, in one statement: each count after."""
    rows = await conn.fetch(
        Q.count_sends,
        *Q.args(
            "count_sends",
            channels=[channel for channel, _, _ in added],
            destinations=[destination for _, destination, _ in added],
            days=[day for _, _, day in added],
            added=list(added.values()),
        ),
    )
    return {(r["channel"], r["destination"], r["day"]): r["sent"] for r in rows}


async def mark_delivered(conn: Executor, delivery_id: UUID, now: datetime) -> None:
    await conn.execute(Q.delivered, delivery_id, now)


async def mark_delivered_many(conn: Executor, delivery_ids: list[UUID], now: datetime) -> set[UUID]:
    """Marks them delivered; the ones that were still pending (a lease that ran out may have
    let another replica record one first)."""
    return {r["id"] for r in await conn.fetch(Q.delivered_many, delivery_ids, now)}


async def mark_dead(conn: Executor, delivery_id: UUID, now: datetime, error: str | None) -> None:
    await conn.execute(Q.dead, delivery_id, now, error)


async def schedule_retry(
    conn: Executor, delivery_id: UUID, retry_at: datetime, error: str | None
) -> None:
    await conn.execute(Q.retry, delivery_id, retry_at, error)


async def disable_subscription(conn: Executor, subscription_id: UUID, why: str | None) -> None:
    await conn.execute(Q.disable_subscription, subscription_id, why)


# -- contacts and callbacks (the rules' and the callback workflow's) --------------------------


async def contact(conn: Executor, complaint_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q.contact, complaint_id)
    return dict(row) if row else None


async def insert_contact(conn: Executor, **fields: Any) -> dict[str, Any]:
    """How to reach the complainant, and the case's facts the messages name: the row written."""
    row = await conn.fetchrow(Q.insert_contact, *Q.args("insert_contact", fields))
    assert row is not None
    return dict(row)


async def set_cycle(conn: Executor, complaint_id: UUID, cycle: int) -> None:
    await conn.execute(Q.set_cycle, complaint_id, cycle)


async def set_owner(conn: Executor, complaint_id: UUID, owner: str) -> None:
    await conn.execute(Q.set_owner, complaint_id, owner)


async def set_plan(
    conn: Executor,
    complaint_id: UUID,
    summary: str,
    deadline: datetime | None,
    expected_arrival: datetime | None,
) -> None:
    await conn.execute(Q.set_plan, complaint_id, summary, deadline, expected_arrival)


async def set_handling_summary(
    conn: Executor, complaint_id: UUID, summary: str, improvement: str | None
) -> None:
    await conn.execute(Q.set_handling_summary, complaint_id, summary, improvement)


async def expect_response(conn: Executor, complaint_id: UUID, due_at: datetime | None) -> None:
    await conn.execute(Q.expect_response, complaint_id, due_at)


async def expected_response(conn: Executor, complaint_id: UUID) -> datetime | None:
    due: datetime | None = await conn.fetchval(Q.expected_response, complaint_id)
    return due


async def staff_entry(conn: Executor, site: str, role: str) -> dict[str, Any] | None:
    """Who holds ``role`` at ``site`` in the directory, and how to reach them."""
    row = await conn.fetchrow(Q.staff, site, role)
    return dict(row) if row else None


async def subscriptions_at(conn: Executor, site: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q.subscriptions_at, site)]


async def open_callback(conn: Executor, **fields: Any) -> UUID | None:
    """The cycle's callback, once: complaint_id, cycle, nonce, channel, requested_at,
    next_step_at, expires_at. None if it was opened before."""
    opened: UUID | None = await conn.fetchval(Q.open_callback, *Q.args("open_callback", fields))
    return opened


async def withdraw_callbacks(conn: Executor, complaint_id: UUID, why: str) -> None:
    await conn.execute(Q.withdraw_callbacks, complaint_id, why)


async def callback(conn: Executor, complaint_id: UUID, cycle: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q.callback, complaint_id, cycle)
    return dict(row) if row else None


async def due_callbacks(conn: Executor, now: datetime, limit: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q.due_callbacks, now, limit)]


async def advance_callback(
    conn: Executor, complaint_id: UUID, cycle: int, status: str, next_step_at: datetime | None
) -> None:
    await conn.execute(Q.advance_callback, complaint_id, cycle, status, next_step_at)


async def answer_callback(
    conn: Executor, complaint_id: UUID, cycle: int, now: datetime
) -> str | None:
    """Mark the callback answered; its channel, or None if it could no longer be."""
    channel: str | None = await conn.fetchval(Q.answer_callback, complaint_id, cycle, now)
    return channel


async def contact_category(conn: Executor, complaint_id: UUID) -> str | None:
    category: str | None = await conn.fetchval(Q.contact_category, complaint_id)
    return category


async def add_co_complainant(conn: Executor, **fields: Any) -> None:
    await conn.execute(Q.add_co_complainant, *Q.args("add_co_complainant", fields))


async def remove_co_complainant(conn: Executor, complaint_id: UUID, merged: UUID) -> None:
    args = Q.args("remove_co_complainant", complaint_id=complaint_id, merged=merged)
    await conn.execute(Q.remove_co_complainant, *args)


async def co_complainants(conn: Executor, complaint_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        Q.co_complainants, *Q.args("co_complainants", complaint_id=complaint_id)
    )
    return [dict(r) for r in rows]
