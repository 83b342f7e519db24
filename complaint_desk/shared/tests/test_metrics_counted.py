"""Each metric /metrics shows is counted where its name says: events appended are counted
as they are written, and FastStream's publish metrics (never fed: the outbox publishes) are
not shown at all."""

from uuid import uuid4

import asyncpg
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import REGISTRY, generate_latest

from complaint_desk.contract.events import Metadata
from complaint_desk.shared import eventstore
from complaint_desk.shared.runtime.kafka_clients import _without_publish_metrics
from complaint_desk.shared.tests.events import NoteAdded


def appended(stream_type: str, event_type: str) -> float:
    value = REGISTRY.get_sample_value(
        "desk_events_appended_total", {"stream_type": stream_type, "event_type": event_type}
    )
    return value or 0.0


async def test_events_appended_are_counted_by_stream_and_event_type(pool: asyncpg.Pool) -> None:
    before = appended(NoteAdded.stream_type, "NoteAdded")
    async with pool.acquire() as conn:
        await eventstore.append(
            conn, uuid4(), [NoteAdded(text="a"), NoteAdded(text="b")],
            Metadata(site_id="HQ", actor="o"), expected_version=0,
        )  # fmt: skip
    assert appended(NoteAdded.stream_type, "NoteAdded") == before + 2


def test_faststreams_publish_metrics_are_not_shown() -> None:
    middleware = KafkaPrometheusMiddleware(registry=REGISTRY, app_name="test")
    _without_publish_metrics(middleware)
    shown = generate_latest(REGISTRY).decode()
    assert "faststream_published" not in shown
    assert "faststream_received_messages_total" in shown
