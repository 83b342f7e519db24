"""The duty desk console in a real browser (Debian's Chromium through Playwright), against the
whole system: register a complaint through the form, find it in the register, act on it, and
see the timeline and the dashboard change. Screenshots of the main pages are kept in
test-artifacts/screenshots/."""

import json
import re
from datetime import UTC, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from complaint_desk.services.projections.console.texts import Texts
from complaint_desk.services.projections.console.working_time import WorkingTime, left_words
from tests.credentials import ADMIN

from ..conftest import System
from ..helpers import complaint
from .browser import PASSWORD, act, position_of, reload_until, shot, sign_in, signed_in

pytestmark = pytest.mark.e2e
UNIT = r"\d+ (個工作天|天|小時|分)"
SAID_IN_WORDS = re.compile(rf"^(回應|解決) (剩|逾時) {UNIT}( {UNIT})?(（非上班時間，暫停計時）)?$")


async def test_register_find_act_and_see_the_timeline_and_dashboard_change(
    system: System, page: Page
) -> None:
    console = system.url("projections")
    site = "PW"

    # The dashboard of a site with no complaints yet.
    await page.goto(f"{console}/console/dashboard?site={site}")
    await expect(page.get_by_test_id("tiles")).to_have_count(0)

    # Traditional Chinese by default; the form registers a complaint.
    await page.goto(f"{console}/")
    await expect(page).to_have_url(re.compile(r"/console$"))
    assert await page.get_attribute("html", "lang") == "zh-Hant"
    await page.get_by_role("link", name="登記投訴").click()
    await expect(page.get_by_role("heading", name="登記投訴")).to_be_visible()
    await page.get_by_label("投訴人", exact=True).fill("陳小明")
    await page.get_by_label("部門", exact=True).fill("總務處")
    await page.get_by_label("電話", exact=True).fill("0912-345-678")
    await page.get_by_label("院區", exact=True).fill(site.lower())
    await page.get_by_label("地點", exact=True).fill("3F 茶水間飲水機")
    await page.get_by_label("類別", exact=True).select_option("repair_delay")
    await page.get_by_label("受理人", exact=True).fill("王值班")
    await page.get_by_label("投訴內容", exact=True).fill("飲水機漏水已三天，報修未處理")
    await shot(page, "new-complaint")
    await page.get_by_role("button", name="登記").click()

    # Straight to the complaint, as the register has it.
    await expect(page.get_by_test_id("status")).to_have_text("已受理")
    number = (await page.get_by_role("heading", level=1).inner_text()).split()[1]
    assert number.startswith(f"{site}-")

    # Found in the register by a part of its description, with its SLA counting down.
    await page.goto(f"{console}/console")
    await page.get_by_label("搜尋（編號、地點、內容）").fill("飲水機漏水")
    await page.get_by_role("button", name="篩選").click()
    row = page.locator("tr", has=page.get_by_role("link", name=number))
    await expect(row).to_have_count(1)
    for word, found in (("燈", 0), ("漏", 1)):  # one character is a word: it filters
        await page.get_by_label("搜尋（編號、地點、內容）").fill(word)
        await page.get_by_role("button", name="篩選").click()
        await expect(row).to_have_count(found)
    countdown = row.locator(".countdown").first
    await reload_until(page, countdown)  # the clock starts once the SLA service planned it
    # In words, in working time (剩 1 個工作天 3 小時), beside the due time in the desk's zone.
    await expect(countdown).to_have_text(SAID_IN_WORDS)
    await expect(row.locator(".due").first).to_have_text(
        re.compile(r"期限 \d{4}-\d\d-\d\d \d\d:\d\d")
    )
    await shot(page, "register")
    export = await page.get_by_role("link", name="匯出 CSV").get_attribute("href")
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        csv = await client.get(f"{console}{export}")
    assert csv.status_code == 200 and number in csv.text, "the export keeps the filters"

    # Act on it from its page.
    await row.get_by_role("link", name=number).click()
    await act(page, "聯繫投訴人")
    await expect(page.get_by_role("status")).to_contain_text("已完成：聯繫投訴人")
    await act(page, "調查分類", {"責任歸屬": "logistics", "等級": "L2"})
    await expect(page.get_by_test_id("status")).to_have_text("已分類")
    await expect(page.get_by_test_id("severity")).to_have_text("L2 重要")
    await act(page, "記錄證據", {"內容": "現場查看：進水閥老化"})
    await act(
        page,
        "分派任務",
        {"承辦人／單位": "維修組 李師傅", "任務說明": "更換進水閥", "完成期限": "2030-01-15T17:00"},
    )
    await expect(page.get_by_test_id("status")).to_have_text("處理中")
    assigned = position_of(page)

    # Only what applies is offered: with a task open, not resolve.
    await expect(page.get_by_test_id("action-resolve")).to_have_count(0)
    await expect(page.get_by_test_id("action-tasks")).to_have_count(1)

    # A refused action says why, in the officer's language, beside the field, keeps what
    # was typed, and changes nothing.
    version = await page.get_by_role("heading", level=1).get_attribute("data-version")
    typed = {"承辦人／單位": "採購組", "任務說明": "備用進水閥兩只", "完成期限": "2020-01-15T17:00"}
    await act(page, "分派任務", typed)
    refused = page.get_by_test_id("error")
    await expect(refused).to_contain_text("未能「分派任務」：完成期限已經過去")
    await expect(refused).to_be_focused()
    assert not re.search(r"[A-Za-z]", await refused.inner_text()), "all in the officer's language"
    panel = page.get_by_test_id("action-tasks")
    await expect(panel.locator(".field-error")).to_have_text("完成期限已經過去，請填寫未來的時間")
    await expect(panel.get_by_label("任務說明", exact=True)).to_have_value("備用進水閥兩只")
    assert await page.get_by_role("heading", level=1).get_attribute("data-version") == version

    # The open task is worked in the console: its progress, then its completion; then the
    # desk resolves, calls back and closes.
    task = page.get_by_test_id("task")
    await expect(task).to_contain_text("維修組 李師傅")
    await expect(task).to_contain_text("2030-01-15 17:00")  # the desk's local time
    await act(page, "記錄任務進度", {"備註": "零件已訂，週三到貨"})
    await expect(page.get_by_role("status")).to_contain_text("已完成：記錄任務進度")
    await expect(task).to_contain_text("最新進度：零件已訂，週三到貨")
    await act(page, "任務完成", {"備註": "已更換進水閥"})
    await expect(page.get_by_role("status")).to_contain_text("已完成：任務完成")
    await expect(page.get_by_test_id("task")).to_have_count(0)
    assert position_of(page) > assigned
    await act(page, "標記已解決", {"處理結果": "已更換進水閥，測試無漏水"})
    await expect(page.get_by_test_id("status")).to_have_text("已解決")
    panel = page.locator("details", has=page.locator("summary", has_text="記錄回訪"))
    await panel.locator("summary").click()
    await panel.get_by_label("是").check()
    await panel.get_by_role("button", name="記錄回訪").click()
    await expect(page.get_by_role("status")).to_contain_text("已完成：記錄回訪")
    await act(page, "歸檔")
    await expect(page.get_by_test_id("status")).to_have_text("已歸檔")

    # The timeline has every step, with who did it and what caused the SLA's events.
    timeline = page.get_by_test_id("timeline")  # as of the last action: the page waited
    # The system's bookkeeping (clocks planned, notices queued) is folded until opened.
    started = timeline.locator("li[data-event=SlaClockStarted]").first
    await expect(started).to_be_hidden()
    for fold in await timeline.get_by_test_id("bookkeeping").all():
        await fold.locator("summary").click()
    for step in ("受理登記", "已聯繫投訴人", "調查分類", "記錄證據", "分派任務", "任務完成",
                 "已解決", "回訪結果", "歸檔"):  # fmt: skip
        await expect(timeline.locator("li", has_text=step).first).to_be_visible()
    await expect(timeline.locator("li", has_text="時效開始計時").first).to_be_visible()
    await expect(timeline.locator(".cause").first).to_be_visible()
    # In words: what each event says is named, not shown as its fields and codes.
    await expect(timeline.locator("li", has_text="時效開始計時").first).to_contain_text(
        "時效：響應時效"
    )
    await expect(timeline.locator("li", has_text="回訪結果").first).to_contain_text("滿意：是")
    words = await timeline.inner_text()
    assert not re.search(r"\b(clock|cycle|due_at|satisfied|True|False|response)\b", words), words
    await shot(page, "complaint-detail")

    # The dashboard changed: one received, resolved, satisfied.
    await page.goto(f"{console}/console/dashboard?site={site}")
    await expect(page.get_by_test_id("received")).to_have_text("1")
    await expect(page.get_by_test_id("resolution-rate")).to_have_text("100%")
    await expect(page.get_by_test_id("satisfaction")).to_have_text("100%")
    await expect(page.get_by_test_id("chart").locator("rect")).to_have_count(2)
    await expect(page.get_by_test_id("officers")).to_contain_text("王值班")
    await shot(page, "dashboard")


