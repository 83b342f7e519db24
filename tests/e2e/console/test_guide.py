"""The whole guide (../shared/DOMAIN.md) through the console only, in a real browser against
the whole system: nobody needs the HTTP API to do their job."""

import io
import zipfile

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from complaint_desk.shared.auth import Role
from conftest import eventually
from tests import credentials
from tests.credentials import ADMIN

from ..conftest import System
from .browser import OFFICER, PASSWORD, act, register, shot, sign_in, signed_in

pytestmark = pytest.mark.e2e

LATER = "2030-01-15T17:00"
# Every step the guide's walk leaves in the timeline.
STEPS = (
    "受理登記", "已聯繫投訴人", "記錄證據", "調查分類", "提出方案", "方案有異議", "主管核准新方案",
    "方案已同意",
    "投訴處理報告", "分派任務", "任務進度", "開始等待", "等待結束", "任務完成", "已解決",
    "回訪結果", "主管復核", "復核結論", "歸檔",
)  # fmt: skip


async def status_is(page: Page, text: str) -> None:
    await expect(page.get_by_test_id("status")).to_have_text(text)


async def test_every_step_of_the_guide_from_receipt_to_archive(
    system: System, page: Page, browser: Browser
) -> None:
    console = system.url("projections")
    await register(page, console, "PW")
    await status_is(page, "已受理")
    await act(page, "聯繫投訴人", {"備註": "已致電致歉，今日到場查看"})
    await expect(page.get_by_role("status").filter(has_text="已完成")).to_be_focused()
    await act(page, "記錄證據", {"內容": "現場查看：進水閥老化漏水"})
    await act(page, "調查分類", {"責任歸屬": "logistics", "等級": "L2", "類別": "repair_delay"})
    await status_is(page, "已分類")

    # The plan: disputed, coordinated by the supervisor, then accepted. The duty officer's new
    # plan after the dispute waits for the supervisor's approval before the complainant hears it.
    repair = {"方案類型": "repair", "方案內容": "兩天內更換進水閥", "完成期限": LATER}
    await act(page, "提出解決方案", repair | {"誤工補償（元）": "200"})
    await status_is(page, "方案待確認")
    await act(page, "投訴人有異議", {"原因": "兩天太久，希望今天修好"})
    await status_is(page, "已上報主管")
    here = page.url.split("?")[0]
    await credentials.user(
        system.database_url, "張值班", Role.DUTY_OFFICER, sites=["PW"], password=PASSWORD
    )
    async with signed_in(browser, console, "張值班", PASSWORD) as officer:
        await officer.goto(here)
        await act(
            officer, "提出解決方案", repair | {"方案內容": "今日下班前更換，並致歉", "致歉": True}
        )
        await status_is(officer, "方案待確認")
        await expect(officer.get_by_test_id("action-accept")).to_have_count(0)
        await expect(officer.get_by_test_id("action-approve")).to_have_count(0)
    await page.goto(here)
    await expect(page.get_by_test_id("action-accept")).to_have_count(0)
    await act(page, "主管核准方案", {"備註": "同意今日更換，誤工補償照列"})
    await act(page, "投訴人同意方案")
    await status_is(page, "方案已同意")
    await act(
        page,
        "投訴處理報告",
        {"責任方": "維修組", "解決方案": "今日更換進水閥", "預計完成時間": LATER,
         "投訴人簽名": "陳小明"},
    )  # fmt: skip
    # Intake makes the report's PDF: the page comes back once it is kept.
    await expect(page.get_by_role("status").filter(has_text="已完成：投訴處理報告")).to_be_visible(
        timeout=60_000
    )

    # Work for maintenance and procurement, each with its progress and completion.
    await act(page, "分派任務", {"承辦人／單位": "維修組 李師傅", "任務說明": "更換進水閥",
                                 "完成期限": LATER})  # fmt: skip
    await status_is(page, "處理中")
    await act(page, "分派任務", {"承辦單位": "procurement", "承辦人／單位": "採購組",
                                 "任務說明": "備用進水閥兩只", "完成期限": LATER})  # fmt: skip
    tasks = page.get_by_test_id("task")
    await expect(tasks).to_have_count(2)
    await expect(page.get_by_test_id("action-resolve")).to_have_count(0)
    for who, note in (("李師傅", "零件已到，下午施工"), ("採購組", "已下單")):
        await act(page, "記錄任務進度", {"備註": note}, within=tasks.filter(has_text=who))
        await expect(tasks.filter(has_text=who)).to_contain_text(note)

    # Waiting for parts, then back at work.
    await act(page, "開始等待", {"等待原因": "parts", "備註": "進水閥缺貨"})
    await status_is(page, "等待中")
    await expect(page.get_by_test_id("action-wait")).to_have_count(0)
    await act(page, "恢復處理", {"備註": "零件到貨"})
    await status_is(page, "處理中")
    for who in ("李師傅", "採購組"):
        await act(page, "任務完成", {"備註": "完成"}, within=tasks.filter(has_text=who))
    await expect(tasks).to_have_count(0)
    await act(page, "標記已解決", {"處理結果": "已更換進水閥，測試無漏水", "改進措施": "每季巡檢"})
    await status_is(page, "已解決")

    # Not satisfied: the supervisor's review asks for further action, a new task.
    await act(page, "記錄回訪", {"否": True, "滿意度評分（1–5）": "2", "問題再次發生": True,
                                 "意見": "隔天又漏"})  # fmt: skip
    await status_is(page, "主管復核中")
    await act(
        page,
        "復核結論",
        {"復核結論": "further_action", "復核說明": "需更換整組水龍頭",
         "承辦人／單位": "維修組 張師傅", "任務說明": "更換整組水龍頭", "完成期限": LATER},
    )  # fmt: skip
    await status_is(page, "處理中")
    await act(page, "任務完成", {"備註": "已更換"}, within=tasks.filter(has_text="張師傅"))
    await act(page, "標記已解決", {"處理結果": "已更換整組水龍頭"})
    await act(page, "記錄回訪", {"是": True, "滿意度評分（1–5）": "5"})
    await status_is(page, "已解決")
    await act(page, "內部備註", {"備註內容（僅內部人員可見）": "同型水龍頭列入更換清單"})
    await act(page, "歸檔", {"備註": "結案"})
    await status_is(page, "已歸檔")
    await expect(page.get_by_test_id("action-reopen")).to_have_count(1)
    await expect(page.get_by_test_id("action-close")).to_have_count(0)

    timeline = page.get_by_test_id("timeline")
    for step in STEPS:
        await expect(timeline.locator("li", has_text=step).first).to_be_visible()
    # The staff's note is kept apart from the contact log; the review opened a second look,
    # not a second cycle.
    await expect(page.get_by_test_id("notes")).to_contain_text("同型水龍頭列入更換清單")
    await expect(timeline.locator("li", has_text="內部備註")).to_have_count(0)
    await expect(timeline.get_by_test_id("cycle")).to_have_count(1)
    # Archived: the record is sealed (the page shows it by itself), and its dossier downloads.
    dossier = page.get_by_test_id("dossier")
    await expect(dossier).to_have_text("下載歸檔卷宗（ZIP）", timeout=30_000)
    downloaded = await page.request.get(f"{console}{await dossier.get_attribute('href')}")
    assert downloaded.status == 200
    with zipfile.ZipFile(io.BytesIO(await downloaded.body())) as z:
        assert {"events.json", "seal.json"} <= set(z.namelist())
    await shot(page, "guide-archived")


