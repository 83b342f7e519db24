import asyncio
import hashlib
from uuid import UUID, uuid4

import asyncpg
import pytest

from complaint_desk.contract import cloudevents
from complaint_desk.contract.events import EventEnvelope, Metadata
from complaint_desk.shared import consistency, dead_letters, eventstore
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.db import Connection
from complaint_desk.shared.dead_letters import KafkaOrigin
from complaint_desk.shared.tests.events import NoteAdded

META = Metadata(site_id="HQ", actor="tester")


class NoteLog:
    """Records each note it applies; refuses notes whose text is 'poison'."""

    stream_types = ("complaint",)

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        self.calls += 1
        if event.data.get("text") == "poison":
            raise ValueError("this note cannot be applied")
        await conn.execute(
            "INSERT INTO test_notes (consumer, stream_id, version) VALUES ($1, $2, $3)",
            self.name, event.stream_id, event.version,
        )  # fmt: skip


async def create_notes_table(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS test_notes (consumer text, stream_id uuid, version int)"
    )


@pytest.fixture(scope="module", autouse=True)
async def notes_table(pool: asyncpg.Pool) -> None:
    await create_notes_table(pool)


async def _append(pool: asyncpg.Pool, stream: UUID, *texts: str) -> list[EventEnvelope]:
    async with pool.acquire() as conn, conn.transaction():
        appended = await eventstore.append(
            conn, stream, [NoteAdded(text=t) for t in texts], META, expected_version=None
        )
    return await eventstore.read_stream(
        pool, "complaint", stream, from_version=appended.first_version
    )


async def _applied(pool: asyncpg.Pool, consumer: str, stream: UUID) -> list[int]:
    rows = await pool.fetch(
        "SELECT version FROM test_notes WHERE consumer = $1 AND stream_id = $2 ORDER BY ctid",
        consumer, stream,
    )  # fmt: skip
    return [r["version"] for r in rows]


def _consumer(pool: asyncpg.Pool) -> tuple[EventConsumer, NoteLog]:
    projector = NoteLog(f"test-{uuid4().hex[:8]}")
    return EventConsumer(pool, projector, max_attempts=3, retry_delay=0.001), projector


async def test_the_same_event_delivered_twice_has_one_effect(pool: asyncpg.Pool) -> None:
    consumer, _ = _consumer(pool)
    stream = uuid4()
    [event] = await _append(pool, stream, "once")
    _, headers, value = cloudevents.to_kafka(event)
    await consumer.on_record(headers, value, KafkaOrigin("t", 0, 1))
    await consumer.on_record(headers, value, KafkaOrigin("t", 0, 1))
    assert await consumer.deliver(event, source="test") is False
    assert await _applied(pool, consumer.name, stream) == [1]


async def test_an_event_ahead_of_its_predecessors_fills_the_gap_in_order(
    pool: asyncpg.Pool,
) -> None:
    consumer, _ = _consumer(pool)
    stream = uuid4()
    events = await _append(pool, stream, "a", "b", "c")
    await consumer.deliver(events[2], source="kafka")
    await consumer.deliver(events[0], source="kafka")
    assert await _applied(pool, consumer.name, stream) == [1, 2, 3]


async def test_a_malformed_record_is_parked_and_the_next_is_still_handled(
    pool: asyncpg.Pool,
) -> None:
    consumer, _ = _consumer(pool)
    stream = uuid4()
    [good] = await _append(pool, stream, "fine")
    await consumer.on_record([("ce_specversion", b"1.0")], b"{not json", KafkaOrigin("t", 0, 7))
    _, headers, value = cloudevents.to_kafka(good)
    await consumer.on_record(headers, value, KafkaOrigin("t", 0, 8))
    parked = await pool.fetch(
        "SELECT * FROM consumers.dead_letters WHERE consumer = $1", consumer.name
    )
    assert len(parked) == 1
    assert parked[0]["kafka_offset"] == 7 and "ce_type" in parked[0]["error"]
    assert parked[0]["payload"] == b"{not json"
    assert await _applied(pool, consumer.name, stream) == [1]


