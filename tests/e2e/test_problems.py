"""Problem records and preventive inspections against the running system, with two sla
replicas: five complaints on one dispenser make a hotspot; a problem opened from it gets a
replacement (a purchase request to procurement) and a recurring inspection (its work orders
to maintenance, once per due time); the replies complete both actions; nothing recurs in the
watch, so the problem is effective and its supervisor is told. A second problem recurs when
a new complaint on its equipment arrives while it is watched. A visit not reported done in
its grace time is missed, once, and alerted."""

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from complaint_desk.contract import topics
from complaint_desk.tools.devstack.postgres import free_port
from complaint_desk.tools.devstack.stack import ServiceProcess
from conftest import eventually
from tests.credentials import ADMIN, integration

from .conftest import System
from .desk import Desk, OtherSystem
from .helpers import mail_titled

pytestmark = pytest.mark.e2e

SITE = "PB"
ALL_DAY = {d: ["00:00-00:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TODAY = datetime.now(ZoneInfo("Asia/Taipei")).date()


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        # Inspections fall due at the start of the site's working day: all day, every day,
        # so today's first visit is already due when the test schedules it.
        r = await client.put(
            f"{system.url('sla')}/calendars/{SITE}",
            json={"hours": ALL_DAY, "holiday_country": None},
        )
        assert r.status_code == 200, r.text
        yield Desk(client, system.url("intake"), system.url("projections"))


@pytest.fixture(scope="module")
def second_sla(system: System) -> Iterator[ServiceProcess]:
    first = system.stack.services["sla"]
    replica = ServiceProcess("sla", free_port(), first.env, first.log_dir / "replica-2")
    replica.start()
    replica.wait_healthy()
    yield replica
    replica.stop()


async def register(desk: Desk, code: str) -> None:
    r = await desk.client.put(
        f"{desk.intake}/sites/{SITE}/places/{code}-PLACE", json={"name": f"{code} 茶水間"}
    )
    assert r.status_code == 200, r.text
    r = await desk.client.put(
        f"{desk.intake}/sites/{SITE}/assets/{code}",
        json={"type": "water_dispenser", "name": f"{code} 飲水機", "model": "AQ-300",
              "place": f"{code}-PLACE", "maintenance_team": "水電組"},
    )  # fmt: skip
    assert r.status_code == 200, r.text


async def complaint_on(desk: Desk, asset: str) -> dict[str, Any]:
    c = await desk.receive(site=SITE, location=f"{asset} 茶水間", category="repair_delay")
    return await desk.act(c["id"], "asset", asset=asset)


async def problem_at(desk: Desk, problem_id: str, stage: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        r = await desk.client.get(f"{desk.projections}/problems/{problem_id}")
        return r.json() if r.status_code == 200 and r.json()["stage"] == stage else None

    found = await eventually(reached, within=60)
    assert found, f"problem {problem_id} never reached {stage}"
    return found


async def on_topic(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every message on ``topic`` so far (to its end), as JSON."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                found += [json.loads(r.value) for r in records]
    finally:
        await consumer.stop()
    return found


def _json(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


async def events_of(pool: asyncpg.Pool, event_type: str, **where: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT stream_id, data FROM eventstore.events WHERE event_type = $1", event_type
    )
    found = [{"stream_id": str(r["stream_id"]), **_json(r["data"])} for r in rows]
    return [f for f in found if all(str(f.get(k)) == v for k, v in where.items())]


async def test_a_hotspot_becomes_a_problem_whose_improvements_work(
    desk: Desk, system: System, system_db: asyncpg.Pool, second_sla: ServiceProcess
) -> None:
    await register(desk, "WD-1")
    supervisor = await desk.staff(system.url("notify"), SITE, "supervisor")
    made = [await complaint_on(desk, "WD-1") for _ in range(5)]

    async def hotspot() -> list[dict[str, Any]] | None:
        r = await desk.client.get(
            f"{desk.projections}/hotspots/equipment",
            params={"by": "asset", "threshold": 5, "site": SITE, "after": made[-1]["position"]},
        )
        return r.json() or None

    [spot] = await hotspot()  # type: ignore[misc]
    assert spot["key"] == f"{SITE} WD-1" and spot["complaints"] == 5
    opened = await desk.client.post(
        f"{desk.intake}/problems",
        json={"site": SITE, "title": "WD-1 飲水機反覆故障", "origin": "hotspot", "asset": "WD-1",
              "complaints": spot["complaint_ids"], "watch_days": 0},
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    problem_id = opened.json()["id"]
    for c in made:
        [note] = await desk.wait_for(c["id"], "ProblemLinked")
        assert note["data"]["problem_id"] == problem_id
    cause = await desk.client.post(
        f"{desk.intake}/problems/{problem_id}/cause", json={"analysis": "濾心老化，機齡八年"}
    )
    assert cause.json()["stage"] == "open"
    due = (TODAY + timedelta(days=14)).isoformat()
    replacement = await desk.client.post(
        f"{desk.intake}/problems/{problem_id}/actions",
        json={"kind": "replacement", "description": "汰換為新機", "owner": "總務主管",
              "due_on": due},
    )  # fmt: skip
    assert replacement.status_code == 201, replacement.text
    replacement_id = replacement.json()["action_id"]
    inspection = await desk.client.post(
        f"{desk.intake}/problems/{problem_id}/actions",
        json={"kind": "inspection", "description": "每日檢查出水與濾心", "owner": "水電組",
              "due_on": due, "inspection": {"every_days": 1, "starts_on": TODAY.isoformat(),
                                            "grace_hours": 720}},
    )  # fmt: skip
    assert inspection.status_code == 201, inspection.text
    schedule_id = inspection.json()["action_id"]
    # A sixth complaint on the same dispenser joins the problem by itself.
    sixth = await complaint_on(desk, "WD-1")
    [joined] = await desk.wait_for(sixth["id"], "ProblemLinked")
    assert joined["data"]["automatic"] is True

    maintenance_signer = await integration(
        system.database_url, "maintenance-system", event_types=["WorkOrderUpdate"]
    )
    procurement_signer = await integration(
        system.database_url, "procurement-system", event_types=["PurchaseUpdate"]
    )
    async with OtherSystem(
        system.bootstrap_servers, topics.PURCHASE_REQUESTS, topics.PURCHASE_UPDATES,
        procurement_signer,
    ) as procurement, OtherSystem(
        system.bootstrap_servers, topics.WORK_ORDERS, topics.WORK_ORDER_UPDATES,
        maintenance_signer,
    ) as maintenance:  # fmt: skip
        headers, request = await procurement.request_for(replacement_id)
        assert headers["ce_type"].endswith(".ReplacementRequested")
        assert request["site"] == SITE and "汰換為新機" in request["description"]

        async def visit() -> dict[str, Any] | None:
            orders = await events_of(
                system_db, "InspectionWorkOrderRequested", schedule_id=schedule_id
            )
            return orders[0] if orders else None

        order = await eventually(visit, within=60)
        assert order, "the inspection's first visit was never ordered"
        headers, work_order = await maintenance.request_for(order["task_id"])
        assert headers["ce_type"].endswith(".InspectionWorkOrderRequested")
        assert work_order["location"] == "WD-1 飲水機" and "每日檢查" in work_order["description"]
        await maintenance.send(None, order["task_id"], "completed", note="濾心已更換",
                               reported_by="李師傅")  # fmt: skip
        await procurement.send(None, replacement_id, "delivered", note="新機已安裝")
        # Both actions done, a watch of 0 days: the sla service settles it at once.
        verified = await problem_at(desk, problem_id, "verified")
    assert verified["outcome"] == "effective" and verified["recurrences"] == []
    assert all(a["done"] for a in verified["actions"])
    steps = [s["event_type"] for s in verified["history"]]
    assert steps[:2] == ["ProblemOpened", "RootCauseRecorded"]
    assert steps[-2:] == ["VerificationStarted", "ProblemVerified"]
    assert steps.count("ImprovementCompleted") == 2
    assert {s["name_zh"] for s in verified["history"]} >= {"開立問題紀錄", "判定改善成效"}
    assert len(verified["linked"]) == 6
    mail = await mail_titled(system.smtp, supervisor, "【問題紀錄待確認】")
    assert "改善有效" in mail["Subject"] and f"/console/problems/{problem_id}" in mail.get_content()
    confirmed = await desk.client.post(
        f"{desk.intake}/problems/{problem_id}/confirm", json={"note": "維持每日巡檢"}
    )
    assert confirmed.json()["stage"] == "closed"
    refused = await desk.client.post(f"{desk.intake}/problems/{problem_id}/confirm", json={})
    assert refused.status_code == 409 and "已結案" in refused.json()["error"]["message_zh"]

    # Once each, with two sla replicas: the purchase request and the inspection's work order
    # (its next visit falls due tomorrow).
    purchases = await on_topic(system.bootstrap_servers, topics.PURCHASE_REQUESTS)
    assert [p["task_id"] for p in purchases].count(replacement_id) == 1
    orders = await on_topic(system.bootstrap_servers, topics.WORK_ORDERS)
    assert [o.get("schedule_id") for o in orders].count(schedule_id) == 1
    assert len(await events_of(system_db, "InspectionWorkOrderRequested",
                               schedule_id=schedule_id)) == 1  # fmt: skip
    [schedule] = [
        s for s in (await desk.client.get(f"{desk.projections}/inspections",
                                          params={"site": SITE})).json()
        if s["schedule_id"] == schedule_id
    ]  # fmt: skip
    assert schedule["problem_id"] == problem_id and schedule["team"] == "水電組"
    assert schedule["visits"][0]["done_at"] is not None


async def test_a_complaint_on_the_same_equipment_while_watched_is_a_recurrence(
    desk: Desk, system: System
) -> None:
    await register(desk, "WD-2")
    first = await complaint_on(desk, "WD-2")
    opened = await desk.client.post(
        f"{desk.intake}/problems",
        json={"site": SITE, "title": "WD-2 漏水", "asset": "WD-2", "complaints": [first["id"]],
              "watch_days": 30},
    )  # fmt: skip
    problem_id = opened.json()["id"]
    action = await desk.client.post(
        f"{desk.intake}/problems/{problem_id}/actions",
        json={"kind": "training", "description": "飲水機日常保養訓練", "owner": "主管",
              "due_on": (TODAY + timedelta(days=7)).isoformat(), "officer": "officer-wang"},
    )  # fmt: skip
    action_id = action.json()["action_id"]
    done = await desk.client.post(
        f"{desk.intake}/problems/{problem_id}/actions/{action_id}/complete", json={}
    )
    assert done.json()["stage"] == "watching"
    again = await complaint_on(desk, "WD-2")
    recurred = await problem_at(desk, problem_id, "verified")
    assert recurred["outcome"] == "recurred" and recurred["recurrences"] == [again["id"]]
    reopened = await desk.client.post(
        f"{desk.intake}/problems/{problem_id}/reopen", json={"reason": "漏水來自管線，非機器"}
    )
    assert reopened.json()["stage"] == "open"  # its actions were done: back to the analysis
    # The training is a record for the officer, listed in their evaluation.
    month = TODAY.strftime("%Y-%m")

    async def trained() -> list[dict[str, Any]] | None:
        r = await desk.client.get(
            f"{desk.projections}/officers/evaluation", params={"period": month, "site": SITE}
        )
        mine = [o for o in r.json()["officers"] if o["officer"] == "officer-wang"]
        return mine[0]["training"] if mine and mine[0]["training"] else None

    [record] = await eventually(trained, within=30)  # type: ignore[misc]
    assert record["reason"] == "飲水機日常保養訓練" and record["done_at"] is not None


async def test_a_visit_not_reported_done_in_its_grace_is_missed_once_and_alerted(
    desk: Desk, system: System, system_db: asyncpg.Pool, second_sla: ServiceProcess
) -> None:
    await register(desk, "WD-3")
    supervisor = await desk.staff(system.url("notify"), SITE, "supervisor")
    yesterday = TODAY - timedelta(days=1)
    made = await desk.client.post(
        f"{desk.intake}/inspections",
        json={"site": SITE, "asset": "WD-3", "description": "檢查濾心",
              "plan": {"every_days": 1, "starts_on": yesterday.isoformat(), "grace_hours": 1}},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    schedule_id = made.json()["id"]
    zone = ZoneInfo("Asia/Taipei")
    due = datetime.combine(yesterday, datetime.min.time(), tzinfo=zone).astimezone(UTC)

    async def missed() -> list[dict[str, Any]] | None:
        found = await events_of(system_db, "InspectionMissed", schedule_id=schedule_id)
        mine = [m for m in found if datetime.fromisoformat(m["due_at"]) == due]
        return mine or None

    first = await eventually(missed, within=60)
    assert first, "yesterday's visit was never found missed"
    mail = await mail_titled(system.smtp, supervisor, "【巡檢逾期未做】")
    assert "WD-3 飲水機" in mail["Subject"]
    # Today's visit was ordered too (its grace is later); yesterday's is missed once only.
    orders = await eventually(lambda: _orders_of(system_db, schedule_id, 2), within=60)
    assert orders and len({o["task_id"] for o in orders}) == 2
    again = await missed()
    assert again is not None and len(again) == 1
    [schedule] = [
        s for s in (await desk.client.get(f"{desk.projections}/inspections",
                                          params={"site": SITE})).json()
        if s["schedule_id"] == schedule_id
    ]  # fmt: skip
    assert any(v["missed_at"] for v in schedule["visits"])
    assert date.fromisoformat(schedule["plan"]["starts_on"]) == yesterday


async def _orders_of(pool: asyncpg.Pool, schedule_id: str, count: int) -> list[dict] | None:
    found = await events_of(pool, "InspectionWorkOrderRequested", schedule_id=schedule_id)
    return found if len(found) >= count else None