async def test_a_complaint_outside_the_desk_is_referred_and_archived(
    system: System, page: Page
) -> None:
    await register(page, system.url("projections"), "PW", 投訴內容="筆電無法開機")
    await act(
        page,
        "調查分類",
        {"責任歸屬": "outside_jurisdiction", "等級": "L3", "轉介單位": "資訊室",
         "轉介單位聯絡方式": "分機 1234", "理由（轉介時必填）": "屬資訊設備，非後勤管轄"},
    )  # fmt: skip
    await status_is(page, "已轉介")
    await expect(page.get_by_test_id("action-tasks")).to_have_count(0)
    await act(page, "歸檔")
    await status_is(page, "已歸檔")


async def test_a_safety_hazard_found_later_is_escalated_with_its_measures(
    system: System, page: Page
) -> None:
    await register(page, system.url("projections"), "PW", 投訴內容="茶水間插座有焦味")
    await expect(page.get_by_test_id("severity")).to_contain_text("L3")
    await act(page, "安全上報", {"原因": "插座冒煙", "封鎖現場": True, "切斷水電氣": True})
    await expect(page.get_by_test_id("severity")).to_contain_text("L1 緊急")
    await expect(page.get_by_text("已啟動安全上報")).to_be_visible()
    await expect(page.get_by_test_id("action-escalate")).to_have_count(0)
    escalated = page.get_by_test_id("timeline").locator("li", has_text="安全上報").first
    await expect(escalated).to_be_visible()


