import asyncio
import csv
import io
import json
import re
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

from complaint_desk.contract import topics
from complaint_desk.shared.auth import Role
from conftest import ARTIFACTS, eventually
from tests.credentials import ADMIN, user
from tests.prometheus_server import PrometheusServer

from .conftest import System
from .helpers import complaint, post_complaint


async def test_a_complaint_posted_is_readable_from_projections_and_on_kafka(
    system: System, system_db: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        created = await post_complaint(client, system.url("intake"), site="hq")
        assert re.fullmatch(r"HQ-\d{8}-\d{4}", created["number"])

        # Read your own write: the answer's position is the consistency token.
        assert created["position"] > 0
        r = await client.get(
            f"{system.url('projections')}/complaints/{created['id']}",
            params={"after": created["position"]},
        )
        assert r.status_code == 200, r.text
        detail = r.json()
        assert detail["number"] == created["number"]
        assert detail["description"].startswith("飲水機")
        complaint_events = [h for h in detail["history"] if h["stream_type"] == "complaint"]
        assert [h["event_type"] for h in complaint_events] == ["ComplaintReceived"]

        async def clocks_in_timeline() -> list[str]:
            r = await client.get(f"{system.url('projections')}/complaints/{created['id']}")
            sla = [h for h in r.json()["history"] if h["stream_type"] == "sla"]
            return [h["event_type"] for h in sla] if len(sla) >= 2 else []

        assert await eventually(clocks_in_timeline) == ["SlaClockStarted", "SlaClockStarted"]

        sla = await eventually(
            lambda: _ok_json(client, f"{system.url('sla')}/complaints/{created['id']}/sla")
        )
        assert sla and sla["site"] == "HQ"
    contact = await eventually(
        lambda: system_db.fetchrow(
            "SELECT * FROM notify.contacts WHERE complaint_id = $1", _uuid(created["id"])
        )
    )
    assert contact and contact["preferred_channel"] == "sms"

    consumer = AIOKafkaConsumer(
        topics.COMPLAINT_EVENTS,
        bootstrap_servers=system.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        found = {}

        async def record_found() -> bool:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    if r.key == created["id"].encode():
                        found.update({k: v.decode() for k, v in r.headers})
            return bool(found)

        assert await eventually(record_found)
    finally:
        await consumer.stop()
    assert found["ce_specversion"] == "1.0"
    assert found["ce_id"] and found["ce_source"] == "/facilities/complaint"
    assert found["ce_type"] == "tw.facilities.complaints.ComplaintReceived"
    assert found["ce_subject"] == created["id"]
    assert found["content-type"] == "application/json"
    assert found["ce_streamversion"] == "1" and found["ce_siteid"] == "HQ"


async def test_numbers_count_per_site_and_day(system: System) -> None:
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        numbers = [
            (await post_complaint(client, system.url("intake"), site="NUM1"))["number"]
            for _ in range(3)
        ]
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3]


async def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    system: System, system_db: asyncpg.Pool
) -> None:
    # Only intake writes complaint streams; other services keep appending their own events.
    count = "SELECT count(*) FROM eventstore.events WHERE stream_type = 'complaint'"
    before = await system_db.fetchval(count)
    base = system.url("intake")
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        r = await client.post(f"{base}/complaints", json=complaint(category="broken"))
        assert r.status_code == 422
        assert r.json()["error"]["fields"][0]["field"] == "category"
        r = await client.post(f"{base}/complaints", json=complaint(phone=None, email=None))
        assert r.status_code == 422 and "phone" in r.json()["error"]["message"]
        r = await client.post(
            f"{base}/complaints", json=complaint(email="not-an-email", phone=None)
        )
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "email"
        r = await client.post(f"{base}/complaints", json=complaint(status="closed"))
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "status"
        r = await client.post(f"{base}/complaints", json=complaint(description="長" * 5000))
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "description"
        r = await client.post(
            f"{base}/complaints", content=b"{", headers={"content-type": "application/json"}
        )
        assert r.status_code == 422
        r = await client.post(f"{base}/complaints", content=b"x" * 200_000)
        assert r.status_code == 413 and r.json()["error"]["message_zh"]
        r = await client.get(f"{system.url('projections')}/complaints/not-a-uuid")
        assert r.status_code == 422
        r = await client.get(f"{system.url('projections')}/complaints?limit=100000")
        assert r.status_code == 422
        # Found by schemathesis: text PostgreSQL cannot store, and offsets past a bigint.
        for text, code in (("漏水\u0000", "invalid_text"), ("\ud800", "validation_error")):
            r = await client.post(
                f"{base}/complaints",
                content=json.dumps(complaint(description=text)).encode(),  # escaped, as ASCII
                headers={"content-type": "application/json"},
            )
            assert r.status_code == 422 and r.json()["error"]["code"] == code, r.text
        r = await client.get(f"{base}/dead-letters?offset=32374873239513691324416")
        assert r.status_code == 422
    assert await system_db.fetchval(count) == before


