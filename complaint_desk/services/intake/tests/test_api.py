"""Intake's HTTP API in process (an ASGI client, no server process) against the real
PostgreSQL and broker: a command is answered with its position, and every kind of refusal is
a 4xx with its code and both languages, never a 500, and changes nothing."""

import re
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from complaint_desk.services.intake.app import build_app
from complaint_desk.services.intake.settings import IntakeSettings
from conftest import PostgresHandle
from tests.credentials import ADMIN_TOKEN
from tests.e2e.helpers import complaint
from tests.in_process import serving


@pytest.fixture(scope="module")
async def intake(postgres: PostgresHandle, broker: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IntakeSettings(
        DATABASE_URL=await postgres.create_database("intake_api"),
        KAFKA_BOOTSTRAP_SERVERS=broker,
        BOOTSTRAP_ADMIN_TOKEN=ADMIN_TOKEN,
    )
    async with serving(build_app(settings), "intake") as client:
        yield client


async def _received(intake: httpx.AsyncClient) -> dict[str, Any]:
    created = await intake.post("/complaints", json=complaint())
    assert created.status_code == 201, created.text
    return dict(created.json())


def _refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json()["error"])
    assert body["code"] == code and body["message"] and body["message_zh"], body
    return body


async def test_a_command_is_answered_with_its_version_and_log_position(
    intake: httpx.AsyncClient,
) -> None:
    created = await _received(intake)
    acknowledged = await intake.post(
        f"/complaints/{created['id']}/acknowledge", json={"channel": "phone"}
    )
    assert acknowledged.status_code == 200, acknowledged.text
    answer = acknowledged.json()
    assert answer["version"] > created["version"] and answer["position"] > created["position"]
    assert acknowledged.headers["ETag"] == f'"{answer["version"]}"'


async def test_each_kind_of_refusal_is_a_clear_4xx_and_changes_nothing(
    intake: httpx.AsyncClient,
) -> None:
    created = await _received(intake)
    cid = created["id"]
    body = _refused(
        await intake.post(f"/complaints/{cid}/close", json={}), 409, "illegal_transition"
    )
    assert body["command"] == "close" and body["current_status"]
    _refused(
        await intake.post(f"/complaints/{uuid4()}/acknowledge", json={"channel": "phone"}),
        404,
        "complaint_not_found",
    )
    _refused(
        await intake.post(f"/complaints/{cid}/tasks/{uuid4()}/complete", json={}),
        404,
        "task_not_found",
    )
    stale = await intake.post(
        f"/complaints/{cid}/acknowledge",
        json={"channel": "phone"},
        headers={"If-Match": f'"{created["version"] + 5}"'},
    )
    conflict = _refused(stale, 409, "version_conflict")
    assert conflict["actual_version"] == created["version"]
    # Nothing moved: the complaint still takes the first command at its version.
    first = await intake.post(
        f"/complaints/{cid}/acknowledge",
        json={"channel": "phone"},
        headers={"If-Match": f'"{created["version"]}"'},
    )
    assert first.status_code == 200, first.text


async def test_an_idempotency_key_reused_for_another_request_is_refused(
    intake: httpx.AsyncClient,
) -> None:
    key = {"Idempotency-Key": f"key-{uuid4()}"}
    first = await intake.post("/complaints", json=complaint(), headers=key)
    again = await intake.post("/complaints", json=complaint(), headers=key)
    assert first.status_code == 201, first.text
    _refused(again, 409, "idempotency_key_reused")


async def test_a_422_reads_entirely_in_chinese_in_message_zh(intake: httpx.AsyncClient) -> None:
    """Each field by its Chinese name, each reason in Chinese: our validators' own words and
    pydantic's kinds of error; the English message keeps the field names for developers."""
    overlong = await intake.post("/complaints", json={**complaint(), "description": "x" * 5000})
    error = _refused(overlong, 422, "validation_error")
    assert error["message_zh"] == "請求內容有誤（說明：最多 4000 個字）", error
    assert "description" in error["message"] and error["fields"][0]["field_zh"] == "說明"
    uncontactable = {**complaint(), "phone": None, "email": None}
    error = _refused(await intake.post("/complaints", json=uncontactable), 422, "validation_error")
    assert "請提供電話或電子郵件，以便回訪投訴人" in error["message_zh"], error
    assert not re.search(r"[A-Za-z]", error["message_zh"]), error["message_zh"]
    assert "phone or an email" in error["message"]
    missing = await intake.post("/complaints", json={k: v for k, v in complaint().items()
                                                     if k != "site"})  # fmt: skip
    assert "院區：必填" in _refused(missing, 422, "validation_error")["message_zh"]