async def test_an_event_that_keeps_failing_is_parked_after_bounded_tries(
    pool: asyncpg.Pool,
) -> None:
    consumer, projector = _consumer(pool)
    stream = uuid4()
    events = await _append(pool, stream, "ok", "poison", "after")
    for e in events:
        await consumer.deliver(e, source="kafka")
    await consumer.deliver(events[1], source="kafka")  # redelivered: no new attempts
    assert projector.calls == 1 + 3 + 1
    parked = await pool.fetch(
        "SELECT * FROM consumers.dead_letters WHERE consumer = $1", consumer.name
    )
    assert [(p["version"], p["attempts"]) for p in parked] == [(2, 3)]
    assert "this note cannot be applied" in parked[0]["error"]
    assert await _applied(pool, consumer.name, stream) == [1, 3]


async def test_catch_up_applies_what_kafka_never_delivered_once(own_pool: asyncpg.Pool) -> None:
    pool = own_pool  # a log of this test's own: catch-up takes exactly what it holds
    await create_notes_table(pool)
    consumer, _ = _consumer(pool)
    streams = [uuid4() for _ in range(5)]
    events = [e for s in streams for e in await _append(pool, s, "x", "y")]
    await consumer.deliver(events[0], source="kafka")  # Kafka delivered just one
    assert await consumer.catch_up() == len(events) - 1
    assert await consumer.catch_up() == 0  # the checkpoint moved on; nothing twice
    for s in streams:
        assert await _applied(pool, consumer.name, s) == [1, 2]


async def test_catch_up_applies_a_backlog_in_shared_transactions_with_poison_parked(
    own_pool: asyncpg.Pool,
) -> None:
    pool = own_pool
    await create_notes_table(pool)
    consumer, projector = _consumer(pool)
    streams = [uuid4() for _ in range(4)]
    events = [e for s in streams for e in await _append(pool, s, "a", "b", "c")]
    poisoned = uuid4()
    events += await _append(pool, poisoned, "ok", "poison", "after")
    await consumer.deliver(events[0], source="kafka")  # Kafka had taken the very first
    # Three transactions of five: the one holding the poison goes one event at a time.
    assert await consumer.catch_up(per_transaction=5) == len(events) - 2
    for s in streams:
        assert await _applied(pool, consumer.name, s) == [1, 2, 3]
    assert await _applied(pool, consumer.name, poisoned) == [1, 3]
    parked = await pool.fetch(
        "SELECT version FROM consumers.dead_letters WHERE consumer = $1", consumer.name
    )
    assert [p["version"] for p in parked] == [2]
    calls = projector.calls
    assert await consumer.catch_up(per_transaction=5) == 0
    assert projector.calls == calls  # nothing applied or tried twice


async def test_a_batch_with_a_gap_fills_it_and_keeps_stream_order(pool: asyncpg.Pool) -> None:
    consumer, _ = _consumer(pool)
    stream, other = uuid4(), uuid4()
    events = await _append(pool, stream, "a", "b", "c")
    [lone] = await _append(pool, other, "x")
    # Versions 2 and 3 of ``stream`` without 1: the batch cannot apply them as they come.
    assert await consumer._apply_many([events[1], lone, events[2]]) == 3
    assert await _applied(pool, consumer.name, stream) == [1, 2, 3]
    assert await _applied(pool, consumer.name, other) == [1]


async def test_a_batch_skips_what_kafka_applied_meanwhile(pool: asyncpg.Pool) -> None:
    consumer, projector = _consumer(pool)
    stream = uuid4()
    events = await _append(pool, stream, "a", "b", "c")
    await consumer.deliver(events[0], source="kafka")
    await consumer.deliver(events[1], source="kafka")
    assert await consumer._apply_many(events) == 1
    assert projector.calls == 3
    assert await _applied(pool, consumer.name, stream) == [1, 2, 3]


async def test_catch_up_leaves_young_events_to_kafka(own_pool: asyncpg.Pool) -> None:
    pool = own_pool  # in the shared log, other tests' events may be old enough to take
    await create_notes_table(pool)
    consumer, _ = _consumer(pool)
    stream = uuid4()
    await _append(pool, stream, "fresh")
    assert await consumer.catch_up(grace_seconds=60) == 0
    assert await _applied(pool, consumer.name, stream) == []