async def test_a_change_made_in_one_page_appears_in_another_by_itself(
    system: System, page: Page, browser: Browser
) -> None:
    console = system.url("projections")
    context = await browser.new_context(viewport={"width": 820, "height": 1180}, locale="zh-TW")
    other = await context.new_page()
    other.set_default_timeout(15_000)
    try:
        await sign_in(other, console, OFFICER, PASSWORD)
        # The register shows a complaint registered in another page.
        await other.goto(f"{console}/console")
        number = await register(page, console, "PW", 投訴內容="冷氣不冷，會議室很熱")
        await expect(other.get_by_role("link", name=number)).to_be_visible()

        # The complaint's page follows each action taken elsewhere.
        await other.goto(page.url.split("?")[0])
        await expect(other.get_by_test_id("status")).to_have_text("已受理")
        await act(page, "聯繫投訴人")
        await expect(other.get_by_test_id("status")).to_have_text("已聯繫")

        # Once it shows all there is (the receipt sent, the response clock met)…
        complaint_id = page.url.split("?")[0].rsplit("/", 1)[1]
        shown = await settled(console, complaint_id, "NotificationDelivered", "SlaMet")
        await expect(other.locator("li[data-event]")).to_have_count(shown)
        # …an officer typing there is not interrupted: a banner says what changed.
        evidence = other.get_by_test_id("action-evidence")
        await evidence.locator("summary").click()
        await evidence.get_by_label("內容", exact=True).fill("現場查看中")
        await act(page, "調查分類", {"責任歸屬": "logistics", "等級": "L3"})
        await expect(other.get_by_test_id("live-banner")).to_contain_text("剛有更新：調查分類")
        await expect(evidence.get_by_label("內容", exact=True)).to_have_value("現場查看中")
        await expect(other.get_by_test_id("status")).to_have_text("已聯繫")
        await other.get_by_test_id("live-banner").get_by_role("link").click()
        await expect(other.get_by_test_id("status")).to_have_text("已分類")
    finally:
        await context.close()


async def settled(console: str, complaint_id: str, *event_types: str) -> int:
    """How many events the complaint's timeline holds once all ``event_types`` are in it (the
    system's answers to what was done: after them, nothing more comes by itself)."""

    async def count() -> int | None:
        async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
            r = await client.get(f"{console}/complaints/{complaint_id}")
        history = [h for h in r.json()["history"] if h["event_type"] != "InternalNoteAdded"]
        return len(history) if set(event_types) <= {h["event_type"] for h in history} else None

    found = await eventually(count, within=30)
    assert found, f"{event_types} never reached the timeline"
    return found
