"""Who is told what, end to end: staff alerts by email, integrators by signed webhook, and the
complainant's callback (回訪) through its link, reminder and phone-call request."""

import re
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from conftest import eventually
from tests.credentials import ADMIN

from .conftest import System
from .desk import Desk, later
from .helpers import mail_titled


@pytest.fixture
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


async def _mail(system: System, address: str, count: int = 1) -> list:  # type: ignore[type-arg]
    async def arrived() -> list | None:  # type: ignore[type-arg]
        found = system.smtp.to(address)
        return found if len(found) >= count else None

    found = await eventually(arrived, within=60)  # a first one waits for a starting system
    assert found, f"no mail for {address}"
    return found


async def test_staff_and_integrators_are_told(system: System, desk: Desk) -> None:
    site = "NTF" + uuid4().hex[:3].upper()
    notify = system.url("notify")
    supervisor = f"supervisor-{site.lower()}@example.org"
    r = await desk.client.put(f"{notify}/directory/{site}/supervisor",
                              json={"channel": "email", "destination": supervisor})  # fmt: skip
    assert r.status_code == 200, r.text
    subscription = await desk.client.post(
        f"{notify}/subscriptions",
        json={"name": "maintenance system", "site": site, "event_types": ["SafetyEscalated"],
              "channel": "webhook", "destination": system.http.url(site)},
    )  # fmt: skip
    assert subscription.status_code == 201, subscription.text
    system.http.secrets[site] = [subscription.json()["secret"]]
    refused = await desk.client.post(
        f"{notify}/subscriptions",
        json={"name": "x", "event_types": ["*"], "channel": "webhook",
              "destination": "http://169.254.169.254/latest"},
    )  # fmt: skip
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "destination_refused"

    place = f"B1 配電室 {uuid4().hex[:4]}"
    created = await desk.receive(
        site=site, location=place, category="safety", temporary_measures=["area_cordoned"]
    )
    [mail] = await _mail(system, supervisor)
    text = mail.get_content()
    assert mail["Subject"] == f"【安全上報】{created['number']}｜{site} {place}"
    assert "封鎖現場" in text and "area cordoned off" in text and "area_cordoned" not in text
    assert text.index("涉及安全問題") < text.index("safety problem"), "Chinese first"
    assert f"{system.url('projections')}/console/complaints/{created['id']}" in text

    async def hooked() -> list | None:  # type: ignore[type-arg]
        return system.http.for_hook(site) or None

    [hook] = await eventually(hooked, within=30)
    assert hook["verified_with"] == system.http.secrets[site], "signed with the endpoint's secret"
    assert b'"type":"tw.facilities.complaints.SafetyEscalated"' in hook["body"]

    async def delivered() -> set[str] | None:
        history = await desk.seen(created["id"]) or []
        kinds = ("NotificationDelivered",)
        found = {h["data"]["channel"] for h in history if h["event_type"] in kinds}
        return found if {"email", "webhook"} <= found else None

    assert await eventually(delivered, within=30), "the supervisor's mail and the webhook"


