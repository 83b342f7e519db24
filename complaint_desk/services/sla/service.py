"""The sla service's use cases: planning a complaint's clocks from its events (and re-planning
open complaints when a policy changes), and firing the thresholds that fell due."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from prometheus_client import Counter, Histogram

from complaint_desk.contract.events import DomainEvent, EventEnvelope, Metadata, utcnow
from complaint_desk.contract.events.complaints import Severity
from complaint_desk.contract.events.sla import (
    ClockKind,
    SlaBreached,
    SlaCalendarChanged,
    SlaPolicyChanged,
    SlaWarningReached,
)
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection, Executor
from complaint_desk.shared.metrics import at_zero
from complaint_desk.shared.supervise import Sleep, supervise
from complaint_desk.shared.uow import UnitOfWork

from . import repository, upkeep
from .domain import ClockView, ComplaintClocks, changes, evaluate
from .policy import CalendarConfig, SlaDefaults, SlaPolicy

log = logging.getLogger(__name__)
ACTOR = "system:sla"

THRESHOLDS_FIRED = Counter(
    "desk_sla_thresholds_fired_total",
    "SLA warnings and breaches fired",
    ["site", "level", "clock", "threshold"],
)


def breaches_counted_from_zero(sites: Sequence[str]) -> None:
    """The breach series of these sites, at 0: the alert on an urgent complaint not
    acknowledged (``increase()``) then fires on the very first one."""
    at_zero(
        THRESHOLDS_FIRED,
        [
            (site, level, clock, "breach")
            for site in sites
            for level in Severity
            for clock in ClockKind
        ],
    )


async def count_known_sites_from_zero(uow: UnitOfWork) -> None:
    async with uow() as conn:
        breaches_counted_from_zero(await repository.known_sites(conn))


LATENESS = Histogram(
    "desk_sla_timer_lateness_seconds",
    "How late a threshold fired after it fell due",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300),
)


async def measured(
    conn: Executor, clocks: ComplaintClocks, defaults: SlaDefaults, now: datetime
) -> list[ClockView]:
    """The clocks under the policy and calendars in force for their site, at ``now``."""
    assert clocks.site
    policy = await repository.policy_for(conn, clocks.site, clocks.category.value, defaults.policy)
    calendars = await repository.calendars_for(conn, clocks.site, defaults.calendar)
    return evaluate(clocks, policy, calendars, now)


@dataclass(frozen=True)
class Measured:
    """A complaint's clocks as they stand, and when each threshold fired."""

    clocks: ComplaintClocks
    views: list[ClockView]
    fired: dict[tuple[str, int, str], datetime]


async def clocks_now(
    conn: Executor, complaint_id: UUID, defaults: SlaDefaults, now: datetime
) -> Measured | None:
    """The complaint's clocks from the events they have applied; None if they know none."""
    applied = await repository.applied_version(conn, complaint_id)
    history = await eventstore.read_stream(conn, "complaint", complaint_id, to_version=applied)
    clocks = ComplaintClocks.fold(complaint_id, history)
    if not clocks.site:
        return None
    views = await measured(conn, clocks, defaults, now)
    return Measured(clocks, views, await repository.fired_thresholds(conn, complaint_id))


# Policy and calendar changes are recorded on streams of their own.
CONFIG_STREAMS = uuid.UUID("0d6b3f5e-6c1a-4c2e-9a55-3f1f7b0e2a10")


async def set_policy(
    uow: UnitOfWork,
    site: str,
    category: str,
    policy: SlaPolicy,
    *,
    actor: str,
    defaults: SlaDefaults,
) -> None:
    """Store the policy, record SlaPolicyChanged, then replay the open complaints it governs."""
    async with uow() as conn:
        await repository.put_policy(conn, site, category, policy)
        await eventstore.append(
            conn,
            uuid.uuid5(CONFIG_STREAMS, f"policy:{site}:{category}"),
            [
                SlaPolicyChanged(
                    site=site,
                    category=None if category == "*" else category,
                    policy=policy.model_dump(mode="json"),
                )
            ],
            Metadata(site_id=site, actor=actor),
            expected_version=None,
        )
    await replan_open(uow, site, category, defaults=defaults, reason="policy changed")
    if site != "*":
        breaches_counted_from_zero([site])


async def set_calendar(
    uow: UnitOfWork, site: str, calendar: CalendarConfig, *, actor: str, defaults: SlaDefaults
) -> None:
    """Store the calendar, record SlaCalendarChanged, then replay the site's open complaints."""
    async with uow() as conn:
        await repository.put_calendar(conn, site, calendar)
        await eventstore.append(
            conn,
            uuid.uuid5(CONFIG_STREAMS, f"calendar:{site}"),
            [SlaCalendarChanged(site=site, calendar=calendar.model_dump(mode="json"))],
            Metadata(site_id=site, actor=actor),
            expected_version=None,
        )
    await replan_open(uow, site, "*", defaults=defaults, reason="calendar changed")


