"""The desk's register in a browser: its views, a saved view, a supervisor's bulk actions,
and the tablet held upright (cards, a folded menu)."""

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from complaint_desk.shared.auth import Role
from tests import credentials
from tests.credentials import ADMIN

from ..conftest import System
from ..helpers import mail_titled
from .browser import OFFICER, PASSWORD, shot, sign_in, signed_in

pytestmark = pytest.mark.e2e


async def receive(system: System, **fields: str) -> dict[str, str]:
    body = {
        "complainant_name": "周小姐", "department": "護理部", "phone": "0922 111 222",
        "site": "HS", "location": "5F 病房走廊", "category": "hygiene",
        "description": "走廊垃圾未清", "urgency": "normal", "channel": "phone",
        "receiving_officer": OFFICER, **fields,
    }  # fmt: skip
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        r = await client.post(f"{system.url('intake')}/complaints", json=body)
        assert r.status_code == 201, r.text
        # Read after it: the register has it before the page is drawn.
        seen = await client.get(
            f"{system.url('projections')}/complaints/{r.json()['id']}",
            params={"after": r.json()["position"]},
        )
        assert seen.status_code == 200
    return r.json()


def row(page: Page, number: str):  # type: ignore[no-untyped-def]
    return page.locator("tr", has=page.get_by_role("link", name=number))


async def test_views_a_saved_view_and_bulk_actions(system: System, page: Page) -> None:
    console = system.url("projections")
    urgent = (await receive(system, urgency="critical", description="病房漏電"))["number"]
    theirs = (await receive(system, receiving_officer="林值班"))["number"]

    await page.goto(f"{console}/console?view=mine")
    await expect(row(page, urgent)).to_have_count(1)
    await expect(row(page, theirs)).to_have_count(0)
    await page.get_by_test_id("views").get_by_role("link", name="L1 尚未聯繫").click()
    await expect(row(page, urgent)).to_have_count(1)
    await expect(row(page, theirs)).to_have_count(0)

    # Saved under a name, it is one click away from then on.
    await page.locator("summary", has_text="儲存此檢視").click()
    await page.get_by_label("檢視名稱", exact=True).fill("我的急件")
    await page.get_by_role("button", name="儲存此檢視").click()
    await page.goto(f"{console}/console")
    await page.get_by_test_id("saved-view").filter(has_text="我的急件").click()
    await expect(row(page, urgent)).to_have_count(1)
    await expect(row(page, theirs)).to_have_count(0)

    # A supervisor acknowledges both at once, then hands one to another officer.
    await page.goto(f"{console}/console?site=HS")
    for number in (urgent, theirs):
        await page.get_by_label(f"勾選 {number}", exact=True).check()
    await page.get_by_test_id("bulk").get_by_role("button", name="執行").click()
    await expect(page.get_by_test_id("bulk-result")).to_have_text("標記已聯繫投訴人：完成 2 件。")
    await page.goto(f"{console}/console?view=l1_uncontacted")
    await expect(row(page, urgent)).to_have_count(0)
    await page.goto(f"{console}/console?site=HS")
    await page.get_by_label(f"勾選 {theirs}", exact=True).check()
    bulk = page.get_by_test_id("bulk")
    await bulk.get_by_label("批次處理勾選的投訴", exact=True).select_option("owner")
    await bulk.get_by_label("新負責人（轉交時）", exact=True).fill("張值班")
    await bulk.get_by_role("button", name="執行").click()
    await expect(page.get_by_test_id("bulk-result")).to_contain_text("完成 1 件")
    await expect(row(page, theirs)).to_contain_text("張值班")


async def test_a_tablet_held_upright_shows_cards_and_a_folded_menu(
    system: System, browser: Browser
) -> None:
    await receive(system, category="shortage", description="影印紙缺貨")
    context = await browser.new_context(
        viewport={"width": 820, "height": 1180}, has_touch=True, locale="zh-TW"
    )
    page = await context.new_page()
    try:
        await sign_in(page, system.url("projections"), OFFICER, PASSWORD)
        await expect(page.get_by_role("heading", name="投訴登記表")).to_be_visible()
        menu = page.get_by_role("navigation", name="後勤投訴處理值班台")
        await expect(menu).to_be_hidden()
        await page.get_by_test_id("menu-toggle").click()
        await expect(menu).to_be_visible()
        first = page.locator("table.register tbody tr").first
        assert await first.evaluate("e => getComputedStyle(e).display") == "block", "a card"
        for cell in await page.locator("table.register td.status").all():
            box = await cell.bounding_box()
            assert box and box["height"] < 48, "a status reads on one line, never 已受/理"
        await shot(page, "register-tablet")
    finally:
        await context.close()


