"""A projector that acts on a few event types: runs of the others are passed over in one
statement, and everything the consumer guarantees still holds (against PostgreSQL)."""

import asyncio
from uuid import UUID, uuid4

import asyncpg
import pytest

from complaint_desk.contract.events import DomainEvent, EventEnvelope
from complaint_desk.shared import consistency, eventstore
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.db import Connection
from complaint_desk.shared.tests.events import NoteAdded, NoteFlagged
from complaint_desk.shared.tests.test_consumer import (
    META,
    NoteLog,
    _applied,
    _records,
    create_notes_table,
)


class FlaggedNotes(NoteLog):
    """Records flagged notes only, and says so."""

    acts_on = frozenset({NoteFlagged.__name__})

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.seen: list[int] = []

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        self.seen.append(event.version)
        if event.event_type == NoteFlagged.__name__:
            await super().apply(conn, event)


@pytest.fixture(scope="module", autouse=True)
async def notes_table(pool: asyncpg.Pool) -> None:
    await create_notes_table(pool)


def _consumer(pool: asyncpg.Pool) -> tuple[EventConsumer, FlaggedNotes]:
    projector = FlaggedNotes(f"test-{uuid4().hex[:8]}")
    return EventConsumer(pool, projector, max_attempts=3, retry_delay=0.001), projector


async def _append(pool: asyncpg.Pool, stream: UUID, kinds: str) -> list[EventEnvelope]:
    """One event per letter: ``a`` a note added, ``f`` a note flagged."""
    events: list[DomainEvent] = [
        NoteFlagged(text=k) if k == "f" else NoteAdded(text=k) for k in kinds
    ]
    async with pool.acquire() as conn, conn.transaction():
        appended = await eventstore.append(conn, stream, events, META, expected_version=None)
    return await eventstore.read_stream(
        pool, "complaint", stream, from_version=appended.first_version
    )


async def _position(pool: asyncpg.Pool, consumer: str, stream: UUID) -> int | None:
    return await pool.fetchval(
        "SELECT version FROM consumers.stream_positions WHERE consumer = $1 AND stream_id = $2",
        consumer, stream,
    )  # fmt: skip


async def test_events_it_does_not_act_on_move_the_position_without_reaching_it(
    pool: asyncpg.Pool,
) -> None:
    consumer, projector = _consumer(pool)
    stream, other = uuid4(), uuid4()
    events = await _append(pool, stream, "aafa")
    [lone] = await _append(pool, other, "a")
    assert await consumer.on_records(_records([events[0], lone, events[1]])) == 3
    assert projector.seen == [], "passed over: apply was not called"
    assert await _position(pool, consumer.name, stream) == 2
    assert await _position(pool, consumer.name, other) == 1
    assert await consumer.on_records(_records(events[2:])) == 2
    assert projector.seen == [3, 4], "a batch with an event it acts on: the usual path"
    assert await _applied(pool, consumer.name, stream) == [3]
    assert await consumer.on_records(_records(events)) == 0, "a redelivered batch"
    assert await consumer.on_records(_records([lone])) == 0
    assert projector.seen == [3, 4]
    assert await _position(pool, consumer.name, stream) == 4


async def test_a_run_after_a_gap_fills_the_gap_first_and_acts_on_what_was_missing(
    pool: asyncpg.Pool,
) -> None:
    consumer, projector = _consumer(pool)
    stream, later = uuid4(), uuid4()
    events = await _append(pool, stream, "faa")
    tail = await _append(pool, later, "afaa")
    await consumer.on_records(_records(tail[:1]))
    # Kafka never delivered the first event of one stream, nor the flagged one of the other
    # (what fills a gap is not counted as the batch's).
    assert await consumer.on_records(_records([events[1], tail[2], events[2], tail[3]])) == 4
    assert await _applied(pool, consumer.name, stream) == [1]
    assert await _applied(pool, consumer.name, later) == [2]
    assert await _position(pool, consumer.name, stream) == 3
    assert await _position(pool, consumer.name, later) == 4
    assert projector.calls == 2


async def test_catch_up_passes_over_and_a_read_after_the_last_position_returns(
    own_pool: asyncpg.Pool,
) -> None:
    pool = own_pool
    await create_notes_table(pool)
    consumer, projector = _consumer(pool)
    quiet = [uuid4() for _ in range(3)]
    for s in quiet:
        await _append(pool, s, "aaa")
    flagged = uuid4()
    last = (await _append(pool, flagged, "afa"))[-1]
    assert await consumer.catch_up(per_transaction=4) == 12
    assert projector.calls == 1 and await _applied(pool, consumer.name, flagged) == [2]
    for s in quiet:
        assert await _position(pool, consumer.name, s) == 3
    assert last.position is not None
    await consistency.wait_until_applied(pool, [consumer], last.position, within=0)
    assert await consumer.catch_up() == 0


async def test_kafka_and_catch_up_racing_on_the_same_streams_apply_each_event_once(
    own_pool: asyncpg.Pool,
) -> None:
    pool = own_pool
    await create_notes_table(pool)
    consumer, projector = _consumer(pool)
    streams = {uuid4(): kinds for kinds in ("aaaa", "afaf", "faaa", "aaaf", "ffff", "a")}
    events = [e for s, kinds in streams.items() for e in await _append(pool, s, kinds)]
    batches = [_records(events[n : n + 3]) for n in range(0, len(events), 3)]
    await asyncio.gather(
        consumer.catch_up(per_transaction=5),
        *(consumer.on_records(b) for b in batches),
        *(consumer.on_records(b) for b in reversed(batches)),
    )
    for stream, kinds in streams.items():
        flagged_at = [n + 1 for n, k in enumerate(kinds) if k == "f"]
        assert await _applied(pool, consumer.name, stream) == flagged_at
        assert await _position(pool, consumer.name, stream) == len(kinds)
    assert projector.calls == sum(kinds.count("f") for kinds in streams.values())
    assert not await pool.fetchval("SELECT count(*) FROM consumers.dead_letters")