async def test_english_on_a_switch_and_hotspots(system: System, page: Page) -> None:
    console = system.url("projections")
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        for n in range(3):  # the same dispenser three times, by the same person
            r = await client.post(
                f"{system.url('intake')}/complaints",
                json={
                    "complainant_name": "林小華", "department": "資訊室", "phone": "0933 222 111",
                    "site": "HS", "location": "B1 飲水機", "category": "repair_delay",
                    "description": f"第{n + 1}次：飲水機不出水", "urgency": "normal",
                    "channel": "phone", "receiving_officer": "張值班",
                },
            )  # fmt: skip
            assert r.status_code == 201, r.text
        # Read after the last of them: the register then holds all three.
        seen = await client.get(f"{console}/complaints", params={"after": r.json()["position"]})
        assert seen.status_code == 200, seen.text
    await page.goto(f"{console}/console/hotspots?site=HS")
    await expect(page.get_by_role("heading", name="高頻問題")).to_be_visible()
    await page.get_by_test_id("lang-switch").click()
    await expect(page.get_by_role("heading", name="Recurring problems")).to_be_visible()
    assert await page.get_attribute("html", "lang") == "en"
    await expect(page.get_by_test_id("hotspots")).to_contain_text("B1 飲水機")
    await expect(page.get_by_test_id("hotspots")).to_contain_text("Repair delay")
    await expect(page.get_by_test_id("repeat-complainants")).to_contain_text("林小華")
    await shot(page, "hotspots-en")
    # The choice stays: the next page is in English too, until switched back.
    await page.get_by_role("link", name="Register", exact=True).click()
    await expect(page.get_by_role("heading", name="Complaint register")).to_be_visible()
    await shot(page, "register-en")
    await page.get_by_test_id("lang-switch").click()
    await expect(page.get_by_role("heading", name="投訴登記表")).to_be_visible()