async def test_a_disputed_plan_and_a_review_reach_the_supervisor_at_once(
    system: System, desk: Desk
) -> None:
    site = "DSP" + uuid4().hex[:3].upper()
    supervisor = await desk.staff(system.url("notify"), site, "supervisor")
    disputed = await desk.receive(site=site, category="repair_delay", description="冷氣不冷")
    cid = disputed["id"]
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    await desk.act(cid, "resolution", kind="repair", summary="repair next week", deadline=later(7))
    await desk.act(cid, "resolution/dispute", reason="下週太晚了 — next week is too late")
    [mail] = await _mail(system, supervisor)
    assert mail["Subject"] == f"【方案爭議・請協調】{disputed['number']}"
    assert "下週太晚了" in mail.get_content() and "冷氣不冷" in mail.get_content()

    reviewed = await desk.receive(site=site, category="shortage", description="影印紙缺貨")
    rid = reviewed["id"]
    await desk.act(rid, "classify", responsibility="logistics", severity="L3")
    await desk.act(rid, "resolve", summary="paper delivered")
    await desk.act(rid, "callbacks", channel="phone", satisfied=False, comments="只送了一半")
    mails = await _mail(system, supervisor, count=2)
    review = [m for m in mails if m["Subject"] == f"【主管復核】{reviewed['number']}"]
    assert review and "只送了一半" in review[0].get_content()
    started = await desk.wait_for(rid, "SlaClockStarted", count=3)
    [clock] = [s for s in started if s["data"]["clock"] == "review"]
    assert clock["data"]["target_seconds"] > 0, "the review has its own deadline"
    concluded = await desk.act(rid, "review/conclude", outcome="upheld", notes="paper is enough")
    met = await desk.wait_for(rid, "SlaMet", count=3)
    assert "review" in {m["data"]["clock"] for m in met}
    assert concluded["status"] == "resolved"


async def test_nobody_to_tell_falls_back_along_the_chain_then_is_an_alarm(
    system: System, desk: Desk
) -> None:
    staffed = "FBK" + uuid4().hex[:3].upper()
    manager = await desk.staff(system.url("notify"), staffed, "duty_manager")
    fallen_back = await desk.receive(site=staffed, category="safety")
    [mail] = await _mail(system, manager)
    assert mail["Subject"].startswith(f"【安全上報】{fallen_back['number']}")
    queued = await desk.wait_for(fallen_back["id"], "NotificationQueued")
    [staff] = [q for q in queued if q["data"]["recipient"] != "complainant"]
    assert (staff["data"]["recipient"], staff["data"]["instead_of"]) == (
        "duty_manager", "supervisor",
    )  # fmt: skip

    nobody = "NBD" + uuid4().hex[:3].upper()
    alone = await desk.receive(site=nobody, category="safety")
    [unrouted] = await desk.wait_for(alone["id"], "NotificationUnrouted")
    assert unrouted["data"]["role"] == "supervisor" and unrouted["data"]["site"] == nobody
    assert unrouted["data"]["tried"] == ["supervisor", "duty_manager"]
    metrics = await desk.client.get(f"{system.url('notify')}/metrics")
    assert 'desk_notify_unrouted_total{kind="safety_escalated"}' in metrics.text


async def test_the_complainant_answers_the_callback_link(system: System, desk: Desk) -> None:
    address = f"chen-{uuid4().hex[:6]}@example.org"
    created = await desk.receive(channel="email", email=address, category="repair_delay")
    cid = created["id"]
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    await desk.act(cid, "resolve", summary="dispenser replaced")
    mail = await mail_titled(system.smtp, address, f"您的投訴 {created['number']} 已處理")
    link = re.search(r"http://\S+/callback/\S+", mail.get_content())
    assert link, mail.get_content()
    page = await desk.client.get(link.group(0))
    assert page.status_code == 200 and "您對這次的處理結果滿意嗎" in page.text
    assert "問題再次發生" in page.text, "the reasons offered for a repair"
    assert "not_fixed" in page.text and "not_enough" not in page.text
    english = await desk.client.get(link.group(0), params={"lang": "en"})
    assert "Are you satisfied" in english.text and "The problem came back" in english.text
    again_page = await desk.client.get(link.group(0))
    assert again_page.status_code == 200, "opening the page twice records nothing"
    answered = await desk.client.post(
        link.group(0),
        data={"satisfied": "no", "comments": "還是會漏水", "lang": "zh-Hant", "rating": "2",
              "reasons": ["not_fixed", "came_back"], "suggestions": "請換新機"},
    )  # fmt: skip
    assert answered.status_code == 200 and "謝謝" in answered.text
    again = await desk.client.post(link.group(0), data={"satisfied": "yes"})
    assert again.status_code == 410 and "已回覆" in again.text, "single use"
    used = await desk.client.get(link.group(0))
    assert used.status_code == 410 and "已回覆" in used.text, "a used link says so on GET"
    forged = await desk.client.post(link.group(0)[:-4] + "AAAA", data={"satisfied": "yes"})
    assert forged.status_code == 404
    review = await desk.wait_for(cid, "ReviewOpened")
    recorded = await desk.wait_for(cid, "CallbackRecorded")
    assert recorded[0]["data"] == {
        "channel": "email", "satisfied": False, "comments": "還是會漏水", "rating": 2,
        "reasons": ["came_back", "not_fixed"], "suggestions": "請換新機", "files": [],
    }  # fmt: skip
    row = await desk.register_row(cid, after=recorded[0]["position"])
    assert (row["rating"], row["reasons"]) == (2, ["came_back", "not_fixed"])
    assert review[0]["actor"] == "complainant"
    await desk.wait_for(cid, "CallbackAnswered")  # the timeline follows each stream on its own
    history = [h["event_type"] for h in await desk.history(cid)]
    assert history.index("CallbackRequested") < history.index("CallbackAnswered")
    assert history.index("CallbackAnswered") < history.index("CallbackRecorded")


