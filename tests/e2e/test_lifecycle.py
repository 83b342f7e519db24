"""The seed's cases, end to end over HTTP and Kafka, with the real database and broker."""

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from complaint_desk.contract import topics
from complaint_desk.services.intake.tests.test_media import photo_with_gps
from complaint_desk.shared.auth import Role
from conftest import eventually
from tests.credentials import ADMIN, Signer, integration, user

from .conftest import System
from .desk import Desk, OtherSystem, later
from .helpers import mail_titled


@pytest.fixture
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


def types(history: list[dict]) -> list[str]:
    return [h["event_type"] for h in history]


async def test_a_safety_hazard_is_escalated_at_once(desk: Desk) -> None:
    created = await desk.receive(
        category="safety",
        description="配電箱冒煙 — smoke from the switchboard",
        temporary_measures=["people_evacuated", "supply_isolated"],
    )
    assert created["events"] == ["ComplaintReceived", "SafetyEscalated"]
    [escalation] = await desk.wait_for(created["id"], "SafetyEscalated")
    assert escalation["data"]["temporary_measures"] == ["people_evacuated", "supply_isolated"]
    assert escalation["data"]["at_receipt"] is True
    await desk.act(created["id"], "acknowledge", channel="phone")
    classified = await desk.act(
        created["id"], "classify", responsibility="logistics", severity="L1", category="safety"
    )
    assert classified["status"] == "classified"