async def replan_open(
    uow: UnitOfWork, site: str, category: str, *, defaults: SlaDefaults, reason: str
) -> int:
    async with uow() as conn:
        complaint_ids = await repository.open_complaints_at(conn, site, category)
    return await replan(uow, complaint_ids, defaults=defaults, reason=reason)


async def plan(
    conn: Connection,
    complaint_id: UUID,
    history: Sequence[EventEnvelope],
    *,
    defaults: SlaDefaults,
    reason: str,
    cause: EventEnvelope | None = None,
    now: datetime | None = None,
) -> list[DomainEvent]:
    """Measure the complaint's clocks from its events, store them, (re)arm their timers and
    record how they moved — all in the caller's transaction."""
    clocks = ComplaintClocks.fold(complaint_id, history)
    if not clocks.site:
        return []
    views = await measured(conn, clocks, defaults, now or utcnow())
    events = changes(await repository.stored_clocks(conn, complaint_id), views, reason)
    await repository.save(conn, complaint_id, clocks.site, clocks.category.value, views)
    if events:
        metadata = (
            cause.caused().model_copy(update={"actor": ACTOR})
            if cause
            else Metadata(site_id=clocks.site, actor=ACTOR)
        )
        await eventstore.append(conn, complaint_id, events, metadata, expected_version=None)
    return events


async def replan(
    uow: UnitOfWork,
    complaint_ids: Sequence[UUID],
    *,
    defaults: SlaDefaults,
    reason: str,
) -> int:
    """Re-measure open complaints after a policy or calendar change: a replay of their events
    (as far as the clocks have applied them) under the new configuration."""
    changed = 0
    for complaint_id in complaint_ids:
        async with uow() as conn:
            applied = await repository.applied_version(conn, complaint_id)
            history = await eventstore.read_stream(
                conn, "complaint", complaint_id, to_version=applied
            )
            if await plan(conn, complaint_id, history, defaults=defaults, reason=reason):
                changed += 1
    return changed


async def fire_due(uow: UnitOfWork, now: datetime, limit: int = 500) -> int:
    """Fire the thresholds due by ``now``: each exactly once, whichever replica claims it."""
    async with uow() as conn:
        timers = await repository.claim_due(conn, now, limit)
        by_complaint = defaultdict(list)
        for timer in timers:
            by_complaint[timer["complaint_id"]].append(timer)
        # Streams in one order for every replica: two appending to the same two streams in
        # opposite orders would deadlock.
        for complaint_id, due in sorted(by_complaint.items()):
            events: list[DomainEvent] = []
            for t in due:
                common = {
                    "clock": ClockKind(t["clock"]),
                    "cycle": t["cycle"],
                    "notify": t["notify"],
                    "due_at": t["due_at"],
                    "reached_at": now,
                    "level": t["level"],
                }
                if t["threshold"] == "breach":
                    events.append(SlaBreached(**common))
                else:
                    deadline = await repository.deadline_of(
                        conn, complaint_id, t["clock"], t["cycle"]
                    )
                    events.append(
                        SlaWarningReached(**common, fraction=t["fraction"], deadline=deadline)
                    )
                await repository.mark_fired(conn, t, now)
            await eventstore.append(
                conn,
                complaint_id,
                events,
                Metadata(site_id=due[0]["site"], actor=ACTOR, correlation_id=_stable(complaint_id)),
                expected_version=None,
            )
    for t in timers:
        THRESHOLDS_FIRED.labels(t["site"], t["level"], t["clock"], t["threshold"]).inc()
        LATENESS.observe(max(0.0, (now - t["due_at"]).total_seconds()))
    return len(timers)


def _stable(complaint_id: UUID) -> UUID:
    """One correlation id per complaint's SLA conversation."""
    return uuid.uuid5(complaint_id, "sla")


async def run_timers(
    uow: UnitOfWork,
    *,
    poll_seconds: float,
    batch_size: int,
    defaults: SlaDefaults,
    clock: Callable[[], datetime] = utcnow,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """The timer loop: fire what is due (the clocks' thresholds, then the inspections' and
    problems' deadlines), then sleep until the next one falls due, or ``poll_seconds`` at
    most (a timer armed meanwhile, by this replica or another). Timers live in PostgreSQL,
    so nothing is lost to a crash; overdue ones fire as soon as a replica runs again."""

    async def step() -> float:
        while await fire_due(uow, clock(), batch_size) == batch_size:
            pass
        while await upkeep.fire_deadlines(uow, clock(), defaults, batch_size) == batch_size:
            pass
        return pause_until(await repository.next_due(uow.pool), clock(), poll_seconds)

    await supervise("firing timers", step, every=poll_seconds, sleep=sleep)


# A due timer another replica holds (SKIP LOCKED) is looked at again this soon, not at once.
MIN_PAUSE_SECONDS = 0.005


def pause_until(next_due: datetime | None, now: datetime, poll_seconds: float) -> float:
    """How long the timer loop sleeps: until ``next_due``, within [a few ms, the poll]."""
    if next_due is None:
        return poll_seconds
    return min(poll_seconds, max(MIN_PAUSE_SECONDS, (next_due - now).total_seconds()))
