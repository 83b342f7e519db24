"""The deadlines the sla service keeps besides the complaints' clocks, on the same durable
timer loop: each inspection schedule's next visit (its work order, once per due time), a
visit's grace (missed when not reported done), and a problem's watch (effective when nothing
recurred). Armed from the schedules' and problems' events; fired by whichever replica claims
them, each once."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from asyncpg import Record
from prometheus_client import Counter

from complaint_desk.contract.events import EventEnvelope, Metadata
from complaint_desk.contract.events.inspections import (
    InspectionCompleted,
    InspectionMissed,
    InspectionScheduled,
    InspectionWorkOrderRequested,
)
from complaint_desk.contract.events.problems import (
    ProblemOutcome,
    ProblemStage,
    ProblemState,
    ProblemVerified,
)
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection
from complaint_desk.shared.eventstore import ConcurrencyConflict
from complaint_desk.shared.uow import UnitOfWork

from . import repository
from .calendar import Calendar
from .inspections import first_due, miss_at, next_due, visit_id
from .policy import SlaDefaults

log = logging.getLogger(__name__)
ACTOR = "system:sla"
NEXT, MISS, VERIFY = "next", "miss", "verify:"

INSPECTIONS = Counter(
    "desk_inspections_total", "Inspection visits: work orders sent, and visits missed",
    ["site", "outcome"],
)  # fmt: skip


async def _calendar(conn: Connection, site: str, defaults: SlaDefaults) -> Calendar:
    return (await repository.calendars_for(conn, site, defaults.calendar))["business"]


async def arm_from(conn: Connection, event: EventEnvelope, defaults: SlaDefaults) -> None:
    """Arm or disarm the deadline an inspection's or a problem's event moves."""
    match event.event_type:
        case "InspectionScheduled":
            scheduled = InspectionScheduled.model_validate(event.data)
            if await repository.schedule(conn, event.stream_id) is not None:
                return  # replayed: its deadline moves on by itself
            await repository.put_schedule(
                conn, event.stream_id, scheduled.site, scheduled.model_dump(mode="json")
            )
            calendar = await _calendar(conn, scheduled.site, defaults)
            due = first_due(scheduled.plan, calendar, event.occurred_at)
            await repository.arm_deadline(
                conn, "inspection", event.stream_id, NEXT, scheduled.site, due
            )
        case "InspectionScheduleEnded":
            await repository.end_schedule(conn, event.stream_id)
            await repository.disarm_deadlines(conn, "inspection", event.stream_id, NEXT)
        case "InspectionCompleted":
            await repository.disarm_deadlines(conn, "inspection", event.stream_id, MISS)
        case "VerificationStarted":
            name = f"{VERIFY}{event.data['cycle']}"
            until = datetime.fromisoformat(str(event.data["until"]))
            await repository.arm_deadline(
                conn, "problem", event.stream_id, name, event.site_id, until
            )
        case "ProblemVerified" | "ProblemReopened":
            await repository.disarm_deadlines(conn, "problem", event.stream_id, VERIFY)


async def fire_deadlines(
    uow: UnitOfWork, now: datetime, defaults: SlaDefaults, limit: int = 200
) -> int:
    """Fire the deadlines due by ``now``, each once, whichever replica claims it."""
    async with uow() as conn:
        due = await repository.claim_due_deadlines(conn, now, limit)
        # Streams in one order for every replica (no deadlock between two of them).
        for row in sorted(due, key=lambda r: (str(r["stream_id"]), r["name"])):
            try:
                async with conn.transaction():
                    done = await _fire(conn, row, now, defaults)
            except ConcurrencyConflict:
                log.info("a deadline's stream moved meanwhile", extra={"site": row["site"]})
                continue  # looked at again at the next turn
            if done:
                await repository.mark_deadline_fired(conn, row, now)
    return len(due)


async def _fire(conn: Connection, row: Record, now: datetime, defaults: SlaDefaults) -> bool:
    """Act on a due deadline; False when it was armed again (a schedule's next visit)."""
    stream_id: UUID = row["stream_id"]
    if row["stream_type"] == "problem":
        await _watch_ended(conn, stream_id, int(row["name"].removeprefix(VERIFY)), row["site"])
        return True
    if row["name"] == MISS:
        await _miss(conn, stream_id)
        return True
    return not await _send_visit(conn, stream_id, row["due_at"], defaults)


async def _send_visit(
    conn: Connection, schedule_id: UUID, due_at: datetime, defaults: SlaDefaults
) -> bool:
    """The visit's work order, and the schedule's next visit armed: False if it has none."""
    stored = await repository.schedule(conn, schedule_id)
    if stored is None or stored["ended"]:
        return False
    scheduled = InspectionScheduled.model_validate(stored["scheduled"])
    calendar = await _calendar(conn, scheduled.site, defaults)
    visit = visit_id(schedule_id, due_at)
    if not await eventstore.stream_version(conn, "inspection", visit):
        missed_by = miss_at(scheduled.plan, calendar, due_at)
        order = InspectionWorkOrderRequested(
            task_id=visit, site=scheduled.site, location=scheduled.location,
            description=f"定期巡檢 / Inspection: {scheduled.description}", due_at=due_at,
            schedule_id=schedule_id, miss_at=missed_by,
        )  # fmt: skip
        await eventstore.append(
            conn, visit, [order], Metadata(site_id=scheduled.site, actor=ACTOR),
            expected_version=0,
        )  # fmt: skip
        await repository.arm_deadline(conn, "inspection", visit, MISS, scheduled.site, missed_by)
        INSPECTIONS.labels(scheduled.site, "ordered").inc()
    following = next_due(scheduled.plan, calendar, due_at)
    if following is None:
        return False
    await repository.arm_deadline(conn, "inspection", schedule_id, NEXT, scheduled.site, following)
    return True


async def _miss(conn: Connection, visit: UUID) -> None:
    history = await eventstore.read_stream(conn, "inspection", visit)
    if not history or any(e.event_type == InspectionCompleted.__name__ for e in history):
        return
    order = InspectionWorkOrderRequested.model_validate(history[0].data)
    await eventstore.append(
        conn, visit,
        [InspectionMissed(schedule_id=order.schedule_id, due_at=order.due_at, site=order.site,
                          location=order.location)],
        Metadata(site_id=order.site, actor=ACTOR), expected_version=len(history),
    )  # fmt: skip
    INSPECTIONS.labels(order.site, "missed").inc()


async def _watch_ended(conn: Connection, problem_id: UUID, cycle: int, site: str) -> None:
    history = await eventstore.read_stream(conn, "problem", problem_id)
    state = ProblemState.fold((e.event_type, e.data) for e in history)
    if state.stage is not ProblemStage.WATCHING or state.cycle != cycle:
        return  # recurred, or reopened, meanwhile
    verified = ProblemVerified(cycle=cycle, outcome=ProblemOutcome.EFFECTIVE, title=state.title)
    await eventstore.append(
        conn, problem_id, [verified],
        Metadata(site_id=site, actor=ACTOR), expected_version=len(history),
    )  # fmt: skip
