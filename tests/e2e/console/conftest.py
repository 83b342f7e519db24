"""The console's fixtures: a browser for the module, a supervisor with a password, and a page
signed in as them on a tablet-sized screen."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from complaint_desk.shared.auth import Role
from tests import credentials

from ..conftest import System
from .browser import CHROMIUM_ARGS, OFFICER, PASSWORD, chromium, sign_in


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()


@pytest.fixture(scope="module")
async def officer(system: System) -> str:
    """A supervisor of the sites these tests use, who signs in with a password."""
    await credentials.user(
        system.database_url, OFFICER, Role.SUPERVISOR, sites=["PW", "HS"], password=PASSWORD
    )
    return OFFICER


@pytest.fixture
async def page(browser: Browser, system: System, officer: str) -> AsyncIterator[Page]:
    # A tablet at the desk: 1024 x 768, touch.
    context = await browser.new_context(
        viewport={"width": 1024, "height": 768}, has_touch=True, locale="zh-TW"
    )
    p = await context.new_page()
    p.set_default_timeout(15_000)
    try:
        await sign_in(p, system.url("projections"), officer, PASSWORD)
        await expect(p.get_by_test_id("signed-in-as")).to_contain_text(officer)
        yield p
    finally:
        await context.close()
