"""The sla, notify and projections APIs in process (ASGI client) against the real PostgreSQL
and broker: their answers, and their refusals as a 4xx in both languages, never a 500."""

import re
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from complaint_desk.services.notify.app import build_app as notify_app
from complaint_desk.services.notify.settings import NotifySettings
from complaint_desk.services.projections.app import build_app as projections_app
from complaint_desk.services.projections.settings import ProjectionsSettings
from complaint_desk.services.sla.app import build_app as sla_app
from complaint_desk.services.sla.settings import SlaSettings
from conftest import PostgresHandle
from tests.credentials import ADMIN_TOKEN
from tests.in_process import serving


def _refused(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = dict(response.json()["error"])
    assert error["code"] and error["message"] and error["message_zh"], error
    return error


async def _env(postgres: PostgresHandle, broker: str, name: str) -> dict[str, Any]:
    return {
        "DATABASE_URL": await postgres.create_database(name),
        "KAFKA_BOOTSTRAP_SERVERS": broker,
        "BOOTSTRAP_ADMIN_TOKEN": ADMIN_TOKEN,
    }


@pytest.fixture(scope="module")
async def sla(postgres: PostgresHandle, broker: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = SlaSettings(**await _env(postgres, broker, "sla_api"))
    async with serving(sla_app(settings), "sla") as client:
        yield client


@pytest.fixture(scope="module")
async def notify(postgres: PostgresHandle, broker: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = NotifySettings(**await _env(postgres, broker, "notify_api"))
    async with serving(notify_app(settings), "notify") as client:
        yield client


@pytest.fixture(scope="module")
async def projections(postgres: PostgresHandle, broker: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = ProjectionsSettings(**await _env(postgres, broker, "projections_api"))
    async with serving(projections_app(settings), "projections") as client:
        yield client


async def test_sla_answers_policies_and_refuses_an_unknown_complaint(
    sla: httpx.AsyncClient,
) -> None:
    policy = await sla.get("/policies/HQ")
    assert policy.status_code == 200, policy.text
    _refused(await sla.get(f"/complaints/{uuid4()}/sla"), 404)
    _refused(await sla.put("/policies/HQ", json={"levels": "not a policy"}), 422)
    # A site admin's mistake, explained in Chinese without a word of English.
    warnings = [{"fraction": 0.75, "notify": "supervisor"}, {"fraction": 0.5, "notify": "officer"}]
    backwards = {**policy.json()["policy"], "warnings": warnings}
    error = _refused(await sla.put("/policies/HQ", json=backwards), 422)
    assert "預警比例須由小到大且不重複" in error["message_zh"], error
    assert not re.search(r"[A-Za-z]", error["message_zh"]), error["message_zh"]


async def test_notify_keeps_a_subscription_and_refuses_an_unsafe_destination(
    notify: httpx.AsyncClient,
) -> None:
    unsafe = await notify.post(
        "/subscriptions",
        json={"name": f"s-{uuid4().hex[:6]}", "event_types": ["ComplaintReceived"],
              "channel": "webhook", "destination": "http://127.0.0.1:9/hook"},
    )  # fmt: skip
    _refused(unsafe, 422)
    listed = await notify.get("/subscriptions")
    assert listed.status_code == 200 and listed.json() == [], "the refused one was not kept"


async def test_projections_refuse_a_position_the_log_has_not_reached_and_an_unknown_id(
    projections: httpx.AsyncClient,
) -> None:
    empty = await projections.get("/complaints")
    assert empty.status_code == 200, empty.text
    one_character = await projections.get("/complaints", params={"q": "水"})
    assert one_character.status_code == 200, "one character is a word in Chinese"
    _refused(await projections.get("/complaints", params={"after": 10**12}), 422)
    _refused(await projections.get(f"/complaints/{uuid4()}"), 404)
