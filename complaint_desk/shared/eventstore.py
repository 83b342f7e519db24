"""The event store: an append-only log in PostgreSQL, with optimistic concurrency per stream."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from complaint_desk.contract import topics
from complaint_desk.contract.events import DomainEvent, EventEnvelope, Metadata, utcnow
from complaint_desk.shared import metrics, tracing
from complaint_desk.shared.db import Connection, Executor
from complaint_desk.shared.queries import load

Q = load(Path(__file__).parent / "sql" / "queries" / "eventstore.sql")


class ConcurrencyConflict(Exception):
    """The stream was not at the version the writer expected: someone else wrote first."""

    def __init__(self, stream_type: str, stream_id: UUID, expected: int, actual: int) -> None:
        self.stream_type, self.stream_id = stream_type, stream_id
        self.expected, self.actual = expected, actual
        super().__init__(
            f"{stream_type} {stream_id} is at version {actual}, not the expected {expected}"
        )


@dataclass(frozen=True, slots=True)
class FollowPosition:
    """Where a follower has read up to, in the log's (transaction, position) order."""

    tx_id: int = 0
    position: int = 0


def envelope_from_row(row: asyncpg.Record | dict[str, Any]) -> EventEnvelope:
    data = row["data"]
    return EventEnvelope(
        event_id=row["event_id"],
        event_type=row["event_type"],
        stream_type=row["stream_type"],
        stream_id=row["stream_id"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        site_id=row["site_id"],
        actor=row["actor"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        relayed_by=row.get("relayed_by"),
        traceparent=row.get("traceparent"),
        schema_version=row["schema_version"],
        data=data,
        position=row["position"],
    )


@dataclass(frozen=True, slots=True)
class Appended:
    """What an append wrote: the stream, its new versions, the events' ids and the log
    position of the last one (a reader's consistency token)."""

    stream_type: str
    stream_id: UUID
    first_version: int
    event_ids: tuple[UUID, ...]
    position: int

    @property
    def version(self) -> int:
        """The stream's version after the append."""
        return self.first_version + len(self.event_ids) - 1


async def append(
    conn: Connection,
    stream_id: UUID,
    events: Sequence[DomainEvent],
    metadata: Metadata,
    *,
    expected_version: int | None,
) -> Appended:
    """Append events to one stream in one statement (inside the caller's transaction if there
    is one). Each event row is also its outbox record: the relay publishes it from the log.

    ``expected_version`` is the version the writer last saw (0 for a new stream); a mismatch
    raises :class:`ConcurrencyConflict` and writes nothing. ``None`` appends at the end,
    retrying if another writer gets there first.
    """
    if not events:
        raise ValueError("nothing to append")
    stream_type = events[0].stream_type
    if any(e.stream_type != stream_type for e in events):
        raise ValueError("one append writes to one stream")
    topics.topic_for(stream_type)  # refuse a stream type no topic carries, before writing
    payloads = [e.model_dump_json() for e in events]
    occurred_at = utcnow()
    attempts = 5 if expected_version is None else 1
    # What every event of this append shares, by the statements' parameter names.
    provenance = {
        "stream_type": stream_type,
        "stream_id": stream_id,
        "site_id": metadata.site_id,
        "actor": metadata.actor,
        "correlation_id": metadata.correlation_id,
        "causation_id": metadata.causation_id,
        "relayed_by": metadata.relayed_by,
        # The trace it is part of: its cause's, else the request or job running now.
        "traceparent": metadata.traceparent or tracing.current_traceparent(),
    }
    for attempt in range(attempts):
        event_ids = tuple(uuid4() for _ in events)
        try:
            rows = await _insert(
                conn, events, event_ids, payloads, occurred_at, provenance, expected_version
            )
        except asyncpg.UniqueViolationError:
            rows = []
        if len(rows) == len(events):
            last = max(r["position"] for r in rows)
            for event in events:
                metrics.EVENTS_APPENDED.labels(stream_type, event.event_type).inc()
            first = min(r["version"] for r in rows)
            return Appended(stream_type, stream_id, first, event_ids, last)
        if attempt + 1 == attempts:
            actual = await stream_version(conn, stream_type, stream_id)
            raise ConcurrencyConflict(
                stream_type, stream_id, actual if expected_version is None else expected_version,
                actual,
            )  # fmt: skip
    raise AssertionError("unreachable")


async def _insert(
    conn: Connection,
    events: Sequence[DomainEvent],
    event_ids: tuple[UUID, ...],
    payloads: list[str],
    occurred_at: datetime,
    provenance: dict[str, Any],
    expected_version: int | None,
) -> list[asyncpg.Record]:
    """One statement writing ``events`` after ``expected_version`` (None: after the stream's
    last, found by the statement); their positions and versions, or no rows if another
    writer was there first."""
    if len(events) == 1:
        # A conflict writes nothing and raises nothing: no savepoint needed.
        one = {
            **provenance,
            "event_id": event_ids[0],
            "event_type": events[0].event_type,
            "schema_version": events[0].schema_version,
            "occurred_at": occurred_at,
            "data": payloads[0],
        }
        if expected_version is None:
            return await conn.fetch(Q.append_one_at_end, *Q.args("append_one_at_end", one))
        one["version"] = expected_version + 1
        return await conn.fetch(Q.append_one, *Q.args("append_one", one))
    many = {
        **provenance,
        "event_ids": list(event_ids),
        "event_types": [e.event_type for e in events],
        "schema_versions": [e.schema_version for e in events],
        "occurred_ats": [occurred_at] * len(events),
        "data": payloads,
    }
    # Several rows are atomic on their own; inside a caller's transaction they run under a
    # savepoint, so a conflict leaves that transaction usable.
    guard = conn.transaction() if conn.is_in_transaction() else contextlib.nullcontext()
    async with guard:
        if expected_version is None:
            return await conn.fetch(Q.append_many_at_end, *Q.args("append_many_at_end", many))
        many["versions"] = [expected_version + i + 1 for i in range(len(events))]
        many["expected"] = expected_version
        return await conn.fetch(Q.append_many, *Q.args("append_many", many))


async def append_at_ends(
    conn: Connection, facts: Sequence[tuple[UUID, DomainEvent, Metadata]]
) -> list[int]:
    """Append each ``(stream_id, event, metadata)`` at the end of its stream, many streams in
    one statement; a stream's events follow each other in the order given. For what is
    recorded after it happened (a delivery made), which no version check could refuse.
    Their log positions, in order.

    Another writer at one of those ends first makes the statement fail whole
    (:class:`asyncpg.UniqueViolationError`), aborting the caller's transaction: write them
    again one at a time (:func:`append`)."""
    if not facts:
        return []
    for _, event, _ in facts:
        topics.topic_for(event.stream_type)  # refuse a stream type no topic carries
    trace = tracing.current_traceparent()
    columns = {
        "event_ids": [uuid4() for _ in facts],
        "stream_types": [e.stream_type for _, e, _ in facts],
        "stream_ids": [stream_id for stream_id, _, _ in facts],
        "event_types": [e.event_type for _, e, _ in facts],
        "schema_versions": [e.schema_version for _, e, _ in facts],
        "site_ids": [m.site_id for _, _, m in facts],
        "actors": [m.actor for _, _, m in facts],
        "correlation_ids": [m.correlation_id for _, _, m in facts],
        "causation_ids": [m.causation_id for _, _, m in facts],
        "relayed_bys": [m.relayed_by for _, _, m in facts],
        "traceparents": [m.traceparent or trace for _, _, m in facts],
        "data": [e.model_dump_json() for _, e, _ in facts],
    }
    rows = await conn.fetch(
        Q.append_at_ends, *Q.args("append_at_ends", columns, occurred_at=utcnow())
    )
    for _, event, _ in facts:
        metrics.EVENTS_APPENDED.labels(event.stream_type, event.event_type).inc()
    return [r["position"] for r in rows]


async def read_stream(
    conn: Executor,
    stream_type: str,
    stream_id: UUID,
    *,
    from_version: int = 1,
    to_version: int = 2**31 - 1,
) -> list[EventEnvelope]:
    rows = await conn.fetch(Q.read_stream, stream_type, stream_id, from_version, to_version)
    return [envelope_from_row(r) for r in rows]


async def stream_version(conn: Executor, stream_type: str, stream_id: UUID) -> int:
    return int(await conn.fetchval(Q.stream_version, stream_type, stream_id))


async def stream_position(conn: Executor, stream_type: str, stream_id: UUID) -> int:
    """The log position of a stream's last event (0 for an empty stream)."""
    row = await conn.fetchrow(Q.stream_head, stream_type, stream_id)
    assert row is not None  # an aggregate always returns its one row
    return int(row["position"])


async def read_after(
    conn: Executor,
    after: FollowPosition,
    stream_types: Sequence[str],
    limit: int = 1000,
) -> list[tuple[FollowPosition, EventEnvelope, Any]]:
    """The next committed events after ``after``, in a total order a follower can rely on:
    each item is (its follow position, the event, when it was recorded)."""
    rows = await conn.fetch(
        Q.read_after, str(after.tx_id), after.position, list(stream_types), limit
    )
    return [
        (FollowPosition(r["tx_id"], r["position"]), envelope_from_row(r), r["recorded_at"])
        for r in rows
    ]


# What a bulk reader may ask :func:`read_after_rows` for (besides tx_id and position).
EVENT_COLUMNS = frozenset({
    "event_id", "event_type", "stream_type", "stream_id", "version", "occurred_at", "site_id",
    "actor", "correlation_id", "causation_id", "relayed_by", "traceparent", "schema_version",
    "data", "recorded_at",
})  # fmt: skip


async def read_after_rows(
    conn: Executor,
    after: FollowPosition,
    stream_types: Sequence[str],
    limit: int = 10_000,
    columns: Sequence[str] = tuple(sorted(EVENT_COLUMNS)),
) -> list[asyncpg.Record]:
    """As :func:`read_after`, the rows as stored, with only ``columns`` (no envelope is
    built): for bulk readers that fold millions of events."""
    unknown = set(columns) - EVENT_COLUMNS
    if unknown:
        raise ValueError(f"not columns of the event store: {sorted(unknown)}")
    query = Q.read_after_columns.replace("{columns}", ", ".join(columns))
    return await conn.fetch(query, str(after.tx_id), after.position, list(stream_types), limit)


async def count_of(conn: Executor, stream_types: Sequence[str]) -> int:
    """How many events the log holds of these stream types."""
    return int(await conn.fetchval(Q.count_of, list(stream_types)))


async def head(conn: Executor) -> int:
    return int(await conn.fetchval(Q.head))


async def behind(conn: Executor, after: FollowPosition) -> tuple[int, Any]:
    """How many events lie after ``after``, and when the oldest of them was recorded."""
    row = await conn.fetchrow(Q.count_after, str(after.tx_id), after.position)
    assert row is not None  # an aggregate always returns its one row
    return int(row["behind"]), row["oldest"]
