"""Complaints from every channel, against the running system: the complainant's own form (its
limits, honeypot, token and duplicates to join), the status page and what the complainant
may do there, email in (a real SMTP client: new mail with a photo, replies, an auto-reply, a
bounce, a redelivery), and merging a complaint into another with both complainants told."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from uuid import UUID, uuid4

import aiosmtplib
import asyncpg
import httpx
import pytest

from complaint_desk.services.intake.public import service
from complaint_desk.services.intake.tests.test_media import photo_with_gps
from complaint_desk.shared.uow import UnitOfWork
from complaint_desk.tools.devstack.postgres import free_port
from conftest import eventually
from tests.credentials import ADMIN

from .conftest import System
from .desk import Desk, later
from .helpers import mail_titled

pytestmark = pytest.mark.e2e

MAIL_PORT = free_port()
SITES = '{"CH": "通道院區", "TK": "憑證院區", "RL": "限流院區", "ML": "郵件院區", "MG": "併案院區"}'
SYSTEM_ENV = {
    "INTAKE_PUBLIC_SITES": SITES,
    "INTAKE_FORM_TOKEN_SITES": '["TK"]',
    "INTAKE_FORM_PER_ADDRESS_PER_HOUR": "3",
    "INTAKE_FORM_PER_SITE_PER_HOUR": "12",
    "INTAKE_MAIL_PORT": str(MAIL_PORT),
    "INTAKE_MAIL_ADDRESSES": '{"desk-ml@desk.test": "ML"}',
    "INTAKE_MAIL_PER_SENDER_PER_HOUR": "6",
    "INTAKE_MAIL_MAX_BYTES": str(1024 * 1024),
    # Each test reports from an address of its own (the form limits reports per address).
    "TRUSTED_PROXIES": "127.0.0.1",
}
STATUS_LINK = re.compile(r"http://127\.0\.0\.1:\d+/status/[A-Za-z0-9_\-]+")


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


def reporter() -> dict[str, str]:
    """A client at an address of its own, as a trusted proxy forwards it."""
    return {"X-Forwarded-For": f"10.{uuid4().int % 250}.{uuid4().int % 250}.{uuid4().int % 250}"}


def report_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "complainant_name": "林小華", "department": "總務處",
        "email": f"{uuid4().hex[:8]}@example.org", "location": f"2F 影印室 {uuid4().hex[:4]}",
        "category": "repair_delay", "urgency": "normal",
        "description": "影印機卡紙三天了 / the copier has jammed for three days",
    }  # fmt: skip
    return fields | overrides


async def send_report(
    client: httpx.AsyncClient, intake: str, site: str, fields: dict[str, str], **kwargs: object
) -> httpx.Response:
    return await client.post(f"{intake}/report/{site}", data=fields, **kwargs)  # type: ignore[arg-type]


def number_in(page: str) -> str:
    found = re.search(r"[A-Z]{2}-\d{8}-\d{4}", page)
    assert found, page[-2000:]
    return found.group(0)


async def test_a_report_from_the_form_enters_the_desks_process_with_its_photo(
    desk: Desk, system: System
) -> None:
    intake = system.url("intake")
    fields = report_fields(via="qr", asset="影印機 #3")
    async with httpx.AsyncClient(timeout=30, headers=reporter(), follow_redirects=True) as public:
        form = await public.get(f"{intake}/report/CH", params={"place": "2F 影印室", "via": "qr"})
        assert form.status_code == 200 and 'value="2F 影印室"' in form.text
        sent = await send_report(
            public, intake, "CH", fields,
            files=[("photos", ("copier.jpg", photo_with_gps(), "image/jpeg"))],
        )  # fmt: skip
    assert sent.status_code == 201, sent.text
    number = number_in(sent.text)
    link = STATUS_LINK.search(sent.text)
    assert link, "the page gives the status link"
    [row] = await eventually(lambda: _rows(desk, number), within=30)
    assert (row["channel"], row["receiving_officer"], row["asset"]) == (
        "qr",
        "channel:qr",
        "影印機 #3",
    )
    history = await desk.wait_for(row["id"], "ComplaintReceived")
    [photo] = history[0]["data"]["files"]
    assert photo["media_type"] == "image/jpeg" and not photo["personal"]
    await desk.wait_for(row["id"], "SlaClockStarted", count=2)  # the officer's clocks started
    receipt = await mail_titled(system.smtp, fields["email"], "您的投訴已受理")
    assert STATUS_LINK.search(receipt.get_content()), "the acknowledgement carries the status link"


async def _rows(desk: Desk, number: str) -> list[dict] | None:
    page = (await desk.client.get(f"{desk.projections}/complaints", params={"q": number})).json()
    return page["items"] or None


async def test_the_form_explains_every_refusal_and_records_nothing(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    intake = system.url("intake")
    before = await _received(system_db)
    async with httpx.AsyncClient(timeout=30, headers=reporter(), follow_redirects=True) as public:
        unknown = await public.get(f"{intake}/report/XX")
        assert unknown.status_code == 404 and "尚未開放" in unknown.text
        no_token = await public.get(f"{intake}/report/TK")
        assert no_token.status_code == 403 and "QR 碼" in no_token.text
        bot = await send_report(public, intake, "CH", report_fields(website="http://spam"))
        assert bot.status_code == 400 and "表單填寫異常" in bot.text
        no_contact = await send_report(public, intake, "CH", report_fields(email=""))
        assert no_contact.status_code == 422 and "電話或電子郵件" in no_contact.text
        empty = await send_report(public, intake, "CH", report_fields(description=""))
        assert empty.status_code == 422 and "問題描述" in empty.text
        assert "Traceback" not in empty.text
        disguised = await send_report(
            public, intake, "CH", report_fields(),
            files=[("photos", ("photo.jpg", b"MZ\x90\x00 not a photo", "image/jpeg"))],
        )  # fmt: skip
        assert disguised.status_code == 415 and "photo.jpg" in disguised.text
        english = await send_report(public, intake, "CH", report_fields(email="", lang="en"))
        assert "Give a phone number or an email" in english.text
    assert await _received(system_db) == before, "no refusal records anything"


async def _received(pool: asyncpg.Pool) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM eventstore.events WHERE event_type = 'ComplaintReceived'"
        )
    )


async def test_a_sites_token_opens_its_form(system: System) -> None:
    intake = system.url("intake")
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as staff:
        sheet = await staff.get(f"{intake}/sites/TK/qr-sheet.svg", params={"place": ["1F 大廳"]})
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "image/svg+xml"
    assert "1F 大廳" in sheet.text and sheet.text.count("<path") >= 1
    async with httpx.AsyncClient(timeout=30, headers=reporter(), follow_redirects=True) as public:
        # The QR code's link, as the sheet encodes it: read back from the form's address.
        from complaint_desk.services.intake.public.pages import site_token
        from complaint_desk.services.intake.settings import IntakeSettings

        token = site_token(IntakeSettings(), "TK")  # the dev secret the test system runs with
        form = await public.get(f"{intake}/report/TK", params={"t": token, "place": "1F 大廳"})
        assert form.status_code == 200
        sent = await send_report(public, intake, "TK", report_fields(t=token))
        assert sent.status_code == 201, sent.text


async def test_reports_are_limited_per_address_and_per_site_with_the_reason_shown(
    system: System,
) -> None:
    intake = system.url("intake")
    statuses = []
    async with httpx.AsyncClient(timeout=30, headers=reporter(), follow_redirects=True) as one:
        for _ in range(4):
            statuses.append((await send_report(one, intake, "RL", report_fields())).status_code)
        refused = await send_report(one, intake, "RL", report_fields())
    assert statuses == [201, 201, 201, 429]
    assert "分鐘後再試" in refused.text and int(refused.headers["Retry-After"]) > 0
    sent = 3
    while True:  # others, each from its own address, until the site's own limit
        async with httpx.AsyncClient(
            timeout=30, headers=reporter(), follow_redirects=True
        ) as other:
            r = await send_report(other, intake, "RL", report_fields())
        if r.status_code == 429:
            break
        assert r.status_code == 201
        sent += 1
    assert sent == 12 and "此院區目前收到大量反映" in r.text


async def test_the_status_page_shows_progress_and_takes_messages_and_escalation(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    intake = system.url("intake")
    fields = report_fields()
    async with httpx.AsyncClient(timeout=30, headers=reporter(), follow_redirects=True) as public:
        done = await send_report(public, intake, "CH", fields)
        link = STATUS_LINK.search(done.text).group(0)  # type: ignore[union-attr]
        number = number_in(done.text)
        [row] = await eventually(lambda: _rows(desk, number), within=30)
        complaint_id = row["id"]
        before = await _versions(system_db, complaint_id)
        page = await public.get(link)
        assert page.status_code == 200 and number in page.text and "已受理" in page.text
        assert await _versions(system_db, complaint_id) == before, "opening it changes nothing"
        await desk.act(complaint_id, "classify", responsibility="logistics", severity="L3",
                       category="repair_delay")  # fmt: skip
        await desk.act(complaint_id, "notes", text="內部：廠商報價偏高")
        plan = await desk.act(
            complaint_id, "resolution", kind="repair", summary="更換影印機滾輪", deadline=later(2)
        )
        await desk.act(complaint_id, "resolution/accept", note="同意")
        page = await public.get(link)  # intake's own log: read at once, no token needed
        assert plan["position"] > 0 and "更換影印機滾輪" in page.text and "內部" not in page.text, (
            "no staff-only notes"
        )
        added = await public.post(
            f"{link}/message", data={"text": "卡紙位置在第二層紙匣"},
            files=[("photos", ("tray.jpg", photo_with_gps(), "image/jpeg"))],
        )  # fmt: skip
        assert added.status_code == 200 and "已收到您的補充說明" in added.text
        [message] = await desk.wait_for(complaint_id, "ComplainantMessageAdded")
        assert message["actor"] == "complainant" and len(message["data"]["files"]) == 1
        early = await public.post(f"{link}/escalate", data={"reason": "太慢"})
        assert early.status_code == 409 and "尚未逾期" in early.text
        bad = await public.get(link[:-4] + "AAAA")
        assert bad.status_code == 404 and "連結無效" in bad.text


async def _versions(pool: asyncpg.Pool, complaint_id: str) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM eventstore.events"
            " WHERE stream_type = 'complaint' AND stream_id = $1",
            complaint_id,
        )
    )


async def test_a_complainant_may_ask_for_the_supervisor_once_the_plan_is_late(
    desk: Desk, system: System
) -> None:
    intake = system.url("intake")
    supervisor = await desk.staff(system.url("notify"), "CH", "supervisor")
    fields = report_fields()
    async with httpx.AsyncClient(timeout=30, headers=reporter(), follow_redirects=True) as public:
        done = await send_report(public, intake, "CH", fields)
        link = STATUS_LINK.search(done.text).group(0)  # type: ignore[union-attr]
        [row] = await eventually(lambda: _rows(desk, number_in(done.text)), within=30)
        cid = row["id"]
        await desk.act(cid, "classify", responsibility="logistics", severity="L3",
                       category="repair_delay")  # fmt: skip
        # A plan whose deadline is a moment away: then it is late, and the work not done.
        plan = await desk.act(
            cid, "resolution", kind="repair", summary="今天修好", deadline=later(2 / 86400)
        )
        await desk.act(cid, "resolution/accept")

        async def late() -> bool:
            page = await public.get(link)
            return "處理已逾期" in page.text

        assert await eventually(late, within=10), "the page says the plan is late"
        asked = await public.post(f"{link}/escalate", data={"reason": "說好今天修好"})
        assert asked.status_code == 200 and "已通知主管" in asked.text
    [event] = await desk.wait_for(cid, "EscalationRequested")
    assert event["data"]["overdue"] == ["plan"] and plan["position"] > 0
    alert = await mail_titled(system.smtp, supervisor, "【投訴人要求主管處理】")
    assert "說好今天修好" in alert.get_content()


def letter(sender: str, subject: str, text: str, **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "desk-ml@desk.test", subject
    mail["Message-ID"] = f"<{uuid4().hex}@example.org>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(text)
    return mail


async def deliver(mail: EmailMessage, **options: object) -> str:
    """The receiver's answer to the mail (its reply text after the code)."""
    _, answer = await aiosmtplib.send(mail, hostname="127.0.0.1", port=MAIL_PORT, **options)  # type: ignore[arg-type]
    return answer


