"""What an attacker or a careless client tried, against the running system: each answer is a
clear refusal or a safe one, and nothing they send reaches a metric label, a link or a form."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.auth import Role
from tests.credentials import ADMIN, user

from .conftest import System
from .helpers import complaint

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "sla", "notify", "projections")


@pytest.fixture
async def admin() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        yield client


@pytest.mark.parametrize("service", SERVICES)
async def test_head_answers_as_get_without_a_body(system: System, service: str) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        head = await client.head(f"{system.url(service)}/health")
        get = await client.get(f"{system.url(service)}/health")
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize("service", SERVICES)
async def test_every_answer_carries_the_security_headers(system: System, service: str) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        for r in (
            await client.get(f"{system.url(service)}/health"),
            await client.get(f"{system.url(service)}/no-such-page"),
        ):
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["x-frame-options"] == "DENY"
            assert r.headers["referrer-policy"] == "same-origin"
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


async def test_a_chunked_body_over_the_limit_is_413(
    system: System, admin: httpx.AsyncClient
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: found out while read
        for _ in range(100):
            yield b"x" * 1024

    r = await admin.post(
        f"{system.url('intake')}/complaints",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "payload_too_large" and r.json()["error"]["message_zh"]


async def test_invented_methods_do_not_become_metric_labels(system: System) -> None:
    base = system.url("projections")
    async with httpx.AsyncClient(timeout=15) as client:
        for i in range(5):
            r = await client.request(f"RTXMETHOD{i}", f"{base}/complaints")
            assert r.status_code in (401, 405)
        metrics = (await client.get(f"{base}/metrics")).text
    assert "RTXMETHOD" not in metrics
    assert re.search(r'desk_http_requests_total\{method="other"', metrics)


async def test_links_are_never_built_from_the_host_header(
    system: System, admin: httpx.AsyncClient
) -> None:
    r = await admin.get(
        f"{system.url('projections')}/console",
        headers={"Host": "evil.example", "Accept": "text/html"},
    )
    assert r.status_code == 200, r.text
    assert "evil.example" not in r.text
    assert 'href="/console?lang=en"' in r.text


async def test_the_console_refuses_forms_from_another_origin_or_without_the_token(
    system: System,
) -> None:
    console = system.url("projections")
    await user(system.database_url, "csrf-officer", Role.DUTY_OFFICER, sites=["CS"],
               password="csrf-pass-2026")  # fmt: skip
    async with httpx.AsyncClient(timeout=15, base_url=console) as browser:
        elsewhere = {"Origin": "https://evil.example"}
        refused = await browser.post(
            "/console/sign-in",
            data={"name": "csrf-officer", "password": "csrf-pass-2026"},
            headers=elsewhere,
        )
        assert refused.status_code == 403 and "desk_session" not in refused.cookies
        signed_in = await browser.post(
            "/console/sign-in", data={"name": "csrf-officer", "password": "csrf-pass-2026"}
        )
        assert signed_in.status_code == 303 and "desk_session" in browser.cookies
        form = await browser.get("/console/new")
        [token] = set(re.findall(r'name="csrf" value="([0-9a-f]+)"', form.text))
        body = {k: str(v) for k, v in complaint(site="CS").items()}
        no_token = await browser.post("/console/new", data=body)
        assert no_token.status_code == 403 and no_token.json()["error"]["message_zh"]
        forged = await browser.post("/console/new", data=body | {"csrf": "0" * 40})
        assert forged.status_code == 403
        cross = await browser.post("/console/new", data=body | {"csrf": token}, headers=elsewhere)
        assert cross.status_code == 403
        own = await browser.post(
            "/console/new", data=body | {"csrf": token}, headers={"Origin": console}
        )
        assert own.status_code == 303, own.text
        assert own.headers["location"].startswith("/console/complaints/")
