"""The register against the real database: the projector fed from the event store."""

from datetime import timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from complaint_desk.contract.events import Metadata, utcnow
from complaint_desk.contract.events.complaints import (
    ComplaintAcknowledged,
    ComplaintClassified,
    ComplaintReceived,
    SafetyEscalated,
)
from complaint_desk.contract.events.sla import SlaBreached, SlaClockStarted, SlaRecalculated
from complaint_desk.services.projections import repository
from complaint_desk.services.projections.projectors import ComplaintRegister, Timeline
from complaint_desk.shared import eventstore
from complaint_desk.shared.consumer import EventConsumer
from conftest import record


@pytest.fixture
def register(pool: asyncpg.Pool) -> EventConsumer:
    return EventConsumer(pool, ComplaintRegister("test-secret"))


def _received(
    site: str, number: str, description: str, category: str = "repair_delay"
) -> ComplaintReceived:
    return ComplaintReceived(
        number=number, complainant_name="x", department="y", phone="0912345678", site=site,
        location="3F", category=category, description=description, urgency="normal",  # type: ignore[arg-type]
        channel="phone", receiving_officer="o", received_at=utcnow(),  # type: ignore[arg-type]
    )  # fmt: skip


async def test_search_filters_and_sorting(pool: asyncpg.Pool, register: EventConsumer) -> None:
    site = "R" + uuid4().hex[:5].upper()
    water, paper, lamp = uuid4(), uuid4(), uuid4()
    await record(pool, register, water, _received(site, f"{site}-0002", "飲水機故障已一週"))
    await record(
        pool, register, paper, _received(site, f"{site}-0001", "影印紙缺貨 100%", "shortage")
    )
    await record(pool, register, lamp, _received(site, f"{site}-0003", "Lamp broken_again"))
    await record(
        pool, register, water,
        ComplaintClassified(responsibility="logistics", severity="L1", category="repair_delay"),  # type: ignore[arg-type]
        SafetyEscalated(reason="wet floor by the socket"),
    )  # fmt: skip

    async def ids(**filters: object) -> list[UUID]:
        items, total = await repository.list_complaints(pool, sites=[site], **filters)  # type: ignore[arg-type]
        assert total == len(items)
        return [i["id"] for i in items]

    assert await ids(q="飲水") == [water], "any part of a Chinese phrase"
    assert await ids(q="水") == [water], "one character"
    assert await ids(q="LAMP") == [lamp], "case-insensitive"
    assert await ids(q="100%") == [paper] and await ids(q="0%") == [paper]
    assert await ids(q="o_e") == [], "wildcards are taken literally (o_e would match broken)"
    assert await ids(severity="L1") == [water]
    assert await ids(category="shortage") == [paper]
    assert await ids(sort="number") == [paper, water, lamp]
    assert await ids(sort="-number") == [lamp, water, paper]
    [row], _ = await repository.list_complaints(pool, sites=[site], severity="L1")
    assert (row["responsibility"], row["safety_escalated"], row["status"]) == (
        "logistics",
        True,
        "classified",
    )


def _clock(clock: str, due_in: timedelta) -> SlaClockStarted:
    now = utcnow()
    return SlaClockStarted(
        clock=clock, cycle=1, level="L2", calendar="HQ", target_seconds=3600,  # type: ignore[arg-type]
        started_at=now, due_at=now + due_in,
    )  # fmt: skip