async def test_catch_up_never_passes_a_young_event_for_an_older_one_behind_it(
    own_pool: asyncpg.Pool,
) -> None:
    pool = own_pool
    await create_notes_table(pool)
    first, second = uuid4(), uuid4()
    # The log's order is the order transactions began writing; recorded_at is the clock at
    # the insert. A transaction that began first and appends last puts a younger event ahead.
    async with pool.acquire() as slow, slow.transaction():
        await slow.fetchval("SELECT pg_current_xact_id()")
        await _append(pool, second, "appended early, behind in the log")
        await eventstore.append(
            slow, first, [NoteAdded(text="appended late, ahead")], META, expected_version=None
        )
    recorded = {
        r["stream_id"]: r["recorded_at"]
        for r in await pool.fetch(
            "SELECT stream_id, recorded_at FROM eventstore.events WHERE stream_id = ANY($1)",
            [first, second],
        )
    }
    between = recorded[second] + (recorded[first] - recorded[second]) / 2
    projector = NoteLog(f"test-{uuid4().hex[:8]}")
    consumer = EventConsumer(pool, projector, clock=lambda: between)
    assert await consumer.catch_up() == 0  # the first in the log is young: Kafka's for now
    assert await _applied(pool, consumer.name, second) == []
    later = EventConsumer(pool, projector, clock=lambda: recorded[first])
    assert await later.catch_up() == 2  # nothing was skipped by the first pass
    assert await _applied(pool, consumer.name, first) == [1]
    assert await _applied(pool, consumer.name, second) == [1]


async def test_a_read_waits_until_the_consumers_applied_a_position(
    own_pool: asyncpg.Pool,
) -> None:
    pool = own_pool  # a log of this test's own: "everything up to P" is what it appends
    await create_notes_table(pool)
    register, _ = _consumer(pool)
    timeline, _ = _consumer(pool)
    both = [register, timeline]
    first, second = uuid4(), uuid4()
    early = await _append(pool, first, "a", "b")
    late = await _append(pool, second, "c")
    position = late[-1].position
    assert position is not None

    async def reached(p: int) -> bool:
        try:
            await consistency.wait_until_applied(pool, both, p, within=0.05)
        except consistency.NotYetApplied:
            return False
        return True

    assert not await reached(position), "nobody applied anything yet"
    for e in late:
        await register.deliver(e, source="kafka")
        await timeline.deliver(e, source="kafka")
    assert not await reached(position), "an earlier event of another stream is still missing"
    await register.deliver(early[0], source="kafka")
    assert early[0].position is not None
    assert not await reached(early[0].position), "one of two consumers is not enough"
    waiting = asyncio.create_task(consistency.wait_until_applied(pool, both, position, within=30))
    await register.deliver(early[1], source="kafka")
    await timeline.catch_up()  # the sweeper brings the rest, and moves the checkpoint past it
    await waiting  # returns once both have applied everything up to the position
    assert await reached(position) and await reached(early[0].position)
    with pytest.raises(consistency.UnknownPosition):
        await consistency.wait_until_applied(pool, both, position + 1000, within=1)


async def test_a_consumer_of_other_streams_is_not_waited_for(own_pool: asyncpg.Pool) -> None:
    await create_notes_table(own_pool)
    consumer, _ = _consumer(own_pool)
    consumer.stream_types = ("sla",)
    [event] = await _append(own_pool, uuid4(), "not theirs")
    assert event.position is not None
    await consistency.wait_until_applied(own_pool, [consumer], event.position, within=0)


async def test_a_huge_unreadable_record_is_parked_as_a_bounded_prefix_and_its_hash(
    pool: asyncpg.Pool,
) -> None:
    consumer, _ = _consumer(pool)
    huge = b"{" + b"x" * (1024 * 1024)
    await consumer.on_record([("ce_specversion", b"1.0")] * 500, huge, KafkaOrigin("t", 0, 9))
    parked = await pool.fetchrow(
        "SELECT payload, error, headers FROM consumers.dead_letters WHERE consumer = $1",
        consumer.name,
    )
    assert parked is not None
    assert parked["payload"] == huge[: dead_letters.PARKED_BYTES]
    assert hashlib.sha256(huge).hexdigest() in parked["error"] and str(len(huge)) in parked["error"]


def _records(
    events: list[EventEnvelope], first_offset: int = 0
) -> list[tuple[list[tuple[str, bytes]], bytes, KafkaOrigin]]:
    out = []
    for n, event in enumerate(events):
        _, headers, value = cloudevents.to_kafka(event)
        out.append((headers, value, KafkaOrigin("t", 0, first_offset + n)))
    return out


async def test_a_kafka_batch_applies_each_event_once_in_stream_order(pool: asyncpg.Pool) -> None:
    consumer, projector = _consumer(pool)
    one, two = uuid4(), uuid4()
    a = await _append(pool, one, "a1", "a2", "a3")
    b = await _append(pool, two, "b1", "b2")
    interleaved = [a[0], b[0], a[1], b[1], a[2]]
    assert await consumer.on_records(_records(interleaved)) == 5
    assert await consumer.on_records(_records(interleaved)) == 0, "a redelivered batch"
    assert await _applied(pool, consumer.name, one) == [1, 2, 3]
    assert await _applied(pool, consumer.name, two) == [1, 2]
    assert projector.calls == 5


