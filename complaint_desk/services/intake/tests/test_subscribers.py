"""Intake's subscribers on other systems' topics, in process: FastStream's test broker delivers
the records to the very broker the service builds (its subscribers and its parking
middleware), and the handlers run against the real PostgreSQL. What the other systems send is
applied once when signed and granted, refused and recorded when not, and parked with its
reason when it does not fit the contract; nothing loops."""

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from faststream.kafka import TestKafkaBroker

from complaint_desk.contract import topics
from complaint_desk.contract.events import utcnow
from complaint_desk.services.intake.app import build_app
from complaint_desk.services.intake.settings import IntakeSettings
from complaint_desk.shared.runtime import ServiceRuntime
from conftest import PostgresHandle
from tests.credentials import ADMIN_TOKEN, SIGNING_SECRET, Signer, integration
from tests.e2e.helpers import complaint
from tests.in_process import serving


class Intake:
    def __init__(self, client: httpx.AsyncClient, runtime: ServiceRuntime, url: str) -> None:
        self.client, self.runtime, self.database_url = client, runtime, url

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool

    async def events(self, complaint_id: str) -> list[str]:
        rows = await self.pool.fetch(
            "SELECT event_type FROM eventstore.events WHERE stream_id = $1 ORDER BY version",
            UUID(complaint_id),
        )
        return [r["event_type"] for r in rows]

    async def parked(self, consumer: str) -> list[str]:
        rows = await self.pool.fetch(
            "SELECT error FROM consumers.dead_letters WHERE consumer = $1 ORDER BY id", consumer
        )
        return [r["error"] for r in rows]


@pytest.fixture(scope="module")
async def intake(postgres: PostgresHandle, broker: str) -> AsyncIterator[Intake]:
    url = await postgres.create_database("intake_subscribers")
    settings = IntakeSettings(
        DATABASE_URL=url,
        KAFKA_BOOTSTRAP_SERVERS=broker,
        BOOTSTRAP_ADMIN_TOKEN=ADMIN_TOKEN,
        INTEGRATION_SIGNING_SECRET=SIGNING_SECRET,
    )
    app = build_app(settings)
    async with serving(app, "intake") as client:
        yield Intake(client, app.state.runtime, url)


def _headers(signer: Signer | None, topic: str, value: bytes) -> dict[str, str]:
    if signer is None:
        return {}
    return {name: raw.decode() for name, raw in signer.headers(topic, value)}


async def _send(
    br: Any, topic: str, message: dict[str, Any] | bytes, signer: Signer | None, key: str
) -> None:
    value = message if isinstance(message, bytes) else json.dumps(message).encode()
    await br.publish(value, topic, key=key.encode(), headers=_headers(signer, topic, value))


async def test_a_signed_granted_command_is_applied_once_and_the_rest_refused(
    intake: Intake,
) -> None:
    created = (await intake.client.post("/complaints", json=complaint())).json()
    crm = await integration(intake.database_url, "system:crm-sub", commands=["acknowledge"])
    good = {"command_id": str(uuid4()), "command": "acknowledge", "complaint_id": created["id"],
            "actor": "system:crm-sub", "payload": {"channel": "email"}}  # fmt: skip
    not_granted = {**good, "command_id": str(uuid4()), "command": "close"}
    forged = Signer(crm.key_id, b"not the key")
    before = await intake.pool.fetchval("SELECT coalesce(max(id), 0) FROM auth.refusals")
    async with TestKafkaBroker(intake.runtime.kafka.build_broker()) as br:
        topic = topics.COMPLAINT_COMMANDS
        await _send(br, topic, good, crm, created["id"])
        await _send(br, topic, good, crm, created["id"])  # delivered again: applied once
        await _send(br, topic, {**good, "command_id": str(uuid4())}, None, created["id"])
        await _send(br, topic, {**good, "command_id": str(uuid4())}, forged, created["id"])
        await _send(br, topic, not_granted, crm, created["id"])
    # The test broker hands each record to the handler and waits for it: the effects are in.
    assert await intake.events(created["id"]) == [
        "ComplaintReceived", "ComplaintAcknowledged"
    ], "applied once; the unsigned, forged and not-granted ones changed nothing"  # fmt: skip
    answered_twice = await intake.pool.fetchval(
        "SELECT count(*) FROM eventstore.events WHERE event_type = 'CommandRejected'"
        " AND data->>'command_id' = $1",
        good["command_id"],
    )
    assert answered_twice == 0, "the second delivery is known as the same command, not refused"
    refusals = await intake.pool.fetch(
        "SELECT reason FROM auth.refusals WHERE id > $1 ORDER BY id", before
    )
    assert [r["reason"] for r in refusals] == ["unsigned", "bad signature", "not granted: close"]


async def test_an_illegal_command_is_answered_with_command_rejected(intake: Intake) -> None:
    created = (await intake.client.post("/complaints", json=complaint())).json()
    crm = await integration(intake.database_url, "system:crm-close", commands=["close"])
    command_id = str(uuid4())
    message = {"command_id": command_id, "command": "close", "complaint_id": created["id"],
               "actor": "system:crm-close", "payload": {}}  # fmt: skip
    async with TestKafkaBroker(intake.runtime.kafka.build_broker()) as br:
        await _send(br, topics.COMPLAINT_COMMANDS, message, crm, created["id"])
    rejected = await intake.pool.fetchrow(
        "SELECT data FROM eventstore.events WHERE event_type = 'CommandRejected'"
        " AND data->>'command_id' = $1",
        command_id,
    )
    assert rejected is not None, "the sender reads why on complaints.command-results"
    assert rejected["data"]["reason"] == "conflict: Cannot close a complaint that is received"
    assert await intake.events(created["id"]) == ["ComplaintReceived"], "the complaint unchanged"


async def test_what_does_not_fit_or_names_nothing_is_parked_with_its_reason(
    intake: Intake,
) -> None:
    maintenance = await integration(
        intake.database_url, "system:maintenance-sub", event_types=["WorkOrderUpdate"]
    )
    unknown_task = {"message_id": str(uuid4()), "task_id": str(uuid4()), "status": "accepted",
                    "occurred_at": utcnow().isoformat()}  # fmt: skip
    topic = topics.WORK_ORDER_UPDATES
    async with TestKafkaBroker(intake.runtime.kafka.build_broker()) as br:
        await _send(br, topic, b"{not json", maintenance, "?")
        await _send(br, topic, {**unknown_task, "status": "teleported"}, maintenance, "?")
        await _send(br, topic, unknown_task, maintenance, "?")
    unreadable = await intake.parked(f"inbound:{topic}")
    assert len(unreadable) == 2, unreadable  # this module's database: only these two
    assert all(e.startswith("payload does not fit the contract") for e in unreadable)
    assert "status" in unreadable[1], "the reason names the field"
    about_nothing = await intake.parked("intake.work-order-updates")
    assert len(about_nothing) == 1 and unknown_task["task_id"] in about_nothing[0], about_nothing