async def test_retrying_with_the_same_idempotency_key_creates_one_complaint(system: System) -> None:
    headers = {"Idempotency-Key": "retry-7f3a"}
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        body = complaint()
        first, second = await asyncio.gather(
            client.post(f"{system.url('intake')}/complaints", json=body, headers=headers),
            client.post(f"{system.url('intake')}/complaints", json=body, headers=headers),
        )
    assert {first.status_code, second.status_code} == {200, 201}
    assert first.json()["id"] == second.json()["id"]


async def test_idempotency_keys_are_each_callers_own(
    system: System, system_db: asyncpg.Pool
) -> None:
    intake = f"{system.url('intake')}/complaints"
    key = {"Idempotency-Key": f"shared-{uuid4().hex[:6]}"}
    other = await user(system.database_url, f"officer-{uuid4().hex[:6]}", Role.DUTY_OFFICER,
                       sites=["HQ"])  # fmt: skip
    async with httpx.AsyncClient(timeout=10) as client:
        mine = await client.post(intake, json=complaint(), headers=ADMIN | key)
        theirs = await client.post(
            intake, json=complaint(receiving_officer=None), headers=other | key
        )
        assert mine.status_code == theirs.status_code == 201, theirs.text
        assert mine.json()["id"] != theirs.json()["id"], "another caller's key is not mine"
        received = "SELECT count(*) FROM eventstore.events WHERE event_type = 'ComplaintReceived'"
        count = await system_db.fetchval(received)
        reused = await client.post(intake, json=complaint(), headers=ADMIN | key)
        assert reused.status_code == 409, reused.text
        assert reused.json()["error"]["code"] == "idempotency_key_reused"
        assert reused.json()["error"]["message_zh"]
    assert await system_db.fetchval(received) == count, "nothing was recorded"


async def _ok_json(client: httpx.AsyncClient, url: str) -> dict | None:
    r = await client.get(url)
    return r.json() if r.status_code == 200 else None


def _uuid(value: str):  # type: ignore[no-untyped-def]
    from uuid import UUID

    return UUID(value)


async def test_every_service_serves_health_metrics_and_its_contracts(system: System) -> None:
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        for name in ("intake", "sla", "notify", "projections"):
            base = system.url(name)
            health = (await client.get(f"{base}/health")).json()
            assert health["status"] == "ok" and health["database"] == "ok", health
            metrics = await client.get(f"{base}/metrics")
            assert metrics.headers["content-type"].startswith("text/plain")
            assert "desk_http_requests_total" in metrics.text
            openapi = (await client.get(f"{base}/openapi.json")).json()
            assert "/health" in openapi["paths"]
            asyncapi = (await client.get(f"{base}/asyncapi.json")).json()
            assert asyncapi["asyncapi"].startswith("3.")
        intake_spec = (await client.get(f"{system.url('intake')}/asyncapi.json")).json()
        addresses = {c["address"] for c in intake_spec["channels"].values()}
        assert topics.COMPLAINT_EVENTS in addresses
        inbound = {topics.WORK_ORDER_UPDATES, topics.PURCHASE_UPDATES, topics.COMPLAINT_COMMANDS}
        assert inbound <= addresses, "other systems' topics intake reads are documented"
        described = json.dumps(intake_spec)
        assert "signed by an integration granted WorkOrderUpdate" in described  # the docstring
        assert "DossierSealed" in described and "AttachedFile" in described, "the archive's event"
        projections_spec = (await client.get(f"{system.url('projections')}/asyncapi.json")).json()
        assert topics.COMPLAINT_EVENTS in {
            c["address"] for c in projections_spec["channels"].values()
        }
        # A consumer's counter exists once it consumed something: give it an event of its
        # own (this test may run first), and read after it.
        created = await post_complaint(client, system.url("intake"))
        seen = await client.get(
            f"{system.url('projections')}/complaints/{created['id']}",
            params={"after": created["position"]},
        )
        assert seen.status_code == 200, seen.text
        consumed = (await client.get(f"{system.url('projections')}/metrics")).text
        assert 'desk_consumer_events_total{consumer="projections.register"' in consumed
        page = await client.get(f"{system.url('intake')}/asyncapi")
        assert page.status_code == 200 and "asyncapi" in page.text.lower()