async def test_bad_input_in_the_form_is_explained_and_kept(system: System, page: Page) -> None:
    console = system.url("projections")
    await page.goto(f"{console}/console/new?lang=en")
    await page.get_by_label("Complainant", exact=True).fill("Amy")
    await page.get_by_label("Department", exact=True).fill("HR")
    await page.get_by_label("Email", exact=True).fill("amy@example.org")
    await page.get_by_label("Site", exact=True).fill("1-NOT-A-SITE")
    await page.get_by_label("Location", exact=True).fill("Lobby")
    await page.get_by_label("Category", exact=True).select_option("hygiene")
    await page.get_by_label("Officer", exact=True).fill("Lee")
    await page.get_by_label("Content", exact=True).fill("Dirty floor")
    await page.get_by_role("button", name="Register").click()
    await expect(page.get_by_role("alert")).to_contain_text("site")
    await expect(page.get_by_label("Location", exact=True)).to_have_value("Lobby")
    # The same in Chinese: the field by its name and the reason in words, nothing in English.
    await page.goto(f"{console}/console/new?lang=zh-Hant")
    for label, value in (("投訴人", "王小明"), ("部門", "人事室"), ("電子郵件", "wang@example.org"),
                         ("院區", "1-NOT-A-SITE"), ("地點", "大廳"), ("受理人", "李值班"),
                         ("投訴內容", "地板髒")):  # fmt: skip
        await page.get_by_label(label, exact=True).fill(value)
    await page.get_by_label("類別", exact=True).select_option("hygiene")
    await page.get_by_role("button", name="登記").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("院區：格式不符")
    assert not re.search(r"[A-Za-z]", await alert.inner_text()), await alert.inner_text()


