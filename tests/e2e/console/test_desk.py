"""The desk's register in a browser: its views, a saved view, a supervisor's bulk actions,
and the tablet held upright (cards, a folded menu)."""

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.credentials import ADMIN

from ..conftest import System
from .browser import OFFICER, PASSWORD, shot, sign_in

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
