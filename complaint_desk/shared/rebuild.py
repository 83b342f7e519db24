"""Blue/green rebuilds of a projection from the durable log.

A rebuild folds the whole log into new tables beside the live ones (``<table>__next``), gives
them the live tables' indexes, and then swaps them in within one short transaction: it waits
for the live projector's effects in flight and holds new ones off, folds the last events that
arrived meanwhile, replaces the projector's stream positions and checkpoint with the
rebuild's, and last drops the old tables and renames the new ones. Queries keep running
throughout; they wait only for the renames and the commit. The live projector then carries on
from exactly what the new tables hold.

Over 300 lines: the fold, the index copy and the swap are one procedure whose steps must run
in this order; each is a function of its own."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from complaint_desk.shared import eventstore
from complaint_desk.shared.consumer import Q as CONSUMERS
from complaint_desk.shared.eventstore import FollowPosition

Rows = dict[str, list[tuple[Any, ...]]]


class Rebuilder(Protocol):
    """A port each rebuildable projection implements: how stored rows fold into its tables.

    ``take`` folds one stored event (a row of the log, its payload as JSON text) and may raise
    to skip it, as the live projector would park it. ``flush`` returns the rows to write since
    the last flush: during the bulk pass only rows not yet written (``final`` False: it may
    hold rows back), and at the end every row changed since the last flush."""

    @property
    def name(self) -> str: ...

    @property
    def stream_types(self) -> Sequence[str]: ...

    @property
    def schema(self) -> str: ...

    @property
    def tables(self) -> Mapping[str, Sequence[str]]: ...

    @property
    def keys(self) -> Mapping[str, str]: ...

    @property
    def columns(self) -> Sequence[str]:
        """The event store's columns ``take`` reads (stream_type, stream_id and version are
        always among them)."""
        ...

    def take(self, row: asyncpg.Record) -> None: ...

    def flush(self, final: bool) -> Rows: ...


@dataclass
class RebuildReport:
    projection: str
    events: int = 0
    skipped: int = 0
    streams: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    tail_events: int = 0
    seconds: float = 0.0
    swap_seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class _Pass:
    position: FollowPosition = field(default_factory=FollowPosition)
    versions: dict[tuple[str, UUID], int] = field(default_factory=dict)
    # Events read ahead of a predecessor (see _fold), by stream and version.
    held: dict[tuple[str, UUID], dict[int, asyncpg.Record]] = field(default_factory=dict)
    events: int = 0
    skipped: int = 0

    def resume_from(self) -> FollowPosition:
        """Where the live projector's catch-up must resume: just before the first event still
        held for a predecessor, else after everything read."""
        held = [(r["tx_id"], r["position"]) for h in self.held.values() for r in h.values()]
        if not held:
            return self.position
        tx_id, position = min(held)
        return FollowPosition(tx_id, position - 1)


def _fold(rebuilder: Rebuilder, state: _Pass, row: asyncpg.Record) -> None:
    """Fold one event in its stream's order. The log's order is by transaction, and a
    transaction that began first may append a stream's next version after another committed
    the one before (the SLA timers do): such an event waits for its predecessor."""
    key = (row["stream_type"], row["stream_id"])
    applied = state.versions.get(key, 0)
    if row["version"] != applied + 1:
        state.held.setdefault(key, {})[row["version"]] = row
        return
    while True:
        try:
            rebuilder.take(row)
        except Exception:
            state.skipped += 1  # as the live projector would park it
        applied = state.versions[key] = row["version"]
        waiting = state.held.get(key)
        if not waiting or applied + 1 not in waiting:
            return
        row = waiting.pop(applied + 1)
        if not waiting:
            del state.held[key]


async def _follow(
    conn: asyncpg.Connection,
    rebuilder: Rebuilder,
    state: _Pass,
    batch_size: int,
    on_batch: Callable[[int], Any] | None = None,
) -> int:
    """Fold the log from ``state.position`` up to what is committed now; returns the count.
    The next batch is read while this one is folded."""
    taken = 0
    types = rebuilder.stream_types
    columns = sorted({"stream_type", "stream_id", "version", *rebuilder.columns} - {"tx_id"})
    reading = asyncio.ensure_future(
        eventstore.read_after_rows(conn, state.position, types, batch_size, columns)
    )
    while True:
        rows = await reading
        if len(rows) == batch_size:
            last = rows[-1]
            after = FollowPosition(last["tx_id"], last["position"])
            reading = asyncio.ensure_future(
                eventstore.read_after_rows(conn, after, types, batch_size, columns)
            )
        for row in rows:
            _fold(rebuilder, state, row)
        if rows:
            last = rows[-1]
            state.position = FollowPosition(last["tx_id"], last["position"])
            taken += len(rows)
            state.events += len(rows)
            if on_batch:
                await on_batch(len(rows))
        if len(rows) < batch_size:
            return taken


async def _write(
    conn: asyncpg.Connection, schema: str, rebuilder: Rebuilder, rows: Rows, *, replace: bool
) -> None:
    for table, records in rows.items():
        if not records:
            continue
        columns = list(rebuilder.tables[table])
        key = rebuilder.keys.get(table)
        if replace and key:
            index = columns.index(key)
            await conn.execute(
                f'DELETE FROM "{schema}"."{table}__next" WHERE "{key}" = ANY($1)',
                [r[index] for r in records],
            )
        await conn.copy_records_to_table(
            f"{table}__next", schema_name=schema, records=records, columns=columns
        )


_INDEXES = """
SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition, x.indisprimary AS is_primary
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1 AND t.relname = $2
ORDER BY i.relname
"""


async def _indexes_like_live(
    conn: asyncpg.Connection, schema: str, table: str
) -> list[tuple[str, list[str]]]:
    """The statements that give ``table__next`` each index of the live table, named
    ``<index>__next``: (the live index's name, its statements)."""
    found = []
    for ix in await conn.fetch(_INDEXES, schema, table):
        name = ix["name"]
        definition = re.sub(
            rf"INDEX {re.escape(name)} ON {re.escape(schema)}\.{re.escape(table)} ",
            f"INDEX {name}__next ON {schema}.{table}__next ",
            ix["definition"],
            count=1,
        )
        if f"{table}__next" not in definition:
            raise RuntimeError(f"cannot re-create index {name}: {ix['definition']}")
        statements = [definition]
        if ix["is_primary"]:
            statements.append(
                f'ALTER TABLE "{schema}"."{table}__next" '
                f'ADD CONSTRAINT "{name}__next" PRIMARY KEY USING INDEX "{name}__next"'
            )
        found.append((name, statements))
    return found


async def _run_spread(connections: Sequence[asyncpg.Connection], work: list[list[str]]) -> None:
    """Run each group of statements, in order within a group, the groups spread over the
    connections (index builds use every core)."""
    queue = list(work)

    async def worker(conn: asyncpg.Connection) -> None:
        while queue:
            for statement in queue.pop(0):
                await conn.execute(statement)

    await asyncio.gather(*(worker(c) for c in connections))


_SETTINGS = {"synchronous_commit": "off", "maintenance_work_mem": "256MB"}


async def _connections(database_url: str) -> tuple[asyncpg.Connection, asyncpg.Connection]:
    # No JSON codec: payloads stay text from the log to the new tables. Each batch's commit
    # need not wait for the disk (a rebuild that dies is started again); the swap's does.
    reader = await asyncpg.connect(database_url, server_settings=_SETTINGS)
    writer = await asyncpg.connect(database_url, server_settings=_SETTINGS)
    return reader, writer


async def _fold_into_new_tables(
    conn: asyncpg.Connection,
    writer: asyncpg.Connection,
    rebuilder: Rebuilder,
    batch_size: int,
    on_total: Callable[[int], Any] | None = None,
    on_batch: Callable[[int], Any] | None = None,
) -> _Pass:
    """Create ``<table>__next`` (no indexes yet) and fold the whole log into it."""
    schema = rebuilder.schema
    for table in rebuilder.tables:
        await conn.execute(f'DROP TABLE IF EXISTS "{schema}"."{table}__next"')
        await conn.execute(
            f'CREATE TABLE "{schema}"."{table}__next" '
            f'(LIKE "{schema}"."{table}" INCLUDING ALL EXCLUDING INDEXES)'
        )
    if on_total:
        await on_total(await eventstore.count_of(conn, rebuilder.stream_types))
    state = _Pass()
    writing: asyncio.Future[None] | None = None

    async def written(count: int) -> None:
        # Rows go out on the second connection while the next batch is folded.
        nonlocal writing
        rows = rebuilder.flush(False)
        if writing is not None:
            await writing
        writing = asyncio.ensure_future(_write(writer, schema, rebuilder, rows, replace=False))
        if on_batch:
            await on_batch(count)

    await _follow(conn, rebuilder, state, batch_size, written)
    if writing is not None:
        await writing
    await _write(writer, schema, rebuilder, rebuilder.flush(True), replace=False)
    return state


@dataclass
class Difference:
    """A live table against a replay of the log: rows the live table lacks, rows it has in
    excess, rows compared, and a few of each for a reader to see."""

    missing: int
    extra: int
    rows: int
    samples: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


async def verify(
    database_url: str, rebuilder: Rebuilder, *, batch_size: int = 10_000
) -> dict[str, Difference]:
    """Fold the log as a rebuild would and compare, row for row, with the live tables,
    without swapping. Run it when the projector is idle, or the difference is the work in
    flight."""
    schema = rebuilder.schema
    conn, writer = await _connections(database_url)
    try:
        await _fold_into_new_tables(conn, writer, rebuilder, batch_size)
        found = {}
        difference = "SELECT {} FROM (TABLE {} EXCEPT ALL TABLE {}) d"
        for table in rebuilder.tables:
            live, new = f'"{schema}"."{table}"', f'"{schema}"."{table}__next"'
            diff = Difference(
                missing=int(await conn.fetchval(difference.format("count(*)", new, live))),
                extra=int(await conn.fetchval(difference.format("count(*)", live, new))),
                rows=int(await conn.fetchval(f"SELECT count(*) FROM {new}")),
            )
            for side, (a, b) in (("replay", (new, live)), ("live", (live, new))):
                for r in await conn.fetch(difference.format("*", a, b) + " LIMIT 3"):
                    diff.samples.append((side, dict(r)))
            found[table] = diff
            await conn.execute(f"DROP TABLE {new}")
        return found
    finally:
        await conn.close()
        await writer.close()


async def rebuild(
    database_url: str,
    rebuilder: Rebuilder,
    *,
    batch_size: int = 10_000,
    on_total: Callable[[int], Any] | None = None,
    on_batch: Callable[[int], Any] | None = None,
) -> RebuildReport:
    """Rebuild ``rebuilder``'s tables from the log and swap them in; see the module's doc."""
    started = time.perf_counter()
    schema = rebuilder.schema
    conn, writer = await _connections(database_url)
    try:
        state = await _fold_into_new_tables(conn, writer, rebuilder, batch_size, on_total, on_batch)
        indexes = {t: await _indexes_like_live(conn, schema, t) for t in rebuilder.tables}
        await _run_spread(
            [conn, writer], [statements for ixs in indexes.values() for _, statements in ixs]
        )
        for table in rebuilder.tables:
            await conn.execute(f'ANALYZE "{schema}"."{table}__next"')

        swap_started = time.perf_counter()
        async with conn.transaction():
            await conn.execute("SET LOCAL synchronous_commit TO on")
            await conn.execute(CONSUMERS.take_projection, rebuilder.name)
            tail = await _follow(conn, rebuilder, state, batch_size)
            await _write(conn, schema, rebuilder, rebuilder.flush(True), replace=True)
            await conn.execute(CONSUMERS.forget_streams, rebuilder.name)
            await conn.copy_records_to_table(
                "stream_positions",
                schema_name="consumers",
                columns=["consumer", "stream_type", "stream_id", "version"],
                records=[(rebuilder.name, t, i, v) for (t, i), v in state.versions.items()],
            )
            await conn.execute(
                CONSUMERS.replace_checkpoint,
                rebuilder.name,
                str(state.resume_from().tx_id),
                state.resume_from().position,
            )
            # Last, so queries wait only for the renames and the commit.
            for table, ixs in indexes.items():
                await conn.execute(f'DROP TABLE "{schema}"."{table}"')
                await conn.execute(f'ALTER TABLE "{schema}"."{table}__next" RENAME TO "{table}"')
                for name, _ in ixs:
                    await conn.execute(f'ALTER INDEX "{schema}"."{name}__next" RENAME TO "{name}"')
        report = RebuildReport(
            projection=rebuilder.name,
            events=state.events,
            skipped=state.skipped,
            streams=len(state.versions),
            tail_events=tail,
            swap_seconds=time.perf_counter() - swap_started,
        )
        for table in rebuilder.tables:
            report.rows[table] = int(
                await conn.fetchval(f'SELECT count(*) FROM "{schema}"."{table}"')
            )
        report.seconds = time.perf_counter() - started
        return report
    finally:
        await conn.close()
        await writer.close()