async def test_no_answer_brings_a_reminder_then_a_phone_call_request(
    system: System, desk: Desk
) -> None:
    site = "CB" + uuid4().hex[:3].upper()
    officer = await desk.staff(system.url("notify"), site, "officer:officer-wang")
    address = f"lin-{uuid4().hex[:6]}@example.org"
    created = await desk.receive(site=site, channel="email", email=address)
    cid = created["id"]
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    await desk.act(cid, "resolve", summary="done")
    await mail_titled(system.smtp, address, f"您的投訴 {created['number']} 已處理")
    await mail_titled(system.smtp, address, "提醒")
    [call] = await _mail(system, officer)
    assert call["Subject"] == f"【電話回訪】{created['number']}"
    await desk.wait_for(cid, "CallbackPhoneCallRequested")


async def test_subscriptions_rotate_disable_and_dead_letters_replay(
    system: System, desk: Desk, system_db: asyncpg.Pool
) -> None:
    site = "SUB" + uuid4().hex[:3].upper()
    notify = system.url("notify")
    body = {"name": "crm", "site": site, "event_types": ["ComplaintReceived"],
            "channel": "webhook", "destination": system.http.url(site)}  # fmt: skip
    created = (await desk.client.post(f"{notify}/subscriptions", json=body)).json()
    old_secret = created["secret"]
    rotated = (
        await desk.client.post(f"{notify}/subscriptions/{created['id']}/rotate-secret")
    ).json()
    assert rotated["secret"] != old_secret and rotated["secret_count"] == 2
    system.http.secrets[site] = [old_secret]  # a receiver that has not switched yet still verifies
    await desk.receive(site=site)

    async def hooked(count: int) -> list | None:  # type: ignore[type-arg]
        found = system.http.for_hook(site)
        return found if len(found) >= count else None

    [first] = await eventually(lambda: hooked(1), within=30)
    assert first["verified_with"] == [old_secret]
    assert len(first["headers"]["webhook-signature"].split(" ")) == 2, "signed with both secrets"

    system.http.behaviors[site] = "redirect"  # refused, never followed: a dead letter at once
    failed = await desk.receive(site=site)
    dead = await eventually(lambda: _dead_for(desk, notify, failed["id"]), within=30)
    assert dead and "redirect" in dead["last_error"]
    system.http.behaviors[site] = "ok"
    replay = await desk.client.post(f"{notify}/deliveries/{dead['id']}/replay")
    assert replay.status_code == 200
    assert await eventually(lambda: hooked(2), within=30)
    missing = await desk.client.post(f"{notify}/deliveries/{uuid4()}/replay")
    assert missing.status_code == 404

    disabled = await desk.client.put(
        f"{notify}/subscriptions/{created['id']}", json={**body, "enabled": False}
    )
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    # A sentinel subscription to the same events: notify queues every subscription's delivery
    # of an event together, so once the sentinel's arrives the disabled one's would have too.
    sentinel = f"{site}-sentinel"
    watcher = await desk.client.post(
        f"{notify}/subscriptions",
        json={**body, "name": "sentinel", "destination": system.http.url(sentinel)},
    )
    assert watcher.status_code == 201, watcher.text
    last = await desk.receive(site=site)
    assert await eventually(lambda: _hooks(system, sentinel), within=30)
    assert len(system.http.for_hook(site)) == 2, "a disabled subscription gets nothing"
    queued = await system_db.fetch(
        "SELECT subscription_id FROM notify.deliveries"
        " WHERE complaint_id = $1 AND subscription_id IS NOT NULL",
        UUID(last["id"]),
    )
    assert {str(d["subscription_id"]) for d in queued} == {watcher.json()["id"]}


