"""One Kafka subscription for all of a service's projectors (against PostgreSQL): each consumer
gets the events of its own topics in their order, a malformed record is parked for each
consumer that reads its topic, and a consumer whose database fails does not keep the others
from the batch."""

from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka.structs import ConsumerRecord

from complaint_desk.contract import cloudevents
from complaint_desk.contract.events import EventEnvelope
from complaint_desk.contract.topics import topic_for
from complaint_desk.shared import eventstore
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.db import Connection
from complaint_desk.shared.runtime.log_subscription import LogSubscription, group_of, topics_of
from complaint_desk.shared.tests.events import NoteAdded
from complaint_desk.shared.tests.test_consumer import META, NoteLog, _applied, create_notes_table

COMPLAINTS = topic_for("complaint")


class SlaWatcher(NoteLog):
    """Reads the SLA streams only: nothing on the complaints' topic is for it."""

    stream_types = ("sla",)


class Unreachable(NoteLog):
    """Its database is gone: every effect fails as a lost connection does."""

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        raise ConnectionResetError("the database went away")


@pytest.fixture(scope="module", autouse=True)
async def notes_table(pool: asyncpg.Pool) -> None:
    await create_notes_table(pool)


def _record(topic: str, offset: int, headers: list[tuple[str, bytes]], value: bytes) -> Any:
    return ConsumerRecord(topic, 0, offset, 0, 0, None, value, None, len(value), 0, headers)


def _records(events: list[EventEnvelope]) -> list[Any]:
    out = []
    for n, event in enumerate(events):
        _, headers, value = cloudevents.to_kafka(event)
        out.append(_record(COMPLAINTS, n, headers, value))
    return out


async def _append(pool: asyncpg.Pool, stream: UUID, *texts: str) -> list[EventEnvelope]:
    async with pool.acquire() as conn, conn.transaction():
        await eventstore.append(
            conn, stream, [NoteAdded(text=t) for t in texts], META, expected_version=None
        )
    return await eventstore.read_stream(pool, "complaint", stream)


def _consumer(pool: asyncpg.Pool, kind: type[NoteLog] = NoteLog) -> EventConsumer:
    return EventConsumer(pool, kind(f"test-{uuid4().hex[:8]}"), retry_delay=0.001)


async def _parked(pool: asyncpg.Pool, consumer: EventConsumer) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM consumers.dead_letters WHERE consumer = $1", consumer.name
        )
    )


def test_the_group_is_inside_the_services_acl_prefix() -> None:
    assert group_of("sla").startswith("desk.sla.")


async def test_each_consumer_gets_its_own_topics_events_in_order(pool: asyncpg.Pool) -> None:
    first, second, other = _consumer(pool), _consumer(pool), _consumer(pool, SlaWatcher)
    subscription = LogSubscription([first, second, other])
    stream = uuid4()
    events = await _append(pool, stream, "a", "b", "c")

    await subscription.on_records(_records(events))

    assert await _applied(pool, first.name, stream) == [1, 2, 3]
    assert await _applied(pool, second.name, stream) == [1, 2, 3]
    assert set(subscription.last_record_at) == {first.name, second.name}, "not the SLA reader"
    assert topics_of([first, other]) == sorted({COMPLAINTS, topic_for("sla")})

    await subscription.on_records(_records(events))  # redelivered: no second effect
    assert await _applied(pool, first.name, stream) == [1, 2, 3]


async def test_a_malformed_record_is_parked_for_each_reader_of_its_topic(
    pool: asyncpg.Pool,
) -> None:
    first, second, other = _consumer(pool), _consumer(pool), _consumer(pool, SlaWatcher)
    stream = uuid4()
    good = _records(await _append(pool, stream, "a"))
    broken = _record(COMPLAINTS, 7, [("ce_type", b"NoteAdded")], b"{not json")

    await LogSubscription([first, second, other]).on_records([broken, *good])

    assert [await _parked(pool, c) for c in (first, second, other)] == [1, 1, 0]
    assert await _applied(pool, first.name, stream) == [1], "the rest of the batch applied"


async def test_a_consumer_that_fails_does_not_keep_the_others_from_the_batch(
    pool: asyncpg.Pool,
) -> None:
    healthy, failing = _consumer(pool), _consumer(pool, Unreachable)
    stream = uuid4()
    events = await _append(pool, stream, "a", "b")

    with pytest.raises(ConnectionResetError):
        await LogSubscription([failing, healthy]).on_records(_records(events))

    assert await _applied(pool, healthy.name, stream) == [1, 2]
    assert await _parked(pool, failing) == 0, "infrastructure trouble is not poison"
