"""The register's table: writes from the projector, reads for the API."""

from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection
from shared.events import ComplaintReceived, EventEnvelope
from shared.queries import load

from .domain import Facts

Q = load(Path(__file__).parent / "sql" / "queries.sql")


async def insert_received(conn: Connection, event: EventEnvelope, status: str) -> None:
    c = ComplaintReceived.model_validate(event.data)
    await conn.execute(
        Q.insert_received,
        event.stream_id, c.number, c.site, c.location, c.category.value, c.urgency.value,
        c.channel.value, status, c.receiving_officer, c.department, c.complainant_name,
        c.description, c.received_at, event.occurred_at, event.version, event.event_type,
    )  # fmt: skip


async def advance(conn: Connection, event: EventEnvelope, status: str) -> None:
    await conn.execute(
        Q.advance, event.stream_id, status, event.occurred_at, event.version, event.event_type
    )


async def set_facts(conn: Connection, complaint_id: UUID, f: Facts) -> None:
    await conn.execute(
        Q.set_fields, complaint_id, f.severity, f.responsibility, f.third_party, f.category,
        f.safety_escalated, f.acknowledged_at, f.resolved_at, f.closed_at, f.reopened, f.cycle,
    )  # fmt: skip


async def put_sla_state(
    conn: Connection, complaint_id: UUID, state: str, breached: bool, at: datetime
) -> None:
    await conn.execute(Q.put_sla_state, complaint_id, state, breached, at)


def _like(text: str) -> str:
    """A search term taken literally by LIKE: its wildcards escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def current_status(conn: Connection, complaint_id: UUID) -> str | None:
    row = await conn.fetchrow(Q.get_complaint, complaint_id)
    return row["status"] if row else None


async def list_complaints(
    pool: asyncpg.Pool,
    *,
    site: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    q: str | None = None,
    sort: str = "-received_at",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    rows = await pool.fetch(
        Q.list_complaints, site, status, severity, category, _like(q) if q else None, sort,
        limit, offset,
    )  # fmt: skip
    total = rows[0]["total"] if rows else 0
    return [{k: v for k, v in r.items() if k != "total"} for r in rows], total


async def get_complaint(pool: asyncpg.Pool, complaint_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(Q.get_complaint, complaint_id)
    return dict(row) if row else None


async def set_satisfied(conn: Connection, complaint_id: UUID, satisfied: bool) -> None:
    await conn.execute(Q.set_satisfied, complaint_id, satisfied)


async def dashboard(
    pool: asyncpg.Pool, site: str | None, start: datetime, end: datetime, group_by: str
) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.dashboard, site, start, end, group_by)]


async def officers(
    pool: asyncpg.Pool, site: str | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.officers, site, start, end)]


async def hotspots(
    pool: asyncpg.Pool, site: str | None, since: datetime, threshold: int
) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.hotspots, site, since, threshold)]


async def add_to_timeline(conn: Connection, e: EventEnvelope) -> None:
    assert e.position is not None
    await conn.execute(
        Q.add_to_timeline, e.stream_type, e.stream_id, e.version, e.position, e.event_id,
        e.event_type, e.occurred_at, e.actor, e.correlation_id, e.causation_id, e.data,
    )  # fmt: skip


async def timeline(pool: asyncpg.Pool, complaint_id: UUID) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.timeline, complaint_id)]
