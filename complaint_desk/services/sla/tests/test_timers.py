"""Timers against the real database, with time fast-forwarded: each threshold fires once,
whichever replica claims it, and never for a clock that was met, paused or re-targeted."""

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from complaint_desk.contract.events import utcnow
from complaint_desk.contract.events.complaints import (
    ComplaintAcknowledged,
    ComplaintReceived,
    Severity,
    WaitingEnded,
    WaitingStarted,
)
from complaint_desk.services.sla import repository
from complaint_desk.services.sla.policy import (
    DEFAULT_POLICY,
    CalendarConfig,
    LevelPolicy,
    SlaDefaults,
    Target,
)
from complaint_desk.services.sla.projectors import SlaClocks
from complaint_desk.services.sla.service import fire_due, replan
from complaint_desk.shared import eventstore
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.uow import UnitOfWork
from conftest import record

DEFAULTS = SlaDefaults(calendar=CalendarConfig(holiday_country=None))


@pytest.fixture
def uow(pool: asyncpg.Pool) -> UnitOfWork:
    return UnitOfWork(pool)


@pytest.fixture
def clocks(pool: asyncpg.Pool) -> EventConsumer:
    return EventConsumer(pool, SlaClocks(DEFAULTS))


async def _safety_complaint(pool: asyncpg.Pool, clocks: EventConsumer, site: str) -> UUID:
    complaint_id = uuid4()
    await record(
        pool, clocks, complaint_id,
        ComplaintReceived(
            number=f"{site}-1", complainant_name="x", department="y", phone="0912345678",
            site=site, location="3F", category="safety", description="smoke",  # type: ignore[arg-type]
            urgency="high", channel="phone", receiving_officer="o", received_at=utcnow(),  # type: ignore[arg-type]
        ),
        site=site,
    )  # fmt: skip
    return complaint_id


async def _sla_events(pool: asyncpg.Pool, complaint_id: UUID) -> list[str]:
    return [e.event_type for e in await eventstore.read_stream(pool, "sla", complaint_id)]


def _site() -> str:
    return "T" + uuid4().hex[:6].upper()


async def test_thresholds_fire_once_each_at_their_time(
    pool: asyncpg.Pool, uow: UnitOfWork, clocks: EventConsumer
) -> None:
    site = _site()
    cid = await _safety_complaint(pool, clocks, site)  # L1: respond within 15 minutes
    assert await _sla_events(pool, cid) == ["SlaClockStarted", "SlaClockStarted"]
    start = utcnow()
    await fire_due(uow, start + timedelta(minutes=8))
    await fire_due(uow, start + timedelta(minutes=8))  # nothing is due twice
    assert (await _sla_events(pool, cid))[2:] == ["SlaWarningReached"]
    await fire_due(uow, start + timedelta(minutes=16))
    events = await eventstore.read_stream(pool, "sla", cid)
    fired = [(e.event_type, e.data.get("fraction"), e.data["notify"]) for e in events[2:]]
    assert fired == [
        ("SlaWarningReached", 0.5, "assigned_officer"),
        ("SlaWarningReached", 0.75, "supervisor"),
        ("SlaBreached", None, "duty_manager"),
    ]
    assert all(e.data["clock"] == "response" for e in events[2:])


async def test_two_replicas_claiming_at_once_fire_every_threshold_exactly_once(
    pool: asyncpg.Pool, uow: UnitOfWork, clocks: EventConsumer
) -> None:
    site = _site()
    ids = [await _safety_complaint(pool, clocks, site) for _ in range(25)]
    later = utcnow() + timedelta(hours=5)  # every response and resolution threshold is due
    replicas = [fire_due(uow, later, limit=7) for _ in range(6)]
    while sum(await asyncio.gather(*replicas)):
        replicas = [fire_due(uow, later, limit=7) for _ in range(6)]
    for cid in ids:
        fired = [
            e for e in await _sla_events(pool, cid) if e in ("SlaWarningReached", "SlaBreached")
        ]
        assert len(fired) == 6, "3 thresholds x 2 clocks, once each"


async def test_a_met_or_paused_clock_never_fires_stale_timers(
    pool: asyncpg.Pool, uow: UnitOfWork, clocks: EventConsumer
) -> None:
    site = _site()
    met = await _safety_complaint(pool, clocks, site)
    paused = await _safety_complaint(pool, clocks, site)
    await record(pool, clocks, met, ComplaintAcknowledged(contact_channel="phone"), site=site)  # type: ignore[arg-type]
    await record(pool, clocks, paused, WaitingStarted(reason="parts"), site=site)  # type: ignore[arg-type]
    await fire_due(uow, utcnow() + timedelta(days=2))
    assert [e for e in await _sla_events(pool, met) if "Breach" in e] == ["SlaBreached"], (
        "the resolution clock still runs and breaches; the response clock was met"
    )
    met_events = await eventstore.read_stream(pool, "sla", met)
    assert {e.data["clock"] for e in met_events if e.event_type == "SlaBreached"} == {"resolution"}
    assert (await _sla_events(pool, paused))[2:] == ["SlaPaused", "SlaPaused"]
    await record(pool, clocks, paused, WaitingEnded(), site=site)
    resumed = await _sla_events(pool, paused)
    assert resumed[-2:] == ["SlaResumed", "SlaResumed"]
    await fire_due(uow, utcnow() + timedelta(days=2))
    assert (await _sla_events(pool, paused)).count("SlaBreached") == 2


async def test_a_policy_change_replays_open_complaints_with_new_targets(
    pool: asyncpg.Pool, uow: UnitOfWork, clocks: EventConsumer
) -> None:
    site = _site()
    cid = await _safety_complaint(pool, clocks, site)
    strict = DEFAULT_POLICY.model_copy(
        update={"levels": {**DEFAULT_POLICY.levels, Severity.L1: LevelPolicy(
            response=Target(minutes=5), resolution=Target(hours=1), calendar="24x7")}}
    )  # fmt: skip
    await pool.execute(repository.Q.put_policy, site, "*", strict.model_dump(mode="json"))
    assert await replan(uow, [cid], defaults=DEFAULTS, reason="policy changed") == 1
    events = await eventstore.read_stream(pool, "sla", cid)
    recalculated = [e for e in events if e.event_type == "SlaRecalculated"]
    assert {e.data["target_seconds"] for e in recalculated} == {300, 3600}
    assert {e.data["reason"] for e in recalculated} == {"policy changed"}
    assert await replan(uow, [cid], defaults=DEFAULTS, reason="again") == 0, "idempotent"
    await fire_due(uow, utcnow() + timedelta(minutes=6))
    assert "SlaBreached" in await _sla_events(pool, cid)
