"""axe-core (from npm, injected by Playwright) on every console page, in both languages and at
both sizes (a desktop and a tablet held upright): no violations. Screenshots of each are
kept in test-artifacts/screenshots/."""

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from complaint_desk.shared.auth import Role
from tests import credentials
from tests.credentials import ADMIN

from ..conftest import System
from .browser import OFFICER, PASSWORD, shot, sign_in

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parents[3] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": (1280, 800), "tablet": (820, 1180)}
LATER = "2030-01-15T17:00:00+08:00"


async def a_complaint_with_everything(system: System) -> str:
    """A complaint with a task, a note and a plan: every part of its page is drawn."""
    intake = system.url("intake")
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        r = await client.post(f"{intake}/complaints", json={
            "complainant_name": "吳先生", "department": "工務課", "phone": "0933 000 123",
            "site": "PW", "location": "B2 停車場", "category": "safety",
            "description": "停車場燈不亮", "urgency": "high", "channel": "phone",
            "receiving_officer": OFFICER,
        })  # fmt: skip
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        steps = [
            ("classify", {"responsibility": "logistics", "severity": "L1"}),
            ("notes", {"text": "夜間巡邏加強"}),
            ("tasks", {"assignee_kind": "maintenance", "assignee": "電工組",
                       "description": "更換燈具", "due_at": LATER}),
        ]  # fmt: skip
        for command, body in steps:
            r = await client.post(f"{intake}/complaints/{cid}/{command}", json=body)
            assert r.status_code == 200, r.text
        seen = await client.get(
            f"{system.url('projections')}/complaints/{cid}", params={"after": r.json()["position"]}
        )
        assert seen.status_code == 200
    return str(cid)


async def violations(page: Page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a',"
        " 'wcag21aa', 'best-practice']})).violations.map(v => v.id + ': ' + v.help + ' — '"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


async def test_every_page_in_both_languages_at_both_sizes(
    system: System, browser: Browser, officer: str
) -> None:
    assert AXE.exists(), "make test installs axe-core from npm (package.json)"
    console = system.url("projections")
    complaint = await a_complaint_with_everything(system)
    pages = {
        "register": "/console",
        "register-view": "/console?view=breaching",
        "new": "/console/new",
        "detail": f"/console/complaints/{complaint}",
        "not-found": "/console/complaints/00000000-0000-4000-8000-000000000000",
        "forbidden": "/console?site=ZZ",
        "dashboard": "/console/dashboard",
        "hotspots": "/console/hotspots",
    }
    found: dict[str, list[str]] = {}
    for size, (width, height) in SIZES.items():
        # axe is injected as a script of the page: past the console's own CSP.
        context = await browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-TW", bypass_csp=True
        )
        page = await context.new_page()
        try:
            for lang in ("en", "zh-Hant"):  # Chinese last: signing in reads its labels
                await page.goto(f"{console}/console/sign-in?lang={lang}")
                found[f"sign-in {lang} {size}"] = await violations(page)
            await sign_in(page, console, officer, PASSWORD)
            await expect(page.get_by_test_id("signed-in-as")).to_contain_text(OFFICER)
            for lang in ("zh-Hant", "en"):
                for name, path in pages.items():
                    joiner = "&" if "?" in path else "?"
                    await page.goto(f"{console}{path}{joiner}lang={lang}")
                    assert "/sign-in" not in page.url, f"{name}: signed in, the page itself"
                    found[f"{name} {lang} {size}"] = await violations(page)
                    await shot(page, f"a11y-{name}-{lang}-{size}")
        finally:
            await context.close()
    failing = {where: v for where, v in found.items() if v}
    assert not failing, failing
    assert len(found) == 2 * (2 + 2 * len(pages))


async def test_the_site_admins_pages_in_both_languages_at_both_sizes(
    system: System, browser: Browser
) -> None:
    console = system.url("projections")
    await credentials.user(
        system.database_url, "張管理", Role.SITE_ADMIN, sites=["PW"], password=PASSWORD
    )
    found: dict[str, list[str]] = {}
    for size, (width, height) in SIZES.items():
        context = await browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-TW", bypass_csp=True
        )
        page = await context.new_page()
        try:
            await sign_in(page, console, "張管理", PASSWORD)
            await expect(page.get_by_test_id("signed-in-as")).to_contain_text("張管理")
            for lang in ("zh-Hant", "en"):
                for name in ("users", "directory", "registry", "qr"):
                    await page.goto(f"{console}/console/{name}?lang={lang}")
                    assert "/sign-in" not in page.url
                    found[f"{name} {lang} {size}"] = await violations(page)
                    await shot(page, f"a11y-{name}-{lang}-{size}")
        finally:
            await context.close()
    assert not {where: v for where, v in found.items() if v}


async def test_the_check_finds_what_is_wrong(browser: Browser) -> None:
    """The canary: axe runs, and a page with a known fault does not pass."""
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    try:
        await page.set_content('<html lang="en"><body><main><img src="x.png"></main></body></html>')
        assert any(v.startswith("image-alt") for v in await violations(page))
    finally:
        await context.close()
