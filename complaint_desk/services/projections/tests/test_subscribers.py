"""The projections' Kafka subscribers, in process: FastStream's test broker hands CloudEvents
records to the broker the service builds, whose consumers apply them to the read models in
the real PostgreSQL: once, in version order per complaint, whatever Kafka redelivers."""

from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from faststream.kafka import TestKafkaBroker

from complaint_desk.contract.cloudevents import to_kafka
from complaint_desk.contract.events import Metadata
from complaint_desk.contract.events.complaints import ComplaintAcknowledged
from complaint_desk.contract.topics import topic_for
from complaint_desk.services.projections.app import build_app
from complaint_desk.services.projections.settings import ProjectionsSettings
from complaint_desk.shared import eventstore
from complaint_desk.shared.runtime import ServiceRuntime
from conftest import PostgresHandle
from tests.credentials import ADMIN_TOKEN
from tests.in_process import serving

from .test_register import _received


@pytest.fixture(scope="module")
async def projections(
    postgres: PostgresHandle, broker: str
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    settings = ProjectionsSettings(
        DATABASE_URL=await postgres.create_database("projections_subscribers"),
        KAFKA_BOOTSTRAP_SERVERS=broker,
        BOOTSTRAP_ADMIN_TOKEN=ADMIN_TOKEN,
        # Catch-up leaves every event of this test to the subscribers: what the read model
        # shows came through them.
        CATCHUP_GRACE_SECONDS=3600,
        CATCHUP_INTERVAL_SECONDS=3600,
    )
    app = build_app(settings)
    async with serving(app, "projections") as client:
        yield client, app.state.runtime


async def test_records_from_kafka_are_applied_once_each_in_order(
    projections: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, runtime = projections
    complaint, site = uuid4(), "SUB"
    async with runtime.pool.acquire() as conn:
        await eventstore.append(
            conn,
            complaint,
            [
                _received(site, "SUB-0001", "冷氣不冷"),
                ComplaintAcknowledged(contact_channel="phone"),
            ],  # type: ignore[arg-type]
            Metadata(site_id=site, actor="officer"),
            expected_version=0,
        )
    received, acknowledged = await eventstore.read_stream(runtime.pool, "complaint", complaint)
    topic = topic_for("complaint")
    async with TestKafkaBroker(runtime.kafka.build_broker()) as br:
        for envelope in (received, acknowledged, received, acknowledged):  # redelivered
            key, headers, value = to_kafka(envelope)
            await br.publish(value, topic, key=key, headers={k: v.decode() for k, v in headers})
    detail = await client.get(f"/complaints/{complaint}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["status"] == "contacted" and body["version"] == 2, body
    history = [h["event_type"] for h in body["history"]]
    assert history == ["ComplaintReceived", "ComplaintAcknowledged"], "each once, in order"
