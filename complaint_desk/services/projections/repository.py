"""The register's table: writes from the projector, reads for the API."""

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from complaint_desk.shared.db import Connection
from complaint_desk.shared.queries import load

from .domain import REGISTER_COLUMNS, SLA_STATE_COLUMNS, Row

Q = load(Path(__file__).parent / "sql" / "queries.sql")


async def register_rows(conn: Connection, complaint_ids: Sequence[UUID]) -> dict[UUID, Row]:
    """The register rows of these complaints that exist, by id, in one statement."""
    rows = await conn.fetch(Q.register_rows, *Q.args("register_rows", ids=list(complaint_ids)))
    return {r["id"]: dict(r) for r in rows}


async def put_register_rows(conn: Connection, rows: Sequence[Row]) -> None:
    """Each row written whole (inserted or replaced), in one round trip."""
    await conn.executemany(
        Q.put_register_row,
        [Q.args("put_register_row", {c: row[c] for c in REGISTER_COLUMNS}) for row in rows],
    )


async def sla_state_rows(conn: Connection, complaint_ids: Sequence[UUID]) -> dict[UUID, Row]:
    """The SLA states of these complaints that exist, by complaint, in one statement."""
    rows = await conn.fetch(Q.sla_state_rows, *Q.args("sla_state_rows", ids=list(complaint_ids)))
    return {r["complaint_id"]: dict(r) for r in rows}


async def put_sla_states(conn: Connection, rows: Sequence[Row]) -> None:
    """Each complaint's SLA state written whole, in one round trip."""
    await conn.executemany(Q.put_sla_state, [[row[c] for c in SLA_STATE_COLUMNS] for row in rows])


def _like(text: str) -> str:
    """A search term taken literally by LIKE: its wildcards escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_complaints(
    pool: asyncpg.Pool,
    *,
    sites: list[str] | None = None,
    status: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    q: str | None = None,
    owner: str | None = None,
    sla_state: str | None = None,
    not_contacted: bool = False,
    due_before: datetime | None = None,
    sort: str = "-received_at",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The register's rows that match, and how many match in all. ``due_before``: those
    whose next clock falls due by then and has not breached (breaching soon)."""
    args = Q.args(
        "list_complaints", sites=sites, status=status, severity=severity, category=category,
        q=_like(q) if q else None, owner=owner, sla_state=sla_state, not_contacted=not_contacted,
        due_before=due_before, sort=sort, limit=limit, offset=offset,
    )  # fmt: skip
    rows = await pool.fetch(Q.list_complaints, *args)
    total = rows[0]["total"] if rows else 0
    return [{k: v for k, v in r.items() if k not in ("total",)} for r in rows], total


async def get_complaint(pool: asyncpg.Pool, complaint_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(Q.get_complaint, complaint_id)
    return dict(row) if row else None


async def open_duplicates(
    pool: asyncpg.Pool,
    *,
    site: str,
    location: str,
    category: str,
    asset: str | None = None,
    exclude: UUID | None = None,
) -> list[dict[str, Any]]:
    args = Q.args(
        "open_duplicates", site=site, location=location, category=category, asset=asset,
        exclude=exclude,
    )  # fmt: skip
    return [dict(r) for r in await pool.fetch(Q.open_duplicates, *args)]


async def open311_requests(
    pool: asyncpg.Pool,
    *,
    sites: list[str] | None,
    numbers: list[str] | None = None,
    codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    closed: bool | None = None,
) -> list[dict[str, Any]]:
    args = Q.args(
        "open311_requests", sites=sites, numbers=numbers, codes=codes, start=start, end=end,
        closed=closed,
    )  # fmt: skip
    return [dict(r) for r in await pool.fetch(Q.open311_requests, *args)]


async def equipment_hotspots(
    pool: asyncpg.Pool, sites: list[str] | None, since: datetime, by: str, threshold: int,
    until: datetime | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    args = Q.args(
        "equipment_hotspots", sites=sites, since=since, by=by, threshold=threshold, until=until
    )
    return [dict(r) for r in await pool.fetch(Q.equipment_hotspots, *args)]


async def dashboard(
    pool: asyncpg.Pool, sites: list[str] | None, start: datetime, end: datetime, group_by: str
) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.dashboard, sites, start, end, group_by)]


async def top_reasons(
    pool: asyncpg.Pool, sites: list[str] | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.top_reasons, sites, start, end)]


async def officers(
    pool: asyncpg.Pool, sites: list[str] | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.officers, sites, start, end)]


async def hotspots(
    pool: asyncpg.Pool, sites: list[str] | None, since: datetime, threshold: int,
    until: datetime | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    return [dict(r) for r in await pool.fetch(Q.hotspots, sites, since, threshold, until)]


async def repeat_complainants(
    pool: asyncpg.Pool, sites: list[str] | None, since: datetime, threshold: int
) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.repeat_complainants, sites, since, threshold)]


async def add_to_timeline(conn: Connection, entries: Sequence[tuple[Any, ...]]) -> None:
    await conn.executemany(Q.add_to_timeline, entries)


async def timeline(pool: asyncpg.Pool, complaint_id: UUID) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(Q.timeline, complaint_id)]