async def test_sla_policies_and_calendars_over_http(system: System) -> None:
    base = system.url("sla")
    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        b"DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\nSUMMARY:closed\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        inherited = (await client.get(f"{base}/policies/CAL1")).json()
        assert inherited["source"] == "inherited"
        assert inherited["policy"]["levels"]["L1"]["response"]["minutes"] == 15
        bad = await client.put(f"{base}/policies/CAL1", json={"levels": {"L1": {}}})
        assert bad.status_code == 422 and bad.json()["error"]["fields"]
        calendar = {"timezone": "Asia/Hong_Kong", "hours": {"mon": ["09:00-18:00"]},
                    "holiday_country": "HK"}  # fmt: skip
        assert (await client.put(f"{base}/calendars/CAL1", json=calendar)).status_code == 200
        wrong = await client.put(
            f"{base}/calendars/CAL1", json={**calendar, "timezone": "Nowhere/X"}
        )
        assert wrong.status_code == 422 and "time zone" in wrong.text
        hours = await client.put(
            f"{base}/calendars/CAL1", json={**calendar, "hours": {"mon": ["18:00-09:00"]}}
        )
        assert hours.status_code == 422
        imported = await client.post(
            f"{base}/calendars/CAL1/ics", content=ics, headers={"content-type": "text/calendar"}
        )
        assert imported.status_code == 200 and imported.json()["closed_days"] == ["2026-12-31"]
        stored = (await client.get(f"{base}/calendars/CAL1")).json()
        assert stored["timezone"] == "Asia/Hong_Kong" and stored["closed_days"] == ["2026-12-31"]
        garbage = await client.post(f"{base}/calendars/CAL1/ics", content=b"not a calendar")
        assert garbage.status_code == 422
        missing = await client.get(f"{base}/complaints/{uuid4()}/sla")
        assert missing.status_code == 404


async def test_service_logs_hold_no_personal_data(system: System) -> None:
    canary = {
        "complainant_name": "金絲雀測試員",
        "phone": "0987 654 321",
        "email": "canary@example.org",
    }
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        created = await post_complaint(client, system.url("intake"), **canary)
        await eventually(
            lambda: _ok_json(client, f"{system.url('projections')}/complaints/{created['id']}")
        )
        await client.post(
            f"{system.url('intake')}/complaints/{created['id']}/close", json={"actor": "o"}
        )  # refused (409): the refusal is logged nowhere with personal data either
    # The log handler flushes each line as it emits it, before its request is answered.
    logs = [p for p in system.stack.services["intake"].log_dir.glob("*.log")]
    assert logs
    for path in logs:
        text = path.read_text(encoding="utf-8")
        for value in (*canary.values(), "0987654321"):
            assert value not in text, f"{value} leaked into {path.name}"
        for line in text.splitlines():
            if line.startswith("{"):
                assert json.loads(line)["service"] in {"intake", "sla", "notify", "projections"}