async def test_desk_views_breaching_soon_not_contacted_by_sla_state_sorted_by_due(
    pool: asyncpg.Pool, register: EventConsumer
) -> None:
    site = "V" + uuid4().hex[:5].upper()
    soon, later, contacted, breached = uuid4(), uuid4(), uuid4(), uuid4()
    for n, complaint in enumerate((soon, later, contacted, breached)):
        await record(pool, register, complaint, _received(site, f"{site}-000{n}", "冷氣"))
    await record(pool, register, soon, _clock("response", timedelta(minutes=30)))
    await record(pool, register, later, _clock("response", timedelta(hours=5)))
    await record(pool, register, contacted, _clock("response", timedelta(minutes=10)),
                 _clock("resolution", timedelta(minutes=50)))  # fmt: skip
    await record(pool, register, contacted, ComplaintAcknowledged(contact_channel="phone"))  # type: ignore[arg-type]
    now = utcnow()
    await record(pool, register, breached, SlaBreached(
        clock="response", cycle=1, notify="duty_manager", due_at=now, reached_at=now,  # type: ignore[arg-type]
    ))  # fmt: skip

    async def ids(**filters: object) -> list[UUID]:
        items, _ = await repository.list_complaints(pool, sites=[site], **filters)  # type: ignore[arg-type]
        return [i["id"] for i in items]

    within_an_hour = now + timedelta(hours=1)
    assert await ids(due_before=within_an_hour, sort="due") == [soon, contacted], (
        "the contacted one by its resolution clock; a breached one is breached, not breaching"
    )
    assert set(await ids(not_contacted=True)) == {soon, later, breached}
    assert await ids(sla_state="breached") == [breached]
    assert (await ids(sort="due"))[:3] == [soon, contacted, later]
    # Which calendar measures each clock comes with it: the console counts a business clock
    # in working time. (The sla service names a business calendar by its site.)
    [row], _ = await repository.list_complaints(pool, sites=[site], q=f"{site}-0002")
    assert (row["response_calendar"], row["resolution_calendar"]) == ("business", "business")
    await record(pool, register, contacted, SlaRecalculated(
        clock="resolution", cycle=1, level="L1", calendar="24x7", target_seconds=600,  # type: ignore[arg-type]
        due_at=now + timedelta(minutes=5), reason="severity changed",
    ))  # fmt: skip
    [row], _ = await repository.list_complaints(pool, sites=[site], q=f"{site}-0002")
    assert (row["response_calendar"], row["resolution_calendar"]) == ("business", "24x7")


async def test_sla_state_arrives_in_any_order(pool: asyncpg.Pool, register: EventConsumer) -> None:
    site = "S" + uuid4().hex[:5].upper()
    complaint = uuid4()
    now = utcnow()
    # The SLA service's breach may be handled before the register has the complaint's row.
    breach = SlaBreached(
        clock="response",  # type: ignore[arg-type]
        cycle=1,
        notify="duty_manager",
        due_at=now,
        reached_at=now,
    )
    await record(pool, register, complaint, breach)
    await record(pool, register, complaint, _received(site, f"{site}-0001", "冷氣不冷"))
    [row], _ = await repository.list_complaints(pool, sites=[site])
    assert (row["sla_state"], row["sla_breached_ever"]) == ("breached", True)


async def test_the_timeline_holds_every_stream_once_in_log_order(pool: asyncpg.Pool) -> None:
    timeline = EventConsumer(pool, Timeline())
    complaint = uuid4()
    now = utcnow()
    async with pool.acquire() as conn:
        await eventstore.append(conn, complaint, [_received("TL", "TL-1", "冷氣")],
                                Metadata(site_id="TL", actor="o"), expected_version=0)  # fmt: skip
        breach = SlaBreached(
            clock="response",  # type: ignore[arg-type]
            cycle=1,
            notify="duty_manager",
            due_at=now,
            reached_at=now,
        )
        sla = Metadata(site_id="TL", actor="system:sla")
        await eventstore.append(conn, complaint, [breach], sla, expected_version=0)
    events = [
        *await eventstore.read_stream(pool, "sla", complaint),
        *await eventstore.read_stream(pool, "complaint", complaint),
    ]
    for event in events + events:  # out of order, and every one twice
        await timeline.deliver(event, source="test")
    rows = await repository.timeline(pool, complaint)
    assert [r["event_type"] for r in rows] == ["ComplaintReceived", "SlaBreached"]
    assert rows[1]["actor"] == "system:sla"
