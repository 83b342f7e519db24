"""W3C trace context across the four services: a POST's traceparent is the trace of every
event it records, of the events the other services record in reaction (SLA clocks), of the
Kafka records (CloudEvents' traceparent), and of the webhooks notify sends for them."""

import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from conftest import eventually
from tests.credentials import ADMIN

from .conftest import System
from .desk import Desk

pytestmark = pytest.mark.e2e
SITE = "TR"


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


def trace_of(traceparent: str | None) -> str | None:
    return traceparent.split("-")[1] if traceparent else None


async def test_a_posts_trace_reaches_the_events_and_the_webhooks_it_causes(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    notify = system.url("notify")
    subscription = await desk.client.post(
        f"{notify}/subscriptions",
        json={"name": "tracing", "site": SITE, "event_types": ["ComplaintReceived",
              "SlaClockStarted"], "channel": "webhook", "destination": system.http.url(SITE)},
    )  # fmt: skip
    assert subscription.status_code == 201, subscription.text
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    r = await desk.client.post(
        f"{desk.intake}/complaints", headers={"traceparent": traceparent},
        json={"complainant_name": "陳", "department": "總務", "phone": "0912 000 000", "site": SITE,
              "location": "3F", "category": "repair_delay", "description": "漏水",
              "urgency": "normal", "channel": "phone"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    complaint_id = r.json()["id"]

    async def both() -> list[dict[str, Any]] | None:
        hooks = system.http.for_hook(SITE)
        types = {json.loads(h["body"])["type"].rsplit(".", 1)[-1] for h in hooks}
        return hooks if {"ComplaintReceived", "SlaClockStarted"} <= types else None

    hooks = await eventually(both, within=60)
    assert hooks, "the webhooks never came"
    for hook in hooks:
        assert trace_of(hook["headers"].get("traceparent")) == trace_id, hook["headers"]
        assert trace_of(json.loads(hook["body"])["traceparent"]) == trace_id
    rows = await system_db.fetch(
        "SELECT stream_type, event_type, traceparent FROM eventstore.events"
        " WHERE stream_id = $1 AND stream_type IN ('complaint', 'sla')", complaint_id,
    )  # fmt: skip
    assert {r["stream_type"] for r in rows} == {"complaint", "sla"}, "intake's and sla's"
    assert {trace_of(r["traceparent"]) for r in rows} == {trace_id}