async def test_the_register_filters_searches_and_exports_csv(system: System) -> None:
    base = system.url("projections")
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        created = await post_complaint(
            client, system.url("intake"), site="CSV1", description="電梯異響 — lift noise"
        )

        listed = await client.get(
            f"{base}/complaints",
            params={"site": "csv1", "q": "電梯異"},
            headers={"X-After-Position": str(created["position"])},  # the token as a header
        )
        [row] = listed.json()["items"]
        assert row["id"] == created["id"] and row["sla_state"] in ("none", "on_track")
        exported = await client.get(f"{base}/complaints.csv", params={"site": "CSV1"})
        assert exported.headers["content-type"].startswith("text/csv")
        text = exported.content.decode("utf-8")
        assert text.startswith('\ufeff"投訴編號 Number",')
        assert created["number"] in text and "電梯異響" in text
        # A cell a spreadsheet would run as a formula is exported as text.
        formula = '=HYPERLINK("http://x","y")'
        injected = await post_complaint(
            client, system.url("intake"), site="CSV2", description=formula,
            location="+SUM(1)", receiving_officer="@officer",
        )  # fmt: skip
        exported = await client.get(
            f"{base}/complaints.csv", params={"site": "CSV2", "after": injected["position"]}
        )
        [header, row] = list(csv.reader(io.StringIO(exported.text.removeprefix("\ufeff"))))
        cells = dict(zip(header, row, strict=True))
        assert cells["投訴內容 Content"] == "'" + formula
        assert cells["地點 Location"] == "'+SUM(1)"
        assert cells["受理人 Officer"] == "'@officer"
        assert '"\'=HYPERLINK(""http://x"",""y"")"' in exported.text, "quoted as well"
        ahead = await client.get(f"{base}/complaints", params={"after": 2**62})
        assert ahead.status_code == 422 and ahead.json()["error"]["code"] == "unknown_position"
        assert ahead.json()["error"]["message_zh"]
        bad = await client.get(
            f"{base}/complaints", params={"severity": "L9", "sort": "drop table"}
        )
        assert bad.status_code == 422
        assert {f["field"] for f in bad.json()["error"]["fields"]} == {"severity", "sort"}


async def test_dashboards_officers_and_hotspots_over_http(system: System) -> None:
    base = system.url("projections")
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        for _ in range(3):
            last = await post_complaint(
                client, system.url("intake"), site="HOT1", location="5F 飲水機"
            )
        # After the last one's position: the read models hold all three.
        [spot] = (
            await client.get(f"{base}/hotspots", params={"site": "HOT1", "after": last["position"]})
        ).json()
        assert spot["complaints"] == 3 and len(spot["numbers"]) == 3
        board = (
            await client.get(f"{base}/dashboard", params={"site": "HOT1", "group_by": "category"})
        ).json()
        assert board["groups"][0]["group"] == "repair_delay" and board["groups"][0]["received"] == 3
        officers = (await client.get(f"{base}/officers", params={"site": "HOT1"})).json()
        assert officers[0]["officer"] == "officer-wang" and officers[0]["received"] == 3
        assert (await client.get(f"{base}/hotspots", params={"threshold": 1})).status_code == 422
        backwards = await client.get(
            f"{base}/dashboard",
            params={"start": "2026-12-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
        )
        assert backwards.status_code == 422


async def test_a_real_prometheus_alerts_on_the_first_urgent_complaint_not_acknowledged(
    system: System,
) -> None:
    """The breach counter of a site exists at zero before its first breach, so the rule's
    increase() sees the very first one (a series born at 1 would read no increase)."""
    site = "PM" + uuid4().hex[:4].upper()
    targets = {f"desk-{name}": system.url(name) for name in ("intake", "sla", "notify")}
    prometheus = PrometheusServer(targets, ARTIFACTS / "prometheus" / site).start()
    try:
        async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
            short = {
                "levels": {
                    level: {"response": {"seconds": r}, "resolution": {"seconds": 600},
                            "calendar": "24x7"}
                    for level, r in (("L1", 4), ("L2", 300), ("L3", 600))
                }
            }  # fmt: skip
            r = await client.put(f"{system.url('sla')}/policies/{site}", json=short)
            assert r.status_code == 200, r.text
            labels = f'site="{site}",level="L1",clock="response",threshold="breach"'
            breach = f"desk_sla_thresholds_fired_total{{{labels}}}"

            async def scraped_at_zero() -> bool:
                found = await prometheus.query(client, breach)
                return bool(found) and float(found[0]["value"][1]) == 0.0

            assert await eventually(scraped_at_zero, within=30), "the series exists at 0"
            assert not await prometheus.firing(client, "UrgentComplaintNotAcknowledged")

            created = await post_complaint(
                client, system.url("intake"), site=site, category="safety"
            )  # L1 at once, and nobody acknowledges it

            async def alerting() -> list[dict[str, Any]]:
                return await prometheus.firing(client, "UrgentComplaintNotAcknowledged")

            [alert] = await eventually(alerting, within=60) or [None]
            assert alert is not None, "the first L1 response breach alerts"
            assert alert["labels"]["site"] == site
            assert "緊急投訴未及時響應" in alert["annotations"]["summary"]
            timeline = await client.get(f"{system.url('projections')}/complaints/{created['id']}")
            assert "SlaBreached" in [h["event_type"] for h in timeline.json()["history"]]
    finally:
        prometheus.stop()