async def test_a_site_admin_manages_their_sites_users_and_nobody_elses(
    system: System, browser: Browser, officer: str
) -> None:
    console = system.url("projections")
    await credentials.user(
        system.database_url, "林管理", Role.SITE_ADMIN, sites=["NS"], password=PASSWORD
    )
    async with signed_in(browser, console, "林管理", PASSWORD) as page:
        await page.get_by_role("link", name="帳號管理").click()
        await expect(page.get_by_role("heading", name="院區帳號管理")).to_be_visible()
        form = page.locator("form", has=page.get_by_role("button", name="儲存帳號"))

        async def add(name: str, sites: str, role: str = "duty_officer") -> None:
            await form.get_by_label("帳號", exact=True).fill(name)
            await form.get_by_label("角色", exact=True).select_option(role)
            await form.get_by_label("院區（以空格分隔）", exact=True).fill(sites)
            await form.get_by_label("密碼（至少 12 字元）", exact=True).fill("new-officer-2026")
            await form.get_by_role("button", name="儲存帳號").click()

        await add("北站值班", "NS ZZ")  # a site not theirs
        await expect(page.get_by_test_id("error")).to_have_text("只能授予您所管理的院區。")
        await add(officer, "NS")  # another site's supervisor: not theirs to take over
        await expect(page.get_by_test_id("error")).to_contain_text("已有同名帳號")
        await add("北站值班", "ns")
        await expect(page.get_by_test_id("said")).to_have_text("已儲存帳號 北站值班。")
        await expect(
            page.get_by_test_id("users").locator("tr[data-user='北站值班']")
        ).to_contain_text("值班員")
        await expect(
            page.get_by_test_id("users").locator(f"tr[data-user='{officer}']")
        ).to_have_count(0)

        # The new officer signs in and works at the desk.
        other = await browser.new_context(locale="zh-TW")
        them = await other.new_page()
        await sign_in(them, console, "北站值班", "new-officer-2026")
        await expect(them.get_by_test_id("signed-in-as")).to_contain_text("北站值班 · 值班員")
        await expect(them.get_by_role("link", name="帳號管理")).to_have_count(0)
        await other.close()

        # Disabled, they cannot sign in any more.
        await page.get_by_role("button", name="停用 北站值班").click()
        await expect(page.get_by_test_id("said")).to_contain_text("已停用 北站值班")
        other = await browser.new_context(locale="zh-TW")
        them = await other.new_page()
        await sign_in(them, console, "北站值班", "new-officer-2026")
        await expect(them.get_by_role("alert")).to_contain_text("帳號或密碼錯誤")
        await other.close()
        # A disabled user offers no password reset, only enabling, a decision of its own.
        row = page.get_by_test_id("users").locator("tr[data-user='北站值班']")
        await expect(row.get_by_role("button", name="重設密碼")).to_have_count(0)
        await row.get_by_role("button", name="重新啟用 北站值班").click()
        await expect(page.get_by_test_id("said")).to_contain_text("已重新啟用 北站值班")
        other = await browser.new_context(locale="zh-TW")
        them = await other.new_page()
        await sign_in(them, console, "北站值班", "new-officer-2026")
        await expect(them.get_by_test_id("signed-in-as")).to_contain_text("北站值班")
        await other.close()


