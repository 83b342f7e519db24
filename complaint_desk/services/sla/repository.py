"""The sla service's tables: clocks, timers, policies and calendars."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError

from complaint_desk.contract.events.sla import ClockKind
from complaint_desk.shared.db import Connection, Executor
from complaint_desk.shared.queries import load

from .calendar import Calendar
from .domain import ClockView
from .policy import ALWAYS_OPEN, DEFAULT_POLICY, CalendarConfig, SlaPolicy

Q = load(Path(__file__).parent / "sql" / "queries.sql")
log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


CONFIG_INVALID = Counter(
    "desk_sla_config_invalid_total",
    "Stored SLA policies or calendars that no longer validate; the defaults were used instead",
    ["site", "kind"],
)


async def policy_for(
    conn: Executor, site: str, category: str, default: SlaPolicy = DEFAULT_POLICY
) -> SlaPolicy:
    stored = await conn.fetchval(Q.policy_for, site, category)
    return _valid(SlaPolicy, stored, default, site, "policy")


async def calendar_config(conn: Executor, site: str, default: CalendarConfig) -> CalendarConfig:
    stored = await conn.fetchval(Q.calendar_for, site)
    return _valid(CalendarConfig, stored, default, site, "calendar")


def _valid(model: type[M], stored: Any, default: M, site: str, kind: str) -> M:
    """A stored configuration, or the default where it no longer validates (saved before a
    rule existed, or edited by hand): a bad setting must never stop a site's clocks."""
    if not stored:
        return default
    try:
        return model.model_validate(stored, context={"stored": True})
    except ValidationError as exc:
        CONFIG_INVALID.labels(site, kind).inc()
        log.error(
            "stored SLA configuration is invalid; using the default",
            extra={"site": site, "reason": f"{kind}: {exc.errors()[0]['msg']}"[:200]},
        )
        return default


async def calendars_for(conn: Executor, site: str, default: CalendarConfig) -> dict[str, Calendar]:
    config = await calendar_config(conn, site, default)
    return {"24x7": ALWAYS_OPEN, "business": config.build(site)}


async def stored_clocks(
    conn: Executor, complaint_id: UUID
) -> dict[tuple[ClockKind, int], dict[str, Any]]:
    rows = await conn.fetch(Q.clocks_of, complaint_id)
    return {(ClockKind(r["clock"]), r["cycle"]): dict(r) for r in rows}


async def save(
    conn: Connection, complaint_id: UUID, site: str, category: str, views: Sequence[ClockView]
) -> None:
    # The JSON columns take the lists as they are: the pool's JSON codec (orjson) writes
    # datetimes as ISO 8601, as the readers parse them.
    clocks = [
        Q.args(
            "save_clock",
            complaint_id=complaint_id,
            clock=v.kind.value,
            cycle=v.cycle,
            site=site,
            category=category,
            level=v.level.value,
            calendar=v.calendar,
            state=v.state.value,
            target_seconds=v.target_seconds,
            started_at=v.started_at,
            ended_at=v.ended_at,
            due_at=v.due_at,
            intervals=v.intervals,
            pauses=v.pauses,
        )
        for v in views
    ]
    await conn.executemany(Q.save_clock, clocks)  # one round trip for them all
    await arm_timers(
        conn,
        [
            (complaint_id, v.kind.value, v.cycle, t.name, t.fraction, t.notify, site,
             v.level.value, t.due_at)
            for v in views
            for t in v.thresholds
        ],
    )  # fmt: skip


TimerRow = tuple[UUID, str, int, str, float, str, str, str, datetime | None]


async def arm_timers(conn: Connection, rows: Sequence[TimerRow]) -> None:
    """(Re)arm thresholds in one statement; a fired one stays fired."""
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    names = ("complaint_ids", "clocks", "cycles", "thresholds", "fractions", "notifies",
             "sites", "levels", "due_ats")  # fmt: skip
    named = {name: list(column) for name, column in zip(names, columns, strict=True)}
    await conn.execute(Q.arm_timers, *Q.args("arm_timers", named))


async def next_due(conn: Executor) -> datetime | None:
    """The earliest armed timer or deadline not yet fired (None: nothing armed)."""
    found: datetime | None = await conn.fetchval(Q.next_due)
    return found


