"""What an attacker or a careless client tried, against the running system: each answer is a
clear refusal or a safe one, and nothing they send reaches a metric label, a link or a form."""

import copy
import re
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from complaint_desk.shared.auth import Role
from conftest import eventually
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
        for i in range(5):  # no such method: the HTTP parser refuses it, in words
            r = await client.request(f"RTXMETHOD{i}", f"{base}/complaints")
            assert r.status_code == 400 and "無法解讀的請求" in r.text
        for method in ("PROPFIND", "PURGE"):  # real methods, served by no route: "other"
            r = await client.request(method, f"{base}/complaints")
            assert r.status_code in (401, 405)
        metrics = (await client.get(f"{base}/metrics")).text
    assert "RTXMETHOD" not in metrics and "PROPFIND" not in metrics
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
        body = {
            k: str(v) for k, v in complaint(site="CS", receiving_officer="csrf-officer").items()
        }
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


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/calendars/{site}", {"hours": {}}, "hours"),
        ("/calendars/{site}", {"closures": [{"start": "2027-01-01T00:00:00Z",
                                             "end": "2037-01-01T00:00:00Z"}]}, "closure"),
        ("/calendars/{site}", {"closed_days": [f"2027-03-{d:02d}" for d in range(1, 32)]},
         "closed_days"),
        ("/policies/{site}", "business_days", "business_days"),
        ("/policies/{site}", "seconds", "seconds"),
    ],
)  # fmt: skip
async def test_sla_settings_that_would_stop_a_site_are_refused_and_not_saved(
    system: System, admin: httpx.AsyncClient, path: str, body: Any, field: str
) -> None:
    site = "BADCAL"
    sla = system.url("sla")
    before = (await admin.get(sla + path.format(site=site))).json()
    if path.startswith("/policies"):
        policy = copy.deepcopy(before["policy"])
        policy["levels"]["L3"]["resolution"] = {"business_days": 5000} if body == "business_days" \
            else {"seconds": 1e308}  # fmt: skip
        body = policy
    r = await admin.put(sla + path.format(site=site), json=body)
    assert r.status_code == 422, r.text
    assert field in r.text and r.json()["error"]["message_zh"]
    assert (await admin.get(sla + path.format(site=site))).json() == before, "nothing saved"


async def test_a_bad_stored_calendar_falls_back_to_the_default_and_alerts(
    system: System, admin: httpx.AsyncClient, system_db: asyncpg.Pool
) -> None:
    site = "BROKEN"
    # As a calendar saved before the rules existed would be: no working hours at all.
    await system_db.execute(
        "INSERT INTO sla.calendars (site, calendar, updated_at) VALUES ($1, $2, now())",
        site, {"timezone": "Asia/Taipei", "hours": {}, "holiday_country": "TW"},
    )  # fmt: skip
    created = await admin.post(
        f"{system.url('intake')}/complaints", json=complaint(site=site, category="hygiene")
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]

    async def clocks() -> dict[str, Any] | None:
        r = await admin.get(f"{system.url('sla')}/complaints/{cid}/sla")
        return r.json() if r.status_code == 200 and r.json()["clocks"] else None

    sla = await eventually(clocks, within=30)
    assert sla, "the clocks run on the default calendar"
    assert all(c["due_at"] for c in sla["clocks"])
    parked = await system_db.fetchval(
        "SELECT count(*) FROM consumers.dead_letters WHERE stream_id = $1", UUID(cid)
    )
    assert parked == 0, "the complaint's events were not dead-lettered"
    metrics = (await admin.get(f"{system.url('sla')}/metrics")).text
    assert re.search(
        r'desk_sla_config_invalid_total\{kind="calendar",site="BROKEN"\} [1-9]', metrics
    )


@pytest.mark.parametrize(
    "url",
    ["http://100.64.0.1/hook", "http://[2002:7f00:1::1]/hook", "http://[64:ff9b::a00:1]/hook",
     "http://[::ffff:10.0.0.1]/hook", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/"],
)  # fmt: skip
async def test_webhooks_into_the_network_are_refused_without_saying_where(
    system: System, admin: httpx.AsyncClient, url: str
) -> None:
    r = await admin.post(
        f"{system.url('notify')}/subscriptions",
        json={"name": "x", "event_types": ["*"], "channel": "webhook", "destination": url},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "destination_refused"
    host = url.split("//")[1].split("/")[0].strip("[]")
    assert "inside the network" in r.text and host not in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "entry",
    [{"channel": "email", "destination": "lin@example.org\r\nBcc: all@example.org"},
     {"channel": "email", "destination": "not-an-address"},
     {"channel": "sms", "destination": "0912 345 678"}],  # a directory entry is E.164
)  # fmt: skip
async def test_a_directory_entry_that_cannot_receive_is_refused(
    system: System, admin: httpx.AsyncClient, entry: dict[str, str]
) -> None:
    r = await admin.put(f"{system.url('notify')}/directory/HX/supervisor", json=entry)
    assert r.status_code == 422 and "destination" in r.text, r.text


async def test_a_subscription_created_disabled_stays_disabled(
    system: System, admin: httpx.AsyncClient
) -> None:
    r = await admin.post(
        f"{system.url('notify')}/subscriptions",
        json={"name": "later", "event_types": ["*"], "channel": "email",
              "destination": "later@example.org", "enabled": False},
    )  # fmt: skip
    assert r.status_code == 201 and r.json()["enabled"] is False
    listed = (await admin.get(f"{system.url('notify')}/subscriptions/{r.json()['id']}")).json()
    assert listed["enabled"] is False