async def test_mail_becomes_a_complaint_its_replies_messages_and_machines_nothing(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    sender = f"reporter-{uuid4().hex[:6]}@example.org"
    mail = letter(f"陳大文 <{sender}>", "3F 飲水機漏水", "三樓茶水間的飲水機一直漏水，地板很滑。")
    mail.add_attachment(photo_with_gps(), maintype="image", subtype="jpeg", filename="leak.jpg")
    reply = await deliver(mail)
    assert reply.startswith("OK complaint ML-"), reply
    number = reply.split()[-1]
    assert await deliver(mail) == f"OK duplicate {number}", "a redelivery is not a new complaint"
    [row] = await eventually(lambda: _rows(desk, number), within=30)
    assert (row["channel"], row["receiving_officer"]) == ("email", "channel:email")
    [received] = await desk.wait_for(row["id"], "ComplaintReceived")
    assert len(received["data"]["files"]) == 1 and "漏水" in received["data"]["description"]

    ack = await mail_titled(system.smtp, sender, "您的投訴已受理")
    answer = letter(
        sender, f"Re: {ack['Subject']}", "補充：漏水越來越嚴重了。\n\n> 您好，我們已收到您的投訴",
        In_Reply_To=ack["Message-ID"],
    )  # fmt: skip
    assert await deliver(answer) == f"OK reply {number}"
    [message] = await desk.wait_for(row["id"], "ComplainantMessageAdded")
    assert message["data"]["text"] == "補充：漏水越來越嚴重了。"
    assert message["data"]["via"] == "email"
    by_number = letter(sender, f"關於 {number}", "今天有人來看過了嗎？")
    assert await deliver(by_number) == f"OK reply {number}"
    stranger = letter("someone-else@example.org", f"關於 {number}", "我想知道這件的進度")
    theirs = await deliver(stranger)
    assert theirs.startswith("OK complaint ML-"), "another sender's mail is a report of their own"

    before = await _received(system_db)
    auto = letter(sender, f"自動回覆：Re: {number}", "我目前休假中", Auto_Submitted="auto-replied")
    bounce = letter("MAILER-DAEMON@example.org", "Undelivered", "Delivery failed")
    assert await deliver(auto) == "OK automated"
    assert await deliver(bounce, sender="") == "OK automated"
    assert await _received(system_db) == before, "machines' mail makes no complaint"
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await deliver(mail, recipients=["nobody@desk.test"])

    # Once the complainant is erased, the desk no longer knows their address: a mail of
    # theirs quoting the number is a new report, and tells them nothing of the old one.
    await desk.act(row["id"], "erase-personal-data")
    after = letter(sender, f"關於 {number}", "還在漏水嗎？")
    assert (await deliver(after)).startswith("OK complaint ML-")


async def test_mail_over_the_size_or_a_senders_rate_is_refused_to_be_tried_later(
    system_db: asyncpg.Pool,
) -> None:
    big = letter("big@example.org", "很多照片", "附件")
    big.add_attachment(b"\xff" * (1536 * 1024), maintype="image", subtype="jpeg", filename="x.jpg")
    with pytest.raises(aiosmtplib.SMTPResponseException) as too_big:
        await deliver(big)
    assert too_big.value.code == 552
    sender = f"busy-{uuid4().hex[:6]}@example.org"
    answers = [await deliver(letter(sender, f"第 {n} 件", "燈不亮")) for n in range(6)]
    assert all(a.startswith("OK complaint") for a in answers)
    before = await _received(system_db)
    with pytest.raises(aiosmtplib.SMTPResponseException) as later_please:
        await deliver(letter(sender, "第 7 件", "燈不亮"))
    assert later_please.value.code == 451, "the relay keeps it and tries again"
    assert await _received(system_db) == before


async def test_a_merge_tells_both_complainants_and_can_be_undone(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    place = f"5F 會議室 {uuid4().hex[:4]}"
    first_mail, second_mail = (f"{who}-{uuid4().hex[:6]}@example.org" for who in ("a", "b"))
    first = await desk.receive(site="MG", location=place, email=first_mail, phone=None,
                               channel="email")  # fmt: skip
    second = await desk.receive(site="MG", location=place.replace(" ", ""), email=second_mail,
                                phone=None, channel="email")  # fmt: skip
    found = await desk.client.get(
        f"{desk.projections}/complaints/duplicates",
        params={"site": "MG", "location": place, "category": "repair_delay",
                "exclude": second["id"], "after": second["position"]},
    )  # fmt: skip
    assert [d["number"] for d in found.json()] == [first["number"]], "the same place, however typed"
    merged = await desk.act(second["id"], "merge", into=first["id"], reason="同一台投影機")
    assert merged["status"] == "merged"
    assert set(merged["events"]) == {"ComplaintMerged", "CoComplainantAdded"}
    told = await mail_titled(system.smtp, second_mail, f"投訴 {second['number']} 已併案處理")
    assert first["number"] in told.get_content() and STATUS_LINK.search(told.get_content())

    await desk.act(first["id"], "classify", responsibility="logistics", severity="L3",
                   category="repair_delay")  # fmt: skip
    await desk.act(
        first["id"], "resolution", kind="repair", summary="更換投影機燈泡", deadline=later(2)
    )
    await desk.act(first["id"], "resolution/accept")
    mine = await mail_titled(system.smtp, first_mail, f"投訴 {first['number']} 處理方案已確認")
    theirs = await mail_titled(system.smtp, second_mail, f"投訴 {second['number']} 處理方案已確認")
    assert "更換投影機燈泡" in mine.get_content() and "更換投影機燈泡" in theirs.get_content()

    row = await desk.register_row(first["id"], merged["position"])
    assert row["co_complainants"] == 1
    merged_row = await desk.register_row(second["id"], merged["position"])
    assert (merged_row["status"], merged_row["merged_into_number"]) == ("merged", first["number"])
    board = await desk.client.get(
        f"{desk.projections}/dashboard", params={"site": "MG", "after": merged["position"]}
    )
    [figures] = board.json()["groups"]
    assert (figures["received"], figures["merged"]) == (1, 1), "a merged complaint counts once"

    undone = await desk.act(second["id"], "merge/undo", reason="其實是另一台")
    assert undone["status"] == "received"
    assert set(undone["events"]) == {"MergeUndone", "CoComplainantRemoved"}
    row = await desk.register_row(first["id"], undone["position"])
    assert row["co_complainants"] == 0
    task = await desk.act(first["id"], "tasks", assignee_kind="maintenance", assignee="維修組",
                          description="換燈泡", due_at=later(1))  # fmt: skip
    await desk.act(first["id"], f"tasks/{task['created_id']}/complete", note="已更換")
    await mail_titled(system.smtp, first_mail, f"投訴 {first['number']} 處理工作已完成")
    copies = await system_db.fetchval(
        "SELECT count(*) FROM notify.deliveries WHERE dedupe_key LIKE 'work_done:%:co:%'"
    )
    assert copies == 0, "after the undo the other complainant is no longer told"
    again = await desk.act(second["id"], "merge", into=second["id"], expect=409)
    assert again["error"]["code"] == "merge_refused"

    # Merged again, the other complainant is called back with the complaint that joined.
    await desk.act(second["id"], "merge", into=first["id"])
    await desk.act(first["id"], "resolve", summary="燈泡已更換", improvement="每季檢查投影機")
    handled = await mail_titled(system.smtp, second_mail, f"您的投訴 {second['number']} 已處理")
    assert "燈泡已更換" in handled.get_content()
    link = STATUS_LINK.search(handled.get_content())
    assert link, "their callback leads to their status page"
    async with httpx.AsyncClient(timeout=30) as public:
        status = await public.get(link.group(0))
    assert first["number"] in status.text and "燈泡已更換" in status.text
    await mail_titled(system.smtp, first_mail, f"您的投訴 {first['number']} 已處理")


async def test_a_status_link_opens_after_the_close_until_its_days_run_out(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    intake = system.url("intake")
    async with httpx.AsyncClient(timeout=30, headers=reporter(), follow_redirects=True) as public:
        done = await send_report(public, intake, "CH", report_fields())
        link = STATUS_LINK.search(done.text).group(0)  # type: ignore[union-attr]
        [row] = await eventually(lambda: _rows(desk, number_in(done.text)), within=30)
        cid = row["id"]
        await desk.act(cid, "classify", responsibility="logistics", severity="L3",
                       category="repair_delay")  # fmt: skip
        await desk.act(cid, "resolve", summary="已疏通卡紙")
        await desk.act(cid, "callbacks", channel="phone", satisfied=True)
        closed = await desk.act(cid, "close")
        page = await public.get(link)
        assert page.status_code == 200 and "已處理完畢並歸檔" in page.text
    # The same read the page makes, at the days the link is kept after the close, and past.
    uow = UnitOfWork(system_db)
    closed_at = datetime.now(UTC)
    kept = await service.status(uow, UUID(cid), closed_at + timedelta(days=29), 30)
    gone = await service.status(uow, UUID(cid), closed_at + timedelta(days=31), 30)
    assert (kept.expired, gone.expired) == (False, True) and closed["position"] > 0
