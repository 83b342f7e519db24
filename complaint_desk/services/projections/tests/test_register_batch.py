"""The register fed a batch at a time (rows read once, folded in memory, each written once)
holds what it holds fed one event at a time, against the real database: complaint and SLA
streams interleaved, rows already there from an earlier batch, and a batch whose complaint
the register has never received still parked alone, its neighbours applied."""

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from complaint_desk.contract.events import DomainEvent, EventEnvelope, Metadata, utcnow
from complaint_desk.contract.events.complaints import (
    ComplaintAcknowledged,
    ComplaintClassified,
    ComplaintReceived,
    SafetyEscalated,
)
from complaint_desk.contract.events.sla import SlaBreached, SlaClockStarted
from complaint_desk.services.projections.projectors import ComplaintRegister
from complaint_desk.shared import eventstore
from complaint_desk.shared.consumer import EventConsumer

# What differs between two complaints with the same history: who they are, and when each
# event was appended (a row's updated_at, acknowledged_at).
OWN = {"id", "number", "search", "complaint_id", "received_at", "updated_at", "acknowledged_at"}


def _complaint(site: str, number: str) -> list[DomainEvent]:
    return [
        ComplaintReceived(
            number=number, complainant_name="陳小明", department="總務", phone="0912345678",
            site=site, location="B1 機房", category="safety", description="冒煙",  # type: ignore[arg-type]
            urgency="critical", channel="phone", receiving_officer="officer-wang",  # type: ignore[arg-type]
            received_at=utcnow(),
        ),
        SafetyEscalated(reason="冒煙", at_receipt=True),
        ComplaintClassified(responsibility="logistics", severity="L1", category="safety"),  # type: ignore[arg-type]
        ComplaintAcknowledged(contact_channel="phone"),  # type: ignore[arg-type]
    ]  # fmt: skip


def _sla() -> list[DomainEvent]:
    now = utcnow()
    started = {"cycle": 1, "level": "L1", "calendar": "24x7", "target_seconds": 3600,
               "started_at": now, "due_at": now + timedelta(hours=1)}  # fmt: skip
    return [
        SlaClockStarted(clock="response", **started),  # type: ignore[arg-type]
        SlaClockStarted(clock="resolution", **started),  # type: ignore[arg-type]
        SlaBreached(clock="response", cycle=1, notify="duty_manager", due_at=now, reached_at=now),  # type: ignore[arg-type]
    ]


async def _stored(
    pool: asyncpg.Pool, site: str, complaint: UUID, number: str, sla: list[DomainEvent]
) -> list[EventEnvelope]:
    """The complaint's events as the log holds them, its two streams interleaved."""
    meta = Metadata(site_id=site, actor="officer-wang")
    async with pool.acquire() as conn:
        await eventstore.append(conn, complaint, _complaint(site, number), meta, expected_version=0)
        await eventstore.append(conn, complaint, sla, meta, expected_version=0)
    c = await eventstore.read_stream(pool, "complaint", complaint)
    s = await eventstore.read_stream(pool, "sla", complaint)
    return [c[0], s[0], c[1], s[1], c[2], c[3], s[2]]


async def _rows(pool: asyncpg.Pool, complaint: UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    register = await pool.fetchrow("SELECT * FROM projections.complaints WHERE id = $1", complaint)
    sla = await pool.fetchrow(
        "SELECT * FROM projections.sla_state WHERE complaint_id = $1", complaint
    )
    assert register is not None and sla is not None
    return tuple(  # type: ignore[return-value]
        {k: v for k, v in dict(row).items() if k not in OWN} for row in (register, sla)
    )


async def test_a_batch_leaves_the_rows_one_event_at_a_time_leaves(pool: asyncpg.Pool) -> None:
    site = "RB" + uuid4().hex[:4].upper()
    together, alone = uuid4(), uuid4()
    facts = _sla()  # the same due times for both
    batched = await _stored(pool, site, together, f"{site}-0001", facts)
    singly = await _stored(pool, site, alone, f"{site}-0002", facts)
    consumer = EventConsumer(pool, ComplaintRegister("test-secret"))

    # Two batches: the second folds onto rows the first wrote.
    assert await consumer.on_events([(e, None) for e in batched[:3]]) == 3
    assert await consumer.on_events([(e, None) for e in batched[3:]]) == 4
    for event in singly:
        assert await consumer.deliver(event, source="test")

    acknowledged = await pool.fetchval(
        "SELECT acknowledged_at FROM projections.complaints WHERE id = $1", together
    )
    assert acknowledged is not None
    register, sla = await _rows(pool, together)
    expected = await _rows(pool, alone)
    for got, want in zip((register, sla), expected, strict=True):
        assert {k for k in got if got[k] != want[k]} == set()
    assert register["safety_escalated"] and register["severity"] == "L1"
    assert register["version"] == 4
    assert sla["state"] == "breached" and sla["resolution_due_at"] is not None


async def test_an_unknown_complaint_in_a_batch_is_parked_alone(pool: asyncpg.Pool) -> None:
    site = "RU" + uuid4().hex[:4].upper()
    known, unknown = uuid4(), uuid4()
    events = await _stored(pool, site, known, f"{site}-0001", _sla())
    meta = Metadata(site_id=site, actor="officer-wang")
    async with pool.acquire() as conn:  # a complaint event with no ComplaintReceived before it
        await eventstore.append(conn, unknown, [SafetyEscalated(reason="漏水")], meta,
                                expected_version=0)  # fmt: skip
    [orphan] = await eventstore.read_stream(pool, "complaint", unknown)
    consumer = EventConsumer(pool, ComplaintRegister("test-secret"))

    assert await consumer.on_events([(e, None) for e in [*events, orphan]]) == len(events)
    register, _ = await _rows(pool, known)
    assert register["version"] == 4
    assert not await pool.fetchval("SELECT count(*) FROM projections.complaints WHERE id = $1",
                                   unknown)  # fmt: skip
    parked = await pool.fetchval(
        "SELECT count(*) FROM consumers.dead_letters WHERE consumer = $1 AND stream_id = $2",
        consumer.name, unknown,
    )  # fmt: skip
    assert parked == 1