async def claim_due(conn: Connection, now: datetime, limit: int) -> list[asyncpg.Record]:
    return list(await conn.fetch(Q.claim_due, now, limit))


async def mark_fired(conn: Connection, timer: asyncpg.Record, now: datetime) -> None:
    await conn.execute(
        Q.mark_fired, timer["complaint_id"], timer["clock"], timer["cycle"], timer["threshold"], now
    )


async def fired_thresholds(conn: Executor, complaint_id: UUID) -> dict[tuple[str, int, str], Any]:
    rows = await conn.fetch(Q.timers_of, complaint_id)
    return {(r["clock"], r["cycle"], r["threshold"]): r["fired_at"] for r in rows}


async def applied_version(conn: Executor, complaint_id: UUID) -> int:
    """How far the clocks have applied the complaint's stream."""
    return int(await conn.fetchval(Q.applied_version, complaint_id) or 0)


async def own_policy(conn: Executor, site: str, category: str) -> Any | None:
    """The policy stored for exactly this site and category, if any."""
    row = await conn.fetchrow(Q.get_policy, site, category)
    return row["policy"] if row else None


async def put_policy(conn: Connection, site: str, category: str, policy: SlaPolicy) -> None:
    await conn.execute(Q.put_policy, site, category, policy.model_dump(mode="json"))


async def put_calendar(conn: Connection, site: str, calendar: CalendarConfig) -> None:
    await conn.execute(Q.put_calendar, site, calendar.model_dump(mode="json"))


async def open_complaints_at(conn: Executor, site: str, category: str) -> list[UUID]:
    """Open complaints a policy for ``site`` and ``category`` (``*``: any) governs."""
    return [r["complaint_id"] for r in await conn.fetch(Q.open_complaints_at, site, category)]


async def known_sites(conn: Executor) -> list[str]:
    """Every site a clock has been kept for."""
    return [r["site"] for r in await conn.fetch(Q.known_sites)]


async def deadline_of(conn: Executor, complaint_id: UUID, clock: str, cycle: int) -> Any:
    """When the clock's breach falls due (a warning names it)."""
    return await conn.fetchval(Q.deadline_of, complaint_id, clock, cycle)


# -- deadlines on schedules, visits and problems ----------------------------------------------


async def arm_deadline(
    conn: Executor, stream_type: str, stream_id: UUID, name: str, site: str, due_at: datetime | None
) -> None:
    args = Q.args(
        "arm_deadline", stream_type=stream_type, stream_id=stream_id, deadline=name, site=site,
        due_at=due_at,
    )  # fmt: skip
    await conn.execute(Q.arm_deadline, *args)


async def disarm_deadlines(conn: Executor, stream_type: str, stream_id: UUID, prefix: str) -> None:
    args = Q.args(
        "disarm_deadlines", stream_type=stream_type, stream_id=stream_id, name_like=f"{prefix}%"
    )
    await conn.execute(Q.disarm_deadlines, *args)


async def claim_due_deadlines(conn: Connection, now: datetime, limit: int) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            Q.claim_due_deadlines, *Q.args("claim_due_deadlines", now=now, limit=limit)
        )
    )


async def mark_deadline_fired(conn: Connection, row: asyncpg.Record, now: datetime) -> None:
    args = Q.args(
        "mark_deadline_fired", stream_type=row["stream_type"], stream_id=row["stream_id"],
        deadline=row["name"], now=now,
    )  # fmt: skip
    await conn.execute(Q.mark_deadline_fired, *args)


async def put_schedule(conn: Executor, schedule_id: UUID, site: str, scheduled: Any) -> None:
    args = Q.args("put_schedule", schedule_id=schedule_id, site=site, scheduled=scheduled)
    await conn.execute(Q.put_schedule, *args)


async def schedule(conn: Executor, schedule_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        Q.get_schedule, *Q.args("get_schedule", schedule_id=schedule_id)
    )
    return row


async def end_schedule(conn: Executor, schedule_id: UUID) -> None:
    await conn.execute(Q.end_schedule, *Q.args("end_schedule", schedule_id=schedule_id))