async def test_sign_in_is_required_refused_with_a_wrong_password_and_ends(
    system: System, browser: Browser, officer: str
) -> None:
    console = system.url("projections")
    context = await browser.new_context(locale="zh-TW")
    page = await context.new_page()
    try:
        await page.goto(f"{console}/console/hotspots")  # not signed in: sent to sign in
        await expect(page).to_have_url(re.compile(r"/console/sign-in\?next=%2Fconsole%2Fhotspots"))
        await sign_in(page, console, officer, "wrong-password")
        await expect(page.get_by_role("alert")).to_contain_text("帳號或密碼錯誤")
        await shot(page, "sign-in")
        await page.get_by_label("密碼", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="登入").click()
        await expect(page.get_by_test_id("signed-in-as")).to_contain_text("主管")
        cookie = next(c for c in await context.cookies() if c["name"] == "desk_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        await page.get_by_role("button", name="登出").click()
        await expect(page).to_have_url(re.compile(r"/console/sign-in"))
        async with httpx.AsyncClient(timeout=15) as client:  # the old session is revoked
            r = await client.get(f"{console}/complaints", cookies={"desk_session": cookie["value"]})
        assert r.status_code == 401
    finally:
        await context.close()


async def test_an_officer_sees_only_the_sites_they_serve(system: System, page: Page) -> None:
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        r = await client.post(
            f"{system.url('intake')}/complaints",
            json={
                "complainant_name": "某人", "department": "外站", "phone": "0911 000 111",
                "site": "ZZ", "location": "大門", "category": "hygiene",
                "description": "外站的投訴", "urgency": "normal", "channel": "phone",
                "receiving_officer": "外站值班",
            },
        )  # fmt: skip
        assert r.status_code == 201, r.text
    other = r.json()["id"]
    console = system.url("projections")
    # Another site's complaint and one that does not exist read the same: not found, once
    # (the page does not keep refreshing itself).
    for unseen in (other, uuid4()):
        await page.goto(f"{console}/console/complaints/{unseen}")
        await expect(page.get_by_test_id("status")).to_have_count(0)
        await expect(page.get_by_test_id("not-found")).to_be_visible()
        assert 'http-equiv="refresh"' not in await page.content()
    await page.goto(f"{console}/console?site=ZZ")
    await expect(page.get_by_test_id("error")).to_contain_text("院區 ZZ 不在您的權限範圍內")
    assert "ZZ-" not in await page.content()
    await page.goto(f"{console}/console")  # the whole register: their sites only
    await expect(page.get_by_role("heading", name="投訴登記表")).to_be_visible()
    assert r.json()["number"] not in await page.content()


async def test_the_browser_counts_time_left_in_working_time_as_the_server_does(
    system: System, browser: Browser, officer: str
) -> None:
    console = system.url("projections")
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        r = await client.post(f"{system.url('intake')}/complaints", json=complaint(site="PW"))
        assert r.status_code == 201, r.text
    taipei = ZoneInfo("Asia/Taipei")
    async with signed_in(browser, console, officer, PASSWORD) as page:
        await page.goto(f"{console}/console/complaints/{r.json()['id']}")
        business = page.get_by_test_id("clock-resolution").locator("[data-due][data-site]")
        await reload_until(page, business)
        # The page carries the sla service's working windows for the site.
        carried = json.loads(await page.locator("#working-time").text_content() or "{}")["PW"]
        windows = tuple(
            (datetime.fromtimestamp(s / 1000, UTC), datetime.fromtimestamp(e / 1000, UTC))
            for s, e in carried["windows"]
        )
        assert carried["day"] == 8 * 3600 and windows
        # The browser's clock fixed in the first break after now (lunch, or the evening): the
        # resolution clock (days of working time) is then running, but not counting.
        now = datetime.now(UTC)
        at = next(end for _, end in windows if end > now) + timedelta(minutes=1)
        await page.clock.set_fixed_time(at)
        await page.reload()
        for start, end in windows:
            local = (start.astimezone(taipei), end.astimezone(taipei))
            assert local[0].weekday() < 5 and local[0].date() == local[1].date()
            assert (local[0].time(), local[1].time()) in {
                (time(8, 30), time(12)), (time(13), time(17, 30)),
            } or start == windows[0][0] or end == windows[-1][1], local  # fmt: skip
        # The browser, at its fixed time, says what the server's words say at that time.
        working = WorkingTime("PW", "Asia/Taipei", carried["day"], at, at, windows)
        due = datetime.fromisoformat(await business.get_attribute("data-due") or "")
        clock = await business.get_attribute("data-clock")
        said = left_words(Texts("zh-Hant"), due, at, working, business=True)
        assert said and "非上班時間" in said, said
        await expect(business).to_have_text(f"{clock} {said}")
        await expect(business).to_have_text(SAID_IN_WORDS)
        # The detail says each clock's whole time too.
        await expect(page.get_by_test_id("clock-resolution").locator(".target")).to_have_text(
            re.compile(rf"^時限 {UNIT}( {UNIT})?$")
        )


async def test_the_timeline_says_who_acted_and_on_whose_behalf(system: System, page: Page) -> None:
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        intake = system.url("intake")
        r = await client.post(f"{intake}/complaints", json=complaint(site="PW"))
        cid = r.json()["id"]
        # The organisation's admin records the call the officer made (relaying their action).
        relayed = await client.post(
            f"{intake}/complaints/{cid}/acknowledge", json={"channel": "phone", "actor": "王值班"}
        )
        assert relayed.status_code == 200, relayed.text
    await page.goto(f"{system.url('projections')}/console/complaints/{cid}")
    acknowledged = page.locator("li[data-event=ComplaintAcknowledged]")
    await reload_until(page, acknowledged)
    await expect(acknowledged.locator(".actor")).to_have_text(re.compile(r"^王值班（由 .+ 轉達）$"))
    # The SLA service's own records name it by what it is, not by its account.
    await expect(page.locator("li[data-event=SlaClockStarted] .actor").first).to_have_text(
        "時效系統"
    )