async def test_a_kafka_batch_with_a_gap_poison_and_a_malformed_record_loses_nothing_else(
    pool: asyncpg.Pool,
) -> None:
    consumer, _ = _consumer(pool)
    stream, other = uuid4(), uuid4()
    events = await _append(pool, stream, "a", "b", "c", "d")
    [bad] = await _append(pool, other, "poison")
    records = _records([events[0], events[2], bad, events[3]])  # events[1] never came
    records.insert(2, ([("ce_specversion", b"1.0")], b"{not json", KafkaOrigin("t", 0, 99)))
    assert await consumer.on_records(records) == 3  # a, c, d (b filled in, poison parked)
    assert await _applied(pool, consumer.name, stream) == [1, 2, 3, 4]
    parked = await pool.fetch(
        "SELECT kafka_offset, event_id FROM consumers.dead_letters WHERE consumer = $1"
        " ORDER BY kafka_offset", consumer.name,
    )  # fmt: skip
    assert [r["kafka_offset"] for r in parked] == [2, 99]
    assert parked[0]["event_id"] == bad.event_id
    await consumer.catch_up()  # the log's catch-up after it: nothing of these twice
    assert await _applied(pool, consumer.name, stream) == [1, 2, 3, 4]
    assert await pool.fetchval(
        "SELECT count(*) FROM consumers.dead_letters WHERE consumer = $1"
        " AND (event_id = $2 OR kafka_offset = 99)", consumer.name, bad.event_id,
    ) == 2  # fmt: skip


async def test_kafka_running_behind_widens_the_catch_up_grace_and_a_silent_one_does_not(
    pool: asyncpg.Pool,
) -> None:
    from datetime import timedelta

    from complaint_desk.shared.runtime.catchup import MAX_EXTRA_GRACE_SECONDS, grace_for

    consumer, _ = _consumer(pool)
    [event] = await _append(pool, uuid4(), "late")
    consumer._clock = lambda: event.occurred_at + timedelta(seconds=4)
    await consumer.on_records(_records([event]))
    assert consumer.kafka_behind_seconds == pytest.approx(4)

    class Clients:
        ready = True
        quiet = 0.5

        def quiet_for(self, name: str) -> float:
            return self.quiet

    kafka = Clients()
    assert grace_for(consumer, kafka, 3.0) == pytest.approx(11.0)  # type: ignore[arg-type]
    consumer.kafka_behind_seconds = 1000
    assert grace_for(consumer, kafka, 3.0) == 3.0 + MAX_EXTRA_GRACE_SECONDS  # type: ignore[arg-type]
    kafka.quiet = 10
    assert grace_for(consumer, kafka, 3.0) == 3.0, "Kafka silent: the configured grace"  # type: ignore[arg-type]


class BatchNoteLog(NoteLog):
    """A NoteLog that applies a batch in one call (and one poison refuses the whole batch)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.batches: list[list[int]] = []

    async def apply_all(self, conn: Connection, events: list[EventEnvelope]) -> None:
        self.batches.append([e.version for e in events])
        for event in events:
            await self.apply(conn, event)


async def test_a_batch_projector_gets_the_new_events_of_a_batch_in_one_call(
    pool: asyncpg.Pool,
) -> None:
    projector = BatchNoteLog(f"test-{uuid4().hex[:8]}")
    consumer = EventConsumer(pool, projector, max_attempts=3, retry_delay=0.001)
    stream, other = uuid4(), uuid4()
    events = await _append(pool, stream, "a", "b", "c")
    [poison] = await _append(pool, other, "poison")
    assert await consumer.on_records(_records(events[:1])) == 1
    assert await consumer.on_records(_records(events)) == 2, "the first one was applied"
    assert projector.batches == [[2, 3]], "one call, the new events in their order"
    assert await consumer.on_records(_records([*events, poison])) == 0
    assert await _applied(pool, consumer.name, stream) == [1, 2, 3]
    assert await pool.fetchval(
        "SELECT count(*) FROM consumers.dead_letters WHERE consumer = $1", consumer.name
    ) == 1, "the poison parked on its own, one at a time"  # fmt: skip
