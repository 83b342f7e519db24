"""The API documents' pages on a network cut off from the internet: Chromium may reach the
service and nothing else, and each service's Swagger UI, ReDoc and AsyncAPI page still draw
their operations and channels (their assets come from the service itself)."""

from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, Route, expect

from complaint_desk.tools.devstack.stack import SERVICES

from ..conftest import System

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("service", list(SERVICES))
async def test_each_document_page_renders_offline(
    system: System, browser: Browser, service: str
) -> None:
    base = system.url(service)
    context = await browser.new_context()
    elsewhere: list[str] = []

    async def only_the_service(route: Route) -> None:
        if urlparse(route.request.url).netloc == urlparse(base).netloc:
            await route.continue_()
        else:
            # ReDoc's "powered by" logo is an image from its CDN: drawn or not, the page works.
            if route.request.resource_type != "image":
                elsewhere.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_the_service)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    try:
        await page.goto(f"{base}/docs")
        await expect(page.locator(".opblock").first).to_be_visible()
        assert await page.locator(".opblock").count() > 3
        await page.goto(f"{base}/redoc")
        await expect(page.locator("[data-section-id^='operation']").first).to_be_attached()
        await page.goto(f"{base}/asyncapi")
        await expect(page.locator("[data-channel]").first).to_be_visible()
        assert await page.locator("[data-message]").count() >= 1
    finally:
        await context.close()
    assert elsewhere == [], f"the pages needed the internet for {elsewhere}"