async def test_a_site_admin_keeps_the_directory_and_tests_an_entry(
    system: System, browser: Browser
) -> None:
    console = system.url("projections")
    await credentials.user(
        system.database_url, "陳管理", Role.SITE_ADMIN, sites=["ES"], password=PASSWORD
    )
    async with signed_in(browser, console, "陳管理", PASSWORD) as page:
        await page.get_by_role("link", name="通知對象").click()
        await expect(page.get_by_role("heading", name="ES 院區通知對象")).to_be_visible()
        unstaffed = page.get_by_test_id("unstaffed")
        await expect(unstaffed.filter(has_text="「主管」無人可通知")).to_have_count(1)
        form = page.locator("form", has=page.get_by_role("button", name="儲存通知對象"))
        await form.get_by_label("角色", exact=True).select_option("supervisor")
        await form.get_by_label("送達位址", exact=True).fill("not-an-address")
        await form.get_by_role("button", name="儲存通知對象").click()
        await expect(page.get_by_test_id("error")).to_contain_text("送達位址不符此管道的格式")
        await form.get_by_label("送達位址", exact=True).fill("supervisor-es@example.org")
        await form.get_by_role("button", name="儲存通知對象").click()
        await expect(page.get_by_test_id("said")).to_have_text("已儲存通知對象。")
        await expect(unstaffed.filter(has_text="「主管」無人可通知")).to_have_count(0)
        await page.get_by_role("button", name="發送測試訊息給主管").click()
        await expect(page.get_by_test_id("said")).to_contain_text("supervisor-es@example.org")
        mail = await mail_titled(system.smtp, "supervisor-es@example.org", "【測試訊息】ES")
        assert "陳管理" in mail.get_content()
        # Another site's directory and deadlines are not theirs to see.
        for page_of in ("directory", "sla"):
            await page.goto(f"{console}/console/{page_of}?site=NS")
            await expect(page.get_by_test_id("error")).to_have_text("院區 NS 不在您的權限範圍內。")


ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//desk tests//EN
BEGIN:VEVENT
UID:closed-1@example.org
DTSTART;VALUE=DATE:20300204
DTEND;VALUE=DATE:20300205
SUMMARY:Site closed
END:VEVENT
END:VCALENDAR
"""


async def test_a_site_admin_sets_the_sites_deadlines_and_calendar(
    system: System, browser: Browser
) -> None:
    console, sla = system.url("projections"), system.url("sla")
    await credentials.user(
        system.database_url, "黃管理", Role.SITE_ADMIN, sites=["WS"], password=PASSWORD
    )
    async with signed_in(browser, console, "黃管理", PASSWORD) as page:
        await page.get_by_role("link", name="時效與行事曆").click()
        await expect(page.get_by_role("heading", name="WS 院區時效與行事曆")).to_be_visible()
        await expect(page.get_by_text("目前沿用預設時效政策")).to_be_visible()
        policy = page.get_by_test_id("policy")
        await policy.get_by_label("L1 回應時限", exact=True).fill("15")
        await policy.get_by_label("L1 回應時限單位", exact=True).select_option("minutes")
        await policy.get_by_role("button", name="儲存時限").click()
        await expect(page.get_by_test_id("said")).to_contain_text("已儲存時限")
        await expect(page.get_by_text("本院區自訂的時效政策")).to_be_visible()
        await policy.get_by_label("L2 解決時限", exact=True).fill("0")
        await policy.get_by_role("button", name="儲存時限").click()
        await expect(page.get_by_test_id("error")).to_contain_text("請求內容有誤")

        calendar = page.get_by_test_id("calendar")
        await calendar.get_by_label("週六工作時間", exact=True).fill("09:00-12:00")
        await calendar.get_by_label("休息日（每行一個日期）", exact=True).fill("2030-01-02")
        await calendar.get_by_role("button", name="儲存行事曆").click()
        await expect(page.get_by_test_id("said")).to_contain_text("已儲存行事曆")
        ics = page.get_by_test_id("ics")
        await ics.get_by_label("匯入 ICS 休假檔", exact=True).set_input_files(
            {"name": "closures.ics", "mimeType": "text/calendar", "buffer": ICS}
        )
        await ics.get_by_role("button", name="匯入", exact=True).click()
        await expect(page.get_by_test_id("said")).to_have_text("已匯入 ICS 休假。")

        async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
            kept = (await client.get(f"{sla}/policies/WS")).json()["policy"]["levels"]
            days = (await client.get(f"{sla}/calendars/WS")).json()
        assert kept["L1"]["response"]["minutes"] == 15
        assert days["hours"]["sat"] == ["09:00-12:00"]
        assert {"2030-01-02", "2030-02-04"} <= set(days["closed_days"])


async def test_a_new_site_set_up_from_nothing_in_the_console(
    system: System, browser: Browser
) -> None:
    """The directory, the targets, the calendar and a first officer, all from the console;
    then that officer signs in."""
    console = system.url("projections")
    await credentials.user(
        system.database_url, "新站管理", Role.SITE_ADMIN, sites=["GS"], password=PASSWORD
    )
    async with signed_in(browser, console, "新站管理", PASSWORD) as page:
        await page.get_by_role("link", name="通知對象").click()
        entry = page.locator("form", has=page.get_by_role("button", name="儲存通知對象"))
        await entry.get_by_label("角色", exact=True).select_option("duty_manager")
        await entry.get_by_label("送達位址", exact=True).fill("manager-gs@example.org")
        await entry.get_by_role("button", name="儲存通知對象").click()
        await expect(page.get_by_test_id("said")).to_have_text("已儲存通知對象。")

        await page.get_by_role("link", name="時效與行事曆").click()
        await page.get_by_test_id("policy").get_by_label("L2 回應時限", exact=True).fill("2")
        await page.get_by_test_id("policy").get_by_role("button", name="儲存時限").click()
        await expect(page.get_by_test_id("said")).to_contain_text("已儲存時限")
        calendar = page.get_by_test_id("calendar")
        await calendar.get_by_label("週五工作時間", exact=True).fill("08:00-12:00 13:00-16:00")
        await calendar.get_by_role("button", name="儲存行事曆").click()
        await expect(page.get_by_test_id("said")).to_contain_text("已儲存行事曆")

        await page.get_by_role("link", name="帳號管理").click()
        user = page.locator("form", has=page.get_by_role("button", name="儲存帳號"))
        await user.get_by_label("帳號", exact=True).fill("新站值班")
        await user.get_by_label("院區（以空格分隔）", exact=True).fill("GS")
        await user.get_by_label("密碼（至少 12 字元）", exact=True).fill("first-officer-gs")
        await user.get_by_role("button", name="儲存帳號").click()
        await expect(page.get_by_test_id("said")).to_have_text("已儲存帳號 新站值班。")
    other = await browser.new_context(locale="zh-TW")
    them = await other.new_page()
    try:
        await sign_in(them, console, "新站值班", "first-officer-gs")
        await expect(them.get_by_test_id("signed-in-as")).to_contain_text("新站值班 · 值班員")
    finally:
        await other.close()
