"""A supervisor learns from the complaints in the console, in Chromium on a tablet: opens a
problem from an equipment hotspot, records its root cause, plans a recurring inspection,
sees the inspection's visit ordered, marks the improvement done so the problem is watched;
produces a periodic report and reads the officers' evaluation; a site admin adds and retires
a place by hand. axe-core finds nothing on any of these pages, in either language, and no
code or enum value shows through in Chinese."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from complaint_desk.shared.auth import Role
from tests import credentials
from tests.credentials import ADMIN

from ..conftest import System
from .browser import PASSWORD, reload_until, shot, signed_in
from .test_accessibility import violations

pytestmark = pytest.mark.e2e

SITE = "LN"
SUPERVISOR, ADMIN_NAME = "林主管", "林管理"
ALL_DAY = {d: ["00:00-00:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True, "bypass_csp": True}
CODES = ("inspection", "acting", "watching", "water_dispenser", "hotspot", "replacement")


async def a_dispenser_hotspot(system: System) -> list[str]:
    """Three complaints on one registered dispenser, linked to it."""
    intake = system.url("intake")
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        r = await client.put(f"{system.url('sla')}/calendars/{SITE}",
                             json={"hours": ALL_DAY, "holiday_country": None})  # fmt: skip
        assert r.status_code == 200, r.text
        r = await client.put(f"{intake}/sites/{SITE}/places/LN-3F", json={"name": "3F 茶水間"})
        assert r.status_code == 200, r.text
        r = await client.put(
            f"{intake}/sites/{SITE}/assets/LN-WD-1",
            json={"type": "water_dispenser", "name": "3F 飲水機", "place": "LN-3F"},
        )
        assert r.status_code == 200, r.text
        made = []
        for _ in range(3):
            c = await client.post(f"{intake}/complaints", json={
                "complainant_name": "吳先生", "department": "工務課", "phone": "0933 000 123",
                "site": SITE, "location": "3F 茶水間", "category": "repair_delay",
                "description": "飲水機不出水", "urgency": "normal", "channel": "phone",
                "receiving_officer": SUPERVISOR,
            })  # fmt: skip
            assert c.status_code == 201, c.text
            linked = await client.post(
                f"{intake}/complaints/{c.json()['id']}/asset", json={"asset": "LN-WD-1"}
            )
            assert linked.status_code == 200, linked.text
            made.append(linked.json())
        seen = await client.get(
            f"{system.url('projections')}/complaints/{made[-1]['id']}",
            params={"after": made[-1]["position"]},
        )
        assert seen.status_code == 200
    return [m["id"] for m in made]


async def no_violations(page: Page, found: dict[str, list[str]], name: str) -> None:
    found[name] = await violations(page)
    await shot(page, f"learning-{name}")


def chinese_shows_no_codes(text: str) -> list[str]:
    return [code for code in CODES if code in text]


async def test_a_supervisor_turns_a_hotspot_into_a_watched_problem(
    system: System, browser: Browser
) -> None:
    await credentials.user(
        system.database_url, SUPERVISOR, Role.SUPERVISOR, sites=[SITE], password=PASSWORD
    )
    ids = await a_dispenser_hotspot(system)
    console = system.url("projections")
    found: dict[str, list[str]] = {}
    today = datetime.now(ZoneInfo("Asia/Taipei")).date().isoformat()
    async with signed_in(browser, console, SUPERVISOR, PASSWORD, **TABLET) as page:
        await page.goto(f"{console}/console/hotspots?site={SITE}")
        await page.get_by_test_id("open-from-asset").first.click()
        form = page.get_by_test_id("open-problem")
        await expect(form.get_by_label("設備編號", exact=True)).to_have_value("LN-WD-1")
        await no_violations(page, found, "problems")
        await form.get_by_role("button", name="開立問題紀錄").click()
        await expect(page.get_by_test_id("stage")).to_have_text("分析中")
        await expect(page.get_by_test_id("linked").locator("li")).to_have_count(3)
        cause = page.get_by_test_id("form-cause")
        await cause.get_by_label("根本原因分析").fill("濾心老化")
        await cause.get_by_role("button", name="記錄根本原因").click()
        await expect(page.get_by_test_id("root-cause")).to_have_text("濾心老化")
        plan = page.get_by_test_id("form-plan")
        await plan.get_by_label("措施類型").select_option("inspection")
        await plan.get_by_label("負責人", exact=True).fill("水電組長")
        await plan.get_by_label("完成期限").fill(today)
        await plan.get_by_label("措施內容").fill("每日檢查出水")
        await plan.get_by_label("每幾天巡檢一次").fill("1")
        await plan.get_by_label("巡檢開始日").fill(today)
        await plan.get_by_label("寬限（工作時數）").fill("720")
        await plan.get_by_role("button", name="規劃改善措施").click()
        await expect(page.get_by_test_id("stage")).to_have_text("改善中")
        await expect(page.get_by_test_id("actions")).to_contain_text("定期巡檢")
        problem_url = page.url.split("?")[0]
        await no_violations(page, found, "problem")
        assert not chinese_shows_no_codes(await page.inner_text("main"))

        await page.goto(f"{console}/console/inspections?site={SITE}")
        schedule = page.get_by_test_id("schedule").first
        await expect(schedule).to_contain_text("3F 飲水機")
        await reload_until(page, page.get_by_test_id("visits"))
        await expect(page.get_by_test_id("visits").first).to_contain_text("待回報")
        await no_violations(page, found, "inspections")

        await page.goto(problem_url)
        await page.get_by_test_id("complete-1").click()
        await expect(page.get_by_test_id("stage")).to_have_text("觀察期")
        assert not chinese_shows_no_codes(await page.inner_text("main"))

        month = datetime.now(ZoneInfo("Asia/Taipei")).strftime("%Y-%m")
        await page.goto(f"{console}/console/reports?site={SITE}&period={month}")
        pdf = await page.request.get(
            console + (await page.get_by_test_id("pdf").get_attribute("href") or "")
        )
        assert pdf.status == 200 and (await pdf.body()).startswith(b"%PDF")
        await no_violations(page, found, "reports")
        await page.goto(f"{console}/console/evaluation?site={SITE}&period={month}")
        await expect(page.get_by_test_id("evaluation")).to_contain_text("全體值班員")
        await expect(page.get_by_test_id("evaluation")).to_contain_text(SUPERVISOR)
        await no_violations(page, found, "evaluation")
        for name in ("problems", "inspections", "reports", "evaluation"):
            await page.goto(f"{console}/console/{name}?site={SITE}&lang=en")
            await no_violations(page, found, f"{name}-en")
    assert ids and not {where: v for where, v in found.items() if v}


async def test_a_site_admin_adds_and_retires_a_place_by_hand(
    system: System, browser: Browser
) -> None:
    await credentials.user(
        system.database_url, ADMIN_NAME, Role.SITE_ADMIN, sites=[SITE], password=PASSWORD
    )
    console = system.url("projections")
    async with signed_in(browser, console, ADMIN_NAME, PASSWORD, **TABLET) as page:
        await page.goto(f"{console}/console/registry?site={SITE}")
        place = page.get_by_test_id("put-place")
        await place.get_by_label("地點代碼").fill("LN-1F-LOBBY")
        await place.get_by_label("名稱").fill("1F 大廳")
        await place.get_by_role("button", name="儲存地點").click()
        await expect(page.get_by_test_id("saved")).to_contain_text("LN-1F-LOBBY")
        await expect(page.get_by_test_id("places")).to_contain_text("1F 大廳")
        bad = page.get_by_test_id("put-asset")
        await bad.get_by_label("設備編號").fill("LN-LT-1")
        await bad.get_by_label("名稱").fill("大廳燈")
        await bad.get_by_label("所在地點代碼").fill("NOWHERE")
        await bad.get_by_role("button", name="儲存設備").click()
        await expect(page.get_by_test_id("error")).to_contain_text("查無地點")
        await page.get_by_role("button", name="停用 LN-1F-LOBBY").click()
        await expect(page.get_by_test_id("saved")).to_contain_text("已停用")
        await expect(page.get_by_test_id("places")).not_to_contain_text("1F 大廳")
        found: dict[str, Any] = {}
        await no_violations(page, found, "registry-edit")
        assert not found["registry-edit"]