async def test_a_late_repair_through_a_maintenance_work_order(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    c = await desk.receive(category="repair_delay")
    cid = c["id"]
    await desk.act(cid, "acknowledge", channel="phone", note="apologised, visiting today")
    await desk.act(cid, "evidence", kind="records_check", text="work order sent 11-20, no visit")
    await desk.act(cid, "classify", responsibility="logistics", severity="L2")
    await desk.act(
        cid, "resolution", kind="repair", summary="repair within 2 days", deadline=later(2),
        lost_work_allowance=200,
    )  # fmt: skip
    await desk.act(cid, "resolution/accept")
    assigned = await desk.act(
        cid, "tasks", assignee_kind="maintenance", assignee="maintenance team A",
        description="repair the water dispenser", due_at=later(2),
    )  # fmt: skip
    assert assigned["events"] == ["TaskAssigned", "WorkOrderRequested"]
    task_id = str(assigned["created_id"])
    # A second work order, whose reply comes after the stale ones on the same key: once it
    # has its effect, the stale ones before it have been handled.
    sentinel = await desk.act(
        cid, "tasks", assignee_kind="maintenance", assignee="maintenance team A",
        description="check the other dispensers on the floor", due_at=later(2),
    )  # fmt: skip
    sentinel_id = str(sentinel["created_id"])

    signer = await integration(
        system.database_url, "maintenance-system", event_types=["WorkOrderUpdate"]
    )
    async with OtherSystem(
        system.bootstrap_servers, topics.WORK_ORDERS, topics.WORK_ORDER_UPDATES, signer
    ) as maintenance:
        headers, order = await maintenance.request_for(task_id)
        assert headers["ce_type"].endswith("WorkOrderRequested")
        assert order["location"] and order["description"] == "repair the water dispenser"
        assert (order["number"], order["site"], order["level"]) == (c["number"], "HQ", "L2")
        assert order["link"] == f"{system.url('projections')}/console/complaints/{cid}"
        accepted = await maintenance.send(cid, task_id, "accepted", work_order_ref="WO-981")
        await maintenance.send(cid, task_id, "accepted", message_id=accepted)  # duplicated
        await maintenance.send(None, task_id, "in_progress", note="technician on site")
        await desk.wait_for(cid, "TaskProgressed", count=2)
        after = await desk.client.post(
            f"{desk.intake}/complaints/{cid}/attachments",
            files={"file": ("after.jpg", photo_with_gps(size=(320, 240)), "image/jpeg")},
        )
        assert after.status_code == 201, after.text
        await maintenance.send(
            cid, task_id, "completed", note="filter replaced", reported_by="李師傅",
            files=[after.json()["id"]],
        )  # fmt: skip
        await desk.wait_for(cid, "TaskCompleted")
        await maintenance.send(cid, task_id, "in_progress", note="late, out of order")
        await maintenance.send(cid, task_id, "accepted")  # late, and a new message id
        await maintenance.request_for(sentinel_id)
        await maintenance.send(cid, sentinel_id, "completed", note="all fine")
        await desk.wait_for(cid, "TaskCompleted", count=2)

    history = await desk.history(cid)
    task_events = [
        h for h in history if h["event_type"].startswith("Task") and h["data"]["task_id"] == task_id
    ]
    assert types(task_events) == [
        "TaskAssigned",
        "TaskProgressed",
        "TaskProgressed",
        "TaskCompleted",
    ]
    assert [h["data"].get("external_status") for h in task_events[1:3]] == [
        "accepted",
        "in_progress",
    ]
    assert task_events[-1]["data"]["files"] == [after.json()], "the after-photo, by reference"
    # The maintenance system relayed its technician's report: who did it, on whose behalf.
    assert [(h["actor"], h["relayed_by"]) for h in task_events[1:]] == [
        ("maintenance-system", None), ("maintenance-system", None),
        ("李師傅", "maintenance-system"),
    ]  # fmt: skip

    await desk.act(cid, "resolve", summary="dispenser repaired")
    await desk.act(cid, "callbacks", channel="phone", satisfied=True, comments="謝謝")
    closed = await desk.act(cid, "close")
    assert closed["status"] == "closed"
    assert (await desk.register_row(cid, after=closed["position"]))["status"] == "closed"


async def test_a_shortage_handled_through_procurement(desk: Desk, system: System) -> None:
    c = await desk.receive(category="shortage", description="影印紙缺貨")
    cid = c["id"]
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    await desk.act(
        cid, "resolution", kind="shortage", summary="restock paper",
        restock_via_procurement=True, expected_arrival=later(3),
    )  # fmt: skip
    await desk.act(cid, "resolution/accept")
    assigned = await desk.act(
        cid, "tasks", assignee_kind="procurement", assignee="procurement",
        description="20 reams of A4", due_at=later(3),
    )  # fmt: skip
    assert assigned["events"] == ["TaskAssigned", "PurchaseRequested"]
    task_id = str(assigned["created_id"])
    signer = await integration(
        system.database_url, "procurement-system", event_types=["PurchaseUpdate"]
    )
    async with OtherSystem(
        system.bootstrap_servers, topics.PURCHASE_REQUESTS, topics.PURCHASE_UPDATES, signer
    ) as procurement:
        _, request = await procurement.request_for(task_id)
        assert request["description"] == "20 reams of A4"
        await procurement.send(cid, task_id, "ordered", purchase_ref="PO-77")
        await procurement.send(cid, task_id, "delivered")
        await desk.wait_for(cid, "TaskCompleted")
    await desk.act(cid, "resolve", summary="paper restocked")
    await desk.act(cid, "callbacks", channel="sms", satisfied=True)
    assert (await desk.act(cid, "close"))["status"] == "closed"


async def test_a_dissatisfied_callback_goes_to_review_then_new_work(desk: Desk) -> None:
    c = await desk.receive(category="service_attitude")
    cid = c["id"]
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    await desk.act(
        cid, "resolution", kind="service_attitude", summary="apology and retraining",
        apology=True, retraining=True,
    )  # fmt: skip
    await desk.act(cid, "resolution/accept")
    await desk.act(
        cid, "report", responsible_party="front desk", solution="retraining on 12-01",
        completion_due=later(5), signed_by_officer="officer-wang", signed_by_complainant="陳小明",
    )  # fmt: skip
    await desk.act(cid, "resolve", summary="apologised; retraining booked")
    review = await desk.act(
        cid, "callbacks", channel="phone", satisfied=False, comments="態度仍未改善"
    )
    assert review["events"] == ["CallbackRecorded", "ReviewOpened"]
    assert review["status"] == "under_review"
    await desk.act(cid, "close", expect=409)
    concluded = await desk.act(
        cid, "review/conclude", outcome="further_action", notes="supervisor meets the team",
        tasks=[{"assignee_kind": "person", "assignee": "supervisor lin",
                "description": "meet the front desk team", "due_at": later(2)}],
    )  # fmt: skip
    assert concluded["events"] == ["ReviewConcluded", "TaskAssigned"]
    assert concluded["status"] == "in_progress"
    history = await desk.history(cid, after=concluded["position"])
    task_id = [h for h in history if h["event_type"] == "TaskAssigned"][-1]["data"]["task_id"]
    await desk.act(cid, f"tasks/{task_id}/complete", note="met the team")
    await desk.act(cid, "resolve", summary="team coached by the supervisor")
    await desk.act(cid, "callbacks", channel="phone", satisfied=True)
    closed = await desk.act(cid, "close")
    assert closed["status"] == "closed"
    assert (await desk.register_row(cid, after=closed["position"]))["status"] == "closed"


async def test_a_complaint_outside_logistics_is_referred_and_ends(desk: Desk) -> None:
    c = await desk.receive(category="other")
    referred = await desk.act(
        c["id"], "classify", responsibility="outside_jurisdiction",
        severity="L3", referred_to="IT helpdesk", reason="laptop problem",
    )  # fmt: skip
    assert referred["events"] == ["ComplaintClassified", "ComplaintReferred"]
    assert referred["status"] == "referred"
    refused = await desk.act(c["id"], "acknowledge", expect=409)
    assert refused["error"]["code"] == "illegal_transition"
    assert "referred" in refused["error"]["message"] and refused["error"]["message_zh"]
    row = await desk.register_row(c["id"], after=referred["position"])
    assert row["status"] == "referred"


async def test_a_repeat_complaint_is_linked_to_the_earlier_ones(desk: Desk) -> None:
    phone = f"09{uuid4().int % 10**8:08d}"
    place = f"B{uuid4().hex[:4]} 飲水機"
    first = await desk.receive(phone=phone, location=place, category="repair_delay", site="REP")
    assert first["events"] == ["ComplaintReceived"]
    second = await desk.receive(phone=phone.replace("09", "09 ", 1), location="b" + place[1:],
                                category="repair_delay", email=None, site="rep")  # fmt: skip
    assert second["events"] == ["ComplaintReceived", "RepeatComplaintDetected"]
    history = await desk.history(second["id"], after=second["position"])
    [linked] = [h for h in history if h["event_type"] == "RepeatComplaintDetected"]
    assert linked["data"]["related"] == [first["id"]]
    assert sorted(linked["data"]["reasons"]) == ["same_complainant", "same_place_and_category"]
    # The same person at another site: that site's staff learn nothing of REP's complaints.
    elsewhere = await desk.receive(phone=phone, location=place, category="repair_delay",
                                   site="REPB")  # fmt: skip
    assert elsewhere["events"] == ["ComplaintReceived"]


async def test_errors_name_what_is_wrong(desk: Desk) -> None:
    c = await desk.receive()
    cid = c["id"]
    illegal = await desk.act(cid, "close", expect=409)
    assert illegal["error"]["current_status"] == "received"
    assert "close" in illegal["error"]["message"] and "received" in illegal["error"]["message"]
    await desk.act(str(uuid4()), "acknowledge", expect=404)
    no_task = await desk.act(cid, f"tasks/{uuid4()}/complete", expect=404)
    assert no_task["error"]["code"] == "task_not_found"
    invalid = await desk.act(cid, "classify", expect=422, responsibility="nobody", severity="L9")
    assert {f["field"] for f in invalid["error"]["fields"]} == {"responsibility", "severity"}
    stale = await desk.client.post(
        f"{desk.intake}/complaints/{cid}/acknowledge",
        json={"actor": "officer-wang"},
        headers={"If-Match": '"7"'},
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    ok = await desk.client.post(
        f"{desk.intake}/complaints/{cid}/acknowledge",
        json={"actor": "officer-wang"},
        headers={"If-Match": f'"{c["version"]}"'},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] == f'"{c["version"] + 1}"'
    await desk.act(cid, "acknowledge", expect=409)  # once is enough


async def test_commands_over_kafka_are_applied_or_rejected_with_a_reason(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    c = await desk.receive()
    crm = await integration(
        system.database_url, "system:crm", commands=["acknowledge", "close", "wait"]
    )
    elsewhere = await integration(
        system.database_url, "system:crm-north", commands=["acknowledge"], sites=["NORTH"]
    )
    producer = AIOKafkaProducer(bootstrap_servers=system.bootstrap_servers)
    results = AIOKafkaConsumer(
        topics.COMMAND_RESULTS,
        bootstrap_servers=system.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await producer.start()
    await results.start()

    async def send(message: dict[str, Any], signer: Signer | None = crm) -> None:
        value = json.dumps(message).encode()
        headers = signer.headers(topics.COMPLAINT_COMMANDS, value) if signer else None
        await producer.send_and_wait(
            topics.COMPLAINT_COMMANDS, value, key=c["id"].encode(), headers=headers
        )

    try:
        good = {"command_id": str(uuid4()), "command": "acknowledge", "complaint_id": c["id"],
                "actor": "officer-wang", "payload": {"channel": "email"}}  # fmt: skip
        unknown = {**good, "command_id": str(uuid4()), "command": "teleport"}
        illegal = {**good, "command_id": str(uuid4()), "command": "close", "payload": {}}
        invalid = {
            **good,
            "command_id": str(uuid4()),
            "command": "wait",
            "payload": {"reason": "x"},
        }
        # Another integration's command with the same id: ids are each integration's own,
        # so it is handled (and refused: not its site), not taken for a duplicate of ours.
        other_site = {**good}
        for message in (good, good, unknown, illegal, invalid):  # the good one twice
            await send(message)
        await send(other_site, elsewhere)
        await producer.send_and_wait(topics.COMPLAINT_COMMANDS, b"{not json", key=b"?")
        # Refused before anything is applied: unsigned, forged, and not granted.
        forged = Signer(crm.key_id, b"not the key")
        await send({**good, "command_id": str(uuid4()), "command": "reopen"}, signer=None)
        await send({**good, "command_id": str(uuid4()), "command": "reopen"}, signer=forged)
        await send({**good, "command_id": str(uuid4()), "command": "reopen", "payload": {
            "reason": "not granted"}})  # fmt: skip
        rejected: dict[str, str] = {}

        sites: dict[str, str] = {}

        async def all_rejected() -> bool:
            for records in (await results.getmany(timeout_ms=300)).values():
                for r in records:
                    data = json.loads(r.value)
                    rejected[data["command_id"]] = data["reason"]
                    sites[data["command_id"]] = dict(r.headers)["ce_siteid"].decode()
            expected = (unknown, illegal, invalid, other_site)
            return {m["command_id"] for m in expected} <= set(rejected)

        assert await eventually(all_rejected, within=30)
    finally:
        await results.stop()
        await producer.stop()
    assert "unknown command 'teleport'" in rejected[unknown["command_id"]]
    assert "Cannot close" in rejected[illegal["command_id"]]
    assert "reason" in rejected[invalid["command_id"]]
    assert "not found" in rejected[other_site["command_id"]], "another site's complaint"
    assert sites[other_site["command_id"]] == "unknown", "its refusal does not name HQ"
    assert sites[illegal["command_id"]] == "HQ", "a refusal of our own names our site"
    acknowledged = await desk.wait_for(c["id"], "ComplaintAcknowledged")
    assert len(acknowledged) == 1, "applied once"
    # The CRM relayed the officer's action: recorded as theirs, relayed by the CRM.
    assert (acknowledged[0]["actor"], acknowledged[0]["relayed_by"]) == (
        "officer-wang",
        "system:crm",
    )
    parked = await eventually(
        lambda: system_db.fetchval(
            "SELECT error FROM consumers.dead_letters WHERE consumer = $1 AND error LIKE $2",
            f"inbound:{topics.COMPLAINT_COMMANDS}",
            "%contract%",
        )
    )
    assert parked
    listed = (await desk.client.get(f"{system.url('intake')}/dead-letters")).json()
    assert any(d["consumer"] == f"inbound:{topics.COMPLAINT_COMMANDS}" for d in listed)

    async def refusals() -> list[str] | None:
        r = await desk.client.get(f"{system.url('intake')}/refusals")
        found = sorted(x["reason"] for x in r.json() if x["channel"] == topics.COMPLAINT_COMMANDS)
        return found if len(found) >= 3 else None

    assert await eventually(refusals) == ["bad signature", "not granted: reopen", "unsigned"]
    named = (await desk.client.get(f"{system.url('intake')}/refusals")).json()
    unsigned = next(x for x in named if x["reason"] == "unsigned")
    assert unsigned["detail"]["complaint_id"] == c["id"] and unsigned["detail"]["command_id"]
    assert {"partition", "offset", "key"} <= set(unsigned["detail"])
    # The refused messages were handled (their refusals are recorded): a command after them
    # carries a position that any reopening would stand before.
    later_note = await desk.act(c["id"], "evidence", kind="interview", text="checked")
    history = await desk.history(c["id"], after=later_note["position"])
    assert "ComplaintReopened" not in {h["event_type"] for h in history}


async def test_an_unclassified_complaint_has_its_provisional_level_and_the_guides_stages(
    desk: Desk,
) -> None:
    site = "PV" + uuid4().hex[:4].upper()
    safety = await desk.receive(site=site, category="safety", description="地上有碎玻璃")
    ordinary = await desk.receive(site=site, category="repair_delay", urgency="normal")
    row = await desk.register_row(safety["id"], after=ordinary["position"])
    assert (row["severity"], row["severity_provisional"]) == ("L1", True)
    found = await desk.client.get(
        f"{desk.projections}/complaints", params={"site": site, "severity": "L1"}
    )
    assert [i["id"] for i in found.json()["items"]] == [safety["id"]], "an unclassified L1"
    csv = await desk.client.get(f"{desk.projections}/complaints.csv", params={"site": site})
    assert "L1（暫定 provisional）" in csv.text and "L3（暫定 provisional）" in csv.text

    cid = ordinary["id"]
    contacted = await desk.act(cid, "acknowledge", channel="phone")
    assert contacted["status"] == "contacted"
    waiting = await desk.act(cid, "wait", reason="complainant", note="away until Monday")
    assert waiting["status"] == "waiting"
    row = await desk.register_row(cid, after=waiting["position"])
    assert (row["status"], row["stage"], row["waiting_reason"]) == (
        "waiting", "contacted", "complainant",
    )  # fmt: skip
    listed = await desk.client.get(
        f"{desk.projections}/complaints", params={"site": site, "status": "waiting"}
    )
    assert [i["id"] for i in listed.json()["items"]] == [cid]
    resumed = await desk.act(cid, "resume", note="back")
    assert resumed["status"] == "contacted"
    classified = await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    row = await desk.register_row(cid, after=classified["position"])
    assert (row["status"], row["severity"], row["severity_provisional"]) == (
        "classified", "L3", False,
    )  # fmt: skip


async def test_a_later_safety_escalation_makes_the_complaint_urgent_at_once(desk: Desk) -> None:
    c = await desk.receive(category="repair_delay", urgency="low")
    cid = c["id"]
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    escalated = await desk.act(
        cid, "escalate-safety", reason="the leak now reaches a socket",
        temporary_measures=["supply_isolated"],
    )  # fmt: skip
    row = await desk.register_row(cid, after=escalated["position"])
    assert row["severity"] == "L1"
    recalculated = await desk.wait_for(cid, "SlaRecalculated", count=2)  # both clocks
    assert {r["data"]["level"] for r in recalculated} == {"L1"}
    assert {r["data"]["reason"] for r in recalculated} == {"safety escalated"}


async def test_an_owner_is_reassigned_and_the_staff_named_stays_out(
    desk: Desk, system: System
) -> None:
    site = "OW" + uuid4().hex[:4].upper()
    supervisor = await desk.staff(system.url("notify"), site, "supervisor")
    named = f"clerk-{uuid4().hex[:4]}"
    clerk = await user(system.database_url, named, Role.DUTY_OFFICER, sites=[site])
    officer = await user(system.database_url, f"officer-{uuid4().hex[:4]}", Role.DUTY_OFFICER,
                         sites=[site])  # fmt: skip
    c = await desk.receive(site=site, category="service_attitude", about_staff=named,
                           description="櫃台人員態度不佳")  # fmt: skip
    cid = c["id"]
    mail = await mail_titled(system.smtp, supervisor, f"【服務態度投訴・涉及員工】{c['number']}")
    assert named in mail.get_content()

    intake = system.url("intake")
    refused = await desk.client.post(
        f"{intake}/complaints/{cid}/evidence", headers=clerk,
        json={"kind": "interview", "text": "我沒有不禮貌"},
    )  # fmt: skip
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert error["code"] == "conflict_of_interest" and "不可調查" in error["message_zh"]
    assert "may not investigate" in error["message"]
    not_a_supervisor = await desk.client.post(
        f"{intake}/complaints/{cid}/owner", headers=officer, json={"owner": "anyone"}
    )
    assert not_a_supervisor.status_code == 403
    to_clerk = await desk.act(cid, "owner", expect=403, owner=named)
    assert to_clerk["error"]["code"] == "conflict_of_interest"
    moved = await desk.act(cid, "owner", owner="officer-lin", reason="換班 shift handover")
    row = await desk.register_row(cid, after=moved["position"])
    assert (row["owner"], row["receiving_officer"]) == ("officer-lin", "officer-wang")
    mine = await desk.client.get(
        f"{desk.projections}/complaints", params={"owner": "officer-lin", "site": site}
    )
    assert [i["id"] for i in mine.json()["items"]] == [cid]
    [assigned] = [h for h in row["history"] if h["event_type"] == "OwnerAssigned"]
    assert assigned["data"]["previous"] == "officer-wang"


async def test_after_a_dispute_a_supervisor_coordinates_the_new_plan(
    desk: Desk, system: System
) -> None:
    site = "CO" + uuid4().hex[:4].upper()
    officer = await user(system.database_url, f"officer-{uuid4().hex[:4]}", Role.DUTY_OFFICER,
                         sites=[site])  # fmt: skip
    c = await desk.receive(site=site)
    cid = c["id"]
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    await desk.act(cid, "resolution", kind="repair", summary="next week", deadline=later(7))
    await desk.act(cid, "resolution/dispute", reason="too late")
    plan = {"kind": "repair", "summary": "tomorrow", "deadline": later(1)}
    intake = system.url("intake")
    by_officer = await desk.client.post(
        f"{intake}/complaints/{cid}/resolution", headers=officer, json=plan
    )
    assert by_officer.status_code == 200, by_officer.text
    early = await desk.act(cid, "resolution/accept", expect=409)
    assert "主管核准" in early["error"]["message_zh"], "the complainant sees it only once approved"
    refused = await desk.client.post(
        f"{intake}/complaints/{cid}/resolution/approve", headers=officer, json={}
    )
    assert refused.status_code == 403, refused.text
    approved = await desk.act(cid, "resolution/approve", note="ok")  # the admin, a supervisor
    assert "ResolutionApproved" in approved["events"]
    agreed = await desk.act(cid, "resolution/accept")
    assert agreed["status"] == "resolution_agreed"


async def test_the_detail_offers_exactly_what_intake_accepts(desk: Desk, system: System) -> None:
    """``allowed_commands`` comes from the status machine intake checks commands with: every
    command it leaves out is refused, and it follows each step and the reader's role."""
    officer = await user(system.database_url, "officer-offers", Role.DUTY_OFFICER, sites=["HQ"])
    cid = (await desk.receive(category="repair_delay"))["id"]
    at = (await desk.act(cid, "classify", responsibility="logistics", severity="L2"))["position"]
    offered = set((await desk.register_row(cid, after=at))["allowed_commands"])
    assert {"resolution", "tasks", "resolve", "severity", "notes", "owner"} <= offered
    for name, body in NOT_YET.items():
        assert name not in offered
        await desk.act(cid, name, expect=409, **body)
    as_officer = await desk.client.get(
        f"{desk.projections}/complaints/{cid}", params={"after": at}, headers=officer
    )
    mine = set(as_officer.json()["allowed_commands"])
    assert mine == offered - {"owner", "erase-personal-data"}, "a supervisor's and an admin's"

    proposal = {"kind": "repair", "summary": "repair within 2 days", "deadline": later(2)}
    at = (await desk.act(cid, "resolution", **proposal))["position"]
    offered = set((await desk.register_row(cid, after=at))["allowed_commands"])
    assert {"resolution/accept", "resolution/dispute"} <= offered and "resolve" not in offered
    await desk.act(cid, "resolve", expect=409, summary="done")
    await desk.act(cid, "resolution/accept")
    task = {"assignee_kind": "maintenance", "assignee": "team A", "description": "repair it"}
    at = (await desk.act(cid, "tasks", due_at=later(2), **task))["position"]
    offered = set((await desk.register_row(cid, after=at))["allowed_commands"])
    assert {"tasks/progress", "tasks/complete", "tasks/cancel"} <= offered
    assert "resolve" not in offered


# Commands a classified complaint does not offer, with bodies intake would otherwise take.
NOT_YET: dict[str, dict[str, Any]] = {
    "resolution/accept": {},
    "callbacks": {"channel": "phone", "satisfied": True},
    "close": {},
    "review/conclude": {"outcome": "upheld", "notes": "fine"},
    "resume": {},
    "reopen": {"reason": "again"},
}