async def _hooks(system: System, name: str) -> list | None:  # type: ignore[type-arg]
    return system.http.for_hook(name) or None


async def _dead_for(desk: Desk, notify: str, complaint_id: str) -> dict | None:  # type: ignore[type-arg]
    listed = (await desk.client.get(f"{notify}/deliveries/dead")).json()
    return next((d for d in listed if d["complaint_id"] == complaint_id), None)


async def test_the_first_sla_warning_goes_to_the_complaints_owner_by_name(
    system: System, desk: Desk
) -> None:
    site = "OWN" + uuid4().hex[:3].upper()
    short = {
        "levels": {
            level: {"response": {"seconds": 4}, "resolution": {"seconds": 3600},
                    "calendar": "24x7"}
            for level in ("L1", "L2", "L3")
        }
    }  # fmt: skip
    r = await desk.client.put(f"{system.url('sla')}/policies/{site}", json=short)
    assert r.status_code == 200, r.text
    owner = await desk.staff(system.url("notify"), site, "officer:officer-wang")
    created = await desk.receive(site=site, category="repair_delay", urgency="low")
    [mail] = await _mail(system, owner)
    assert mail["Subject"] == f"【時效提醒】{created['number']} 響應時效已用 50%"
    text = mail.get_content()
    assert "尚餘" in text and "left" in text and "/console/complaints/" in text


async def test_the_complainant_is_kept_informed_at_each_step(system: System, desk: Desk) -> None:
    address = f"lin-{uuid4().hex[:6]}@example.org"
    created = await desk.receive(channel="email", email=address, category="shortage")
    cid, number = created["id"], created["number"]
    [receipt] = await _mail(system, address)
    assert receipt["Subject"] == f"您的投訴已受理：{number}"
    text = receipt.get_content()
    assert "預計最遲於" in text and "at the latest by" in text and number in text
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    await desk.act(cid, "resolution", kind="shortage", summary="補足影印紙 restock the paper",
                   deadline=later(3), restock_via_procurement=True,
                   expected_arrival=later(2))  # fmt: skip
    await desk.act(cid, "resolution/accept")
    mails = await _mail(system, address, count=2)
    [plan] = [m for m in mails if m["Subject"] == f"投訴 {number} 處理方案已確認"]
    assert "補足影印紙" in plan.get_content() and "預計到貨" in plan.get_content()
    task = await desk.act(cid, "tasks", assignee_kind="procurement", assignee="purchasing",
                          description="order paper", due_at=later(2))  # fmt: skip
    await desk.act(cid, f"tasks/{task['created_id']}/complete", note="已到貨 delivered")
    mails = await _mail(system, address, count=3)
    [done] = [m for m in mails if m["Subject"] == f"投訴 {number} 處理工作已完成"]
    assert "已到貨" in done.get_content()
    await desk.act(cid, "resolve", summary="紙已補足 paper restocked",
                   improvement="每週檢查庫存 weekly stock checks")  # fmt: skip
    mails = await _mail(system, address, count=4)
    [summary] = [m for m in mails if m["Subject"] == f"您的投訴 {number} 已處理"]
    content = summary.get_content()
    assert "紙已補足" in content and "每週檢查庫存" in content and "/callback/" in content

    referred_to = f"elsewhere-{uuid4().hex[:6]}@example.org"
    other = await desk.receive(channel="email", email=referred_to, category="other")
    referred = await desk.act(other["id"], "classify", responsibility="outside_jurisdiction",
                              severity="L3", referred_to="資訊室 IT office",
                              referred_contact="分機 1234", reason="筆電問題 laptops")  # fmt: skip
    mails = await _mail(system, referred_to, count=2)
    [told] = [m for m in mails if m["Subject"] == f"投訴 {other['number']} 已轉介"]
    assert "資訊室 IT office" in told.get_content() and "分機 1234" in told.get_content()
    row = await desk.register_row(other["id"], after=referred["position"])
    assert row["referred_to"] == "資訊室 IT office" and row["status"] == "referred"
    closed = await desk.act(other["id"], "close", note="the IT office has it")
    assert closed["status"] == "closed"