async def announce_change(conn: Connection, complaint_id: UUID, position: int, what: str) -> None:
    """Tell the open console pages, at commit, that a complaint's timeline has a new event."""
    await announce_changes(conn, [(complaint_id, position, what)])


async def announce_changes(conn: Connection, changes: Sequence[tuple[UUID, int, str]]) -> None:
    """:func:`announce_change` for several events, in their order, in one statement."""
    await conn.execute(Q.announce_changes, [f"{c} {p} {what}" for c, p, what in changes])


async def latest_position(pool: asyncpg.Pool, complaint_id: UUID | None) -> int:
    return int(await pool.fetchval(Q.latest_position, complaint_id))


async def saved_views(pool: asyncpg.Pool, principal_id: UUID) -> list[dict[str, str]]:
    rows = await pool.fetch(Q.saved_views, *Q.args("saved_views", principal_id=principal_id))
    return [dict(r) for r in rows]


async def save_view(pool: asyncpg.Pool, principal_id: UUID, name: str, query: str) -> None:
    args = Q.args("save_view", {"principal_id": principal_id, "name": name, "query": query})
    await pool.execute(Q.save_view, *args)


async def forget_view(pool: asyncpg.Pool, principal_id: UUID, name: str) -> None:
    args = Q.args("forget_view", {"principal_id": principal_id, "name": name})
    await pool.execute(Q.forget_view, *args)


# -- problems, inspections, training, periodic reports ------------------------------------------


async def put_problem(conn: Connection, row: dict[str, Any]) -> None:
    await conn.execute(Q.put_problem, *Q.args("put_problem", row))


async def problems(
    pool: asyncpg.Pool, sites: list[str] | None, stage: str | None
) -> list[dict[str, Any]]:
    rows = await pool.fetch(Q.problems, *Q.args("problems", sites=sites, stage=stage))
    return [dict(r) for r in rows]


async def problem(pool: asyncpg.Pool, problem_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(Q.problem, *Q.args("problem", problem_id=problem_id))
    return dict(row) if row else None


async def put_schedule(conn: Connection, row: dict[str, Any]) -> None:
    await conn.execute(Q.put_schedule, *Q.args("put_schedule", row))


async def end_schedule(conn: Connection, schedule_id: UUID) -> None:
    await conn.execute(Q.end_schedule, *Q.args("end_schedule", schedule_id=schedule_id))


async def put_visit(conn: Connection, row: dict[str, Any]) -> None:
    await conn.execute(Q.put_visit, *Q.args("put_visit", row))


async def visit_done(conn: Connection, visit_id: UUID, at: datetime) -> None:
    await conn.execute(Q.visit_done, *Q.args("visit_done", visit_id=visit_id, at=at))


async def visit_missed(conn: Connection, visit_id: UUID, at: datetime) -> None:
    await conn.execute(Q.visit_missed, *Q.args("visit_missed", visit_id=visit_id, at=at))


async def inspection_schedules(pool: asyncpg.Pool, sites: list[str] | None) -> list[dict[str, Any]]:
    rows = await pool.fetch(Q.inspection_schedules, *Q.args("inspection_schedules", sites=sites))
    return [dict(r) for r in rows]


async def put_training(conn: Connection, row: dict[str, Any]) -> None:
    await conn.execute(Q.put_training, *Q.args("put_training", row))


async def training_done(
    conn: Connection, training_id: UUID | None, ref: UUID | None, at: datetime
) -> None:
    args = Q.args("training_done", training_id=training_id, ref=ref, at=at)
    await conn.execute(Q.training_done, *args)


async def training_of(
    pool: asyncpg.Pool, sites: list[str] | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        Q.training_of, *Q.args("training_of", sites=sites, start=start, end=end)
    )
    return [dict(r) for r in rows]


async def learning_figures(
    pool: asyncpg.Pool, sites: list[str] | None, start: datetime, end: datetime
) -> dict[str, int]:
    args = Q.args("learning_figures", sites=sites, start=start, end=end)
    row = await pool.fetchrow(Q.learning_figures, *args)
    return {k: int(v) for k, v in dict(row or {}).items()}


async def report_exists(conn: Connection, site: str, period: str) -> bool:
    args = Q.args("report_exists", site=site, period=period)
    return bool(await conn.fetchval(Q.report_exists, *args))


async def put_report(conn: Connection, row: dict[str, Any]) -> bool:
    """True if this call kept the report (no replica kept it first)."""
    return await conn.fetchval(Q.put_report, *Q.args("put_report", row)) is not None


async def report_file(pool: asyncpg.Pool, site: str, period: str) -> dict[str, Any] | None:
    row = await pool.fetchrow(Q.report_file, *Q.args("report_file", site=site, period=period))
    return dict(row) if row else None


async def reports(
    pool: asyncpg.Pool, sites: list[str] | None, organisation: bool
) -> list[dict[str, Any]]:
    rows = await pool.fetch(Q.reports, *Q.args("reports", sites=sites, organisation=organisation))
    return [dict(r) for r in rows]


async def report_sites(conn: Connection) -> list[str]:
    return [r["site"] for r in await conn.fetch(Q.report_sites)]
