"""A real browser on the console: Debian's Chromium through Playwright, a supervisor who signs
in with a password, and the steps tests take on its pages (fill an action's form and send it).
Screenshots go to test-artifacts/screenshots/."""

import contextlib
import re
import shutil
import time
from collections.abc import AsyncIterator, Mapping
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from conftest import ARTIFACTS

SHOTS = ARTIFACTS / "screenshots"
# Debian's Chromium, without `playwright install` (see ../shared/STACK-NOTES.md).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
    return found


OFFICER, PASSWORD = "王值班", "desk-pass-2026"


async def sign_in(page: Page, console: str, name: str, password: str) -> None:
    await page.goto(f"{console}/console")
    await expect(page).to_have_url(re.compile(r"/console/sign-in"))
    await page.get_by_label("帳號", exact=True).fill(name)
    await page.get_by_label("密碼", exact=True).fill(password)
    await page.get_by_role("button", name="登入").click()


@contextlib.asynccontextmanager
async def signed_in(
    browser: Browser, console: str, name: str, password: str, **options: object
) -> AsyncIterator[Page]:
    """A page of a browser context of its own, signed in as ``name``; closed after."""
    context = await browser.new_context(locale="zh-TW", **options)  # type: ignore[arg-type]
    page = await context.new_page()
    page.set_default_timeout(15_000)
    try:
        await sign_in(page, console, name, password)
        await expect(page.get_by_test_id("signed-in-as")).to_contain_text(name)
        yield page
    finally:
        await context.close()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def reload_until(page: Page, locator: Locator, within: float = 30) -> None:
    """Reload until ``locator`` is on the page: for effects no command of the page caused
    (the SLA service planning a clock), which no consistency token can name."""
    deadline = time.monotonic() + within
    while not await locator.count() and time.monotonic() < deadline:
        await page.reload()


def position_of(page: Page) -> int:
    """The consistency token the console carried to this page after the officer's action."""
    [after] = parse_qs(urlparse(page.url).query)["after"]
    return int(after)


async def act(
    page: Page,
    action_label: str,
    fields: Mapping[str, object] | None = None,
    within: Locator | None = None,
) -> None:
    """Open one action on the detail page (or ``within`` a part of it, e.g. one task), fill
    its fields by label (True ticks a box or picks a radio button), and send it."""
    scope = within or page.locator("body")
    panel = scope.locator("details", has=page.locator("summary", has_text=action_label))
    await panel.locator("summary").click()
    for label, value in (fields or {}).items():
        field = panel.get_by_label(label, exact=True)
        if value is True:
            await field.check()
        elif await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(str(value))
        else:
            await field.fill(str(value))
    await panel.get_by_role("button", name=action_label).click()


async def register(page: Page, console: str, site: str, **fields: str | bool) -> str:
    """A complaint registered through the console's form; returns its number."""
    await page.goto(f"{console}/console/new")
    values = {
        "投訴人": "陳小明", "部門": "總務處", "電話": "0912-345-678", "院區": site,
        "地點": "3F 茶水間飲水機", "受理人": "王值班", "投訴內容": "飲水機漏水已三天，報修未處理",
    }  # fmt: skip
    category = str(fields.pop("類別", "repair_delay"))
    for label, value in {**values, **fields}.items():
        field = page.get_by_label(label, exact=True)
        await (field.check() if value is True else field.fill(str(value)))
    await page.get_by_label("類別", exact=True).select_option(category)
    await page.get_by_role("button", name="登記").click()
    await expect(page.get_by_test_id("status")).to_be_visible()
    return (await page.get_by_role("heading", level=1).inner_text()).split()[1]