async def test_a_callback_link_withdrawn_by_the_desk_says_so_and_changes_nothing(
    system: System, desk: Desk
) -> None:
    address = f"wu-{uuid4().hex[:6]}@example.org"
    created = await desk.receive(channel="email", email=address, category="hygiene")
    cid = created["id"]
    await desk.act(cid, "classify", responsibility="logistics", severity="L3")
    await desk.act(cid, "resolve", summary="cleaned")
    mail = await mail_titled(system.smtp, address, f"您的投訴 {created['number']} 已處理")
    link = re.search(r"http://\S+/callback/\S+", mail.get_content())
    assert link
    page = await desk.client.get(link.group(0))
    assert "仍不清潔" in page.text, "the reasons offered for hygiene"
    by_phone = await desk.act(cid, "callbacks", channel="phone", satisfied=True, rating=5)
    queued = await desk.act(cid, "evidence", kind="interview", text="sentinel after the callback")

    async def withdrawn() -> bool:
        r = await desk.client.get(link.group(0))
        return r.status_code == 410

    assert await eventually(withdrawn, within=30), "the desk's own callback withdraws the link"
    late = await desk.client.get(link.group(0))
    assert "值班人員已記錄" in late.text
    refused = await desk.client.post(link.group(0), data={"satisfied": "no"})
    assert refused.status_code == 410 and "值班人員已記錄" in refused.text
    history = await desk.history(cid, after=queued["position"])
    assert "ReviewOpened" not in {h["event_type"] for h in history}
    assert by_phone["status"] == "resolved"
    closed = await desk.act(cid, "close")
    assert closed["status"] == "closed"


async def test_a_third_party_receives_its_task_and_its_progress_is_tracked(
    system: System, desk: Desk
) -> None:
    site = "TPY" + uuid4().hex[:3].upper()
    contractor = await desk.staff(system.url("notify"), site, "third_party:CleanCo")
    created = await desk.receive(site=site, category="hygiene", description="廁所未清潔")
    cid = created["id"]
    await desk.act(cid, "classify", responsibility="third_party", severity="L3",
                   third_party="CleanCo")  # fmt: skip
    task = await desk.act(cid, "tasks", assignee_kind="third_party", assignee="CleanCo",
                          description="clean the 2F restrooms", due_at=later(1))  # fmt: skip
    mail = await mail_titled(system.smtp, contractor, f"【新任務】{created['number']}")
    assert "clean the 2F restrooms" in mail.get_content()
    task_id = task["created_id"]
    await desk.act(cid, f"tasks/{task_id}/progress", note="crew on the way")
    done = await desk.act(cid, f"tasks/{task_id}/complete", note="cleaned")
    history = await desk.history(cid, after=done["position"])
    steps = [h["event_type"] for h in history if h["data"].get("task_id") == task_id]
    assert steps == ["TaskAssigned", "TaskProgressed", "TaskCompleted"]
    assert (await desk.act(cid, "resolve", summary="cleaned by CleanCo"))["status"] == "resolved"
