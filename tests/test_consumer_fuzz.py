"""Hypothesis-generated records for every service's consumers, against the real database:
whatever arrives on a topic, nothing crashes, and what cannot be applied is parked with its
reason (the partition moves on)."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaint_desk.contract import cloudevents
from complaint_desk.contract.events import EventEnvelope, registered_event_types
from complaint_desk.services.intake.projectors import CallbackAnswers
from complaint_desk.services.notify.projectors import NotificationRules
from complaint_desk.services.notify.settings import NotifySettings
from complaint_desk.services.projections.projectors import ComplaintRegister, Timeline
from complaint_desk.services.sla.projectors import SlaClocks
from complaint_desk.services.sla.settings import SlaSettings
from complaint_desk.shared import db
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.dead_letters import KafkaOrigin

OURS = {
    name: cls
    for name, cls in registered_event_types().items()
    if cls.__module__.startswith("complaint_desk.contract.events.")
}
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


@st.composite
def envelopes(draw: st.DrawFn) -> EventEnvelope:
    """A well-formed CloudEvent of one of our types whose payload is anything at all."""
    name = draw(st.sampled_from(sorted(OURS)))
    return EventEnvelope.model_construct(
        event_id=draw(st.uuids()),
        event_type=name,
        stream_type=OURS[name].stream_type,
        stream_id=draw(st.uuids()),
        version=draw(st.integers(1, 3)),
        occurred_at=datetime(2026, 11, 29, tzinfo=UTC),
        site_id="FZ",
        actor="fuzz",
        correlation_id=draw(st.uuids()),
        causation_id=None,
        schema_version=1,
        data=draw(st.dictionaries(st.text(max_size=12), JSON, max_size=6)),
        position=None,
    )


Runner = tuple[asyncio.Runner, asyncpg.Pool, list[EventConsumer]]
GARBAGE = st.tuples(
    st.lists(st.tuples(st.text(max_size=12), st.binary(max_size=20)), max_size=6),
    st.binary(max_size=200),
)


@pytest.fixture(scope="module")
def runner(database_url: str) -> Iterator[Runner]:
    with asyncio.Runner() as r:
        pool = r.run(db.create_pool(database_url, min_size=1, max_size=4))
        consumers = [
            EventConsumer(pool, projector, retry_delay=0)
            for projector in (
                ComplaintRegister("fuzz"), Timeline(), SlaClocks(SlaSettings().defaults),
                NotificationRules(NotifySettings()), CallbackAnswers(),
            )
        ]  # fmt: skip
        yield r, pool, consumers
        r.run(pool.close())


async def _parked(pool: asyncpg.Pool, consumer: str, event_id: UUID) -> str | None:
    return await pool.fetchval(
        "SELECT error FROM consumers.dead_letters WHERE consumer = $1 AND event_id = $2",
        consumer,
        event_id,
    )


async def _applied(pool: asyncpg.Pool, consumer: str, e: EventEnvelope) -> bool:
    version = await pool.fetchval(
        "SELECT version FROM consumers.stream_positions "
        "WHERE consumer = $1 AND stream_type = $2 AND stream_id = $3",
        consumer,
        e.stream_type,
        e.stream_id,
    )
    return bool(version and version >= e.version)


FUZZ = settings(
    max_examples=60,
    derandomize=True,  # the same records on every run: CI is repeatable
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(envelope=envelopes())
def test_any_payload_of_our_types_is_applied_or_parked(
    runner: Runner, envelope: EventEnvelope
) -> None:
    r, pool, consumers = runner
    _, headers, value = cloudevents.to_kafka(envelope)
    origin = KafkaOrigin("fuzz", 0, 0)
    for consumer in consumers:
        r.run(consumer.on_record(headers, value, origin))  # never raises
        if envelope.stream_type not in consumer.stream_types:
            continue
        parked = r.run(_parked(pool, consumer.name, envelope.event_id))
        assert parked or r.run(_applied(pool, consumer.name, envelope)), (
            f"{consumer.name} neither applied nor parked {envelope.event_type} {envelope.data}"
        )


@FUZZ
@given(record=GARBAGE)
def test_any_record_at_all_is_parked_with_its_reason(runner: Runner, record: Any) -> None:
    r, pool, consumers = runner
    headers, value = record
    for consumer in consumers:
        before = r.run(pool.fetchval("SELECT count(*) FROM consumers.dead_letters"))
        r.run(consumer.on_record(headers, value, KafkaOrigin("fuzz", 0, 1)))
        after = r.run(pool.fetchval("SELECT count(*) FROM consumers.dead_letters"))
        assert after == before + 1, "a record that is no CloudEvent is parked, once"
