"""The complainant's own pages in a real browser on a phone (Chromium, 390 x 844, touch): the
form opened from a QR code, prefilled, with a photo; the status page it links to, with a
message and a photo added; the "already reported: join it?" choice; axe-core on each page in
both languages. Then the officer's side on the tablet: the duplicates shown on the new form
and on the complaint, and a merge and its undo from the console."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from playwright.async_api import Browser, Page, expect

from complaint_desk.services.intake.tests.test_media import photo_with_gps

from ..conftest import System
from .browser import PASSWORD, shot, signed_in
from .test_accessibility import AXE, violations

pytestmark = pytest.mark.e2e

SYSTEM_ENV = {"INTAKE_PUBLIC_SITES": '{"PW": "行政大樓", "HS": "醫院"}'}


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        locale="zh-TW",
        bypass_csp=True,  # axe is injected as a script of the page
    )
    page = await context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        await context.close()


async def accessible(page: Page) -> None:
    await page.add_script_tag(path=str(AXE))
    assert await violations(page) == []


def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "飲水機.jpg"
    path.write_bytes(photo_with_gps())
    return path


async def test_a_report_from_a_qr_code_on_a_phone_and_its_status_page(
    phone: Page, system: System, tmp_path: Path
) -> None:
    place = f"3F 茶水間 {uuid4().hex[:4]}"
    intake = system.url("intake")
    await phone.goto(f"{intake}/report/PW?via=qr&place={place}&asset=飲水機%20%232")
    await expect(phone.get_by_label("地點 *")).to_have_value(place)
    await expect(phone.get_by_label("設備")).to_have_value("飲水機 #2")
    await accessible(phone)
    await phone.get_by_label("姓名 *").fill("陳小明")
    await phone.get_by_label("部門 *").fill("財務部")
    await phone.get_by_label("電子郵件").fill(f"{uuid4().hex[:8]}@example.org")
    await phone.get_by_label("問題類別 *").select_option("repair_delay")
    await phone.get_by_label("問題描述 *").fill("飲水機不出熱水 / no hot water")
    await phone.get_by_label("照片（可多張）").set_input_files(photo_file(tmp_path))
    await shot(phone, "public-form-phone")
    await phone.get_by_role("button", name="送出").click()
    await expect(phone.locator("#number")).to_contain_text(re.compile(r"PW-\d{8}-\d{4}"))
    number = re.search(r"PW-\d{8}-\d{4}", await phone.locator("#number").inner_text()).group(0)  # type: ignore[union-attr]
    await accessible(phone)

    await phone.get_by_role("link", name="查詢處理進度（請保存此連結）").click()
    await expect(phone.locator("#number")).to_have_text(number)
    await expect(phone.locator("#stage")).to_have_text("已受理，值班人員將與您聯繫")
    await expect(phone.locator("#steps")).to_contain_text("附 1 張照片")
    await accessible(phone)
    await phone.get_by_label("補充內容 *").fill("早上還是一樣")
    await phone.locator("#photos").set_input_files(photo_file(tmp_path))
    await phone.get_by_role("button", name="送出補充說明").click()
    await expect(phone.get_by_role("status")).to_have_text("已收到您的補充說明，值班人員會看到。")
    await expect(phone.locator("#steps .mine")).to_contain_text("早上還是一樣")
    await shot(phone, "public-status-phone")
    await phone.get_by_role("link", name="English").click()
    await expect(phone.locator("#stage")).to_have_text("Received: a duty officer will contact you")
    await accessible(phone)


async def test_the_same_problem_reported_again_is_joined_from_the_form(
    phone: Page, system: System
) -> None:
    place = f"B1 停車場 {uuid4().hex[:4]}"
    intake = system.url("intake")

    async def report(name: str) -> None:
        await phone.goto(f"{intake}/report/HS?via=qr&place={place}")
        await phone.get_by_label("姓名 *").fill(name)
        await phone.get_by_label("部門 *").fill("護理部")
        await phone.get_by_label("電話").fill("0912 345 678")
        await phone.get_by_label("問題類別 *").select_option("safety")
        await phone.get_by_label("問題描述 *").fill("地面積水很滑")
        await phone.get_by_role("button", name="送出").click()

    await report("王大同")
    first = re.search(r"HS-\d{8}-\d{4}", await phone.locator("#number").inner_text()).group(0)  # type: ignore[union-attr]
    await report("李小華")
    choice = phone.locator("#duplicates")
    await expect(choice).to_contain_text("已有相同問題處理中")
    await accessible(phone)
    await shot(phone, "public-form-duplicate-phone")
    await choice.get_by_role("button", name=re.compile(f"加入 {first}")).click()
    await expect(phone.get_by_text(f"已加入 {first} 一併處理。")).to_be_visible()
    await phone.get_by_role("link", name="查詢處理進度（請保存此連結）").click()
    await expect(phone.locator("#merged")).to_contain_text(first)


async def test_the_officer_sees_the_duplicates_and_merges_then_undoes(
    browser: Browser, system: System, officer: str
) -> None:
    console = system.url("projections")
    tablet = {"viewport": {"width": 1024, "height": 768}, "has_touch": True, "bypass_csp": True}
    async with signed_in(browser, console, officer, PASSWORD, **tablet) as page:
        await merge_and_undo(page, console)


async def merge_and_undo(page: Page, console: str) -> None:
    place = f"2F 走廊 {uuid4().hex[:4]}"

    async def new(name: str) -> str:
        await page.goto(f"{console}/console/new")
        form = page.locator("form.card")
        await form.locator("[name=complainant_name]").fill(name)
        await form.locator("[name=department]").fill("總務處")
        await form.locator("[name=phone]").fill("0922 000 111")
        await form.locator("[name=site]").fill("PW")
        await form.locator("[name=category]").select_option("repair_delay")
        await form.locator("[name=location]").fill(place)
        await form.locator("[name=description]").fill("燈管閃爍")
        return name

    await new("張三")
    await expect(page.get_by_test_id("duplicates-hint")).to_be_hidden()
    await page.get_by_role("button", name="登記").click()
    await expect(page.get_by_test_id("status")).to_have_text("已受理")
    first = page.url
    await new("李四")
    hint = page.get_by_test_id("duplicates-hint")
    await expect(hint).to_contain_text("已有 1 件相同問題處理中")
    await page.get_by_role("button", name="登記").click()
    await expect(page.get_by_test_id("duplicates")).to_contain_text("已有 1 件相同問題處理中")
    await accessible(page)
    await page.get_by_test_id("action-merge").locator("summary").click()
    await page.get_by_test_id("action-merge").get_by_label("併案說明").fill("同一支燈管")
    await page.get_by_test_id("action-merge").get_by_role("button", name="併案").click()
    await expect(page.get_by_test_id("status")).to_have_text("已併案")
    await expect(page.get_by_test_id("merged-into")).to_be_visible()
    await page.get_by_test_id("merged-into").get_by_role("link").click()
    assert page.url.split("?")[0] == first.split("?")[0]
    await expect(page.get_by_test_id("co-complainants")).to_have_text("共同投訴人 1 位")
    await page.go_back()
    await page.get_by_test_id("action-unmerge").locator("summary").click()
    await page.get_by_test_id("action-unmerge").get_by_role("button", name="取消併案").click()
    await expect(page.get_by_test_id("status")).to_have_text("已受理")
    await shot(page, "console-unmerged")
