"""Photos from the site through the console, in Chromium: several picked at once (as from a
tablet's camera), each uploaded with its progress; one too large and one disguised are each
refused with the reason beside them, the good one is attached to the evidence, shown as a
thumbnail in the timeline, and stored without its location."""

import io
import os
import re

import pytest
from PIL import Image
from playwright.async_api import Locator, Page, expect

from complaint_desk.services.intake.tests.test_media import GPS_IFD, photo_with_gps

from ..conftest import System
from ..test_attachments import read_pdf
from .browser import act, register, shot

pytestmark = pytest.mark.e2e


async def test_photos_picked_on_a_tablet_are_attached_each_or_refused_with_its_reason(
    system: System, page: Page
) -> None:
    console = system.url("projections")
    await register(page, console, "PW")
    panel = page.get_by_test_id("action-evidence")
    await panel.locator("summary").click()
    picker = panel.get_by_label("附加相片或文件", exact=True)
    assert await picker.get_attribute("capture") == "environment"
    assert await picker.get_attribute("multiple") is not None
    photo = photo_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD), "taken with a location"
    await picker.set_input_files([
        {"name": "漏水.jpg", "mimeType": "image/jpeg", "buffer": photo},
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00" + os.urandom(900)},
        {"name": "掃描.pdf", "mimeType": "application/pdf",
         "buffer": b"%PDF-1.7\n" + b"0" * (16 * 1024 * 1024)},
    ])  # fmt: skip
    uploads = panel.get_by_test_id("uploads").locator("li")
    await expect(uploads).to_have_count(3)
    await expect(uploads.filter(has_text="漏水.jpg")).to_contain_text("已上傳", timeout=30_000)
    disguised = uploads.filter(has_text="photo.jpg")
    await expect(disguised).to_contain_text("未上傳：photo.jpg：僅接受相片")
    await expect(uploads.filter(has_text="掃描.pdf")).to_contain_text("未上傳：單一檔案最多 15 MB")
    await expect(disguised.get_by_role("alert")).to_have_count(1)
    await shot(page, "evidence-uploads")

    await panel.get_by_label("內容", exact=True).fill("現場查看：飲水機底部漏水")
    await panel.get_by_role("button", name="記錄證據").click()
    await expect(page.get_by_role("status").filter(has_text="已完成")).to_be_visible()
    evidence = page.locator("li[data-event=EvidenceRecorded]")
    thumbnail = evidence.get_by_role("img", name="漏水.jpg")
    await expect(thumbnail).to_be_visible()
    await expect(evidence.get_by_role("img")).to_have_count(1), "only the photo that uploaded"
    src = await thumbnail.get_attribute("src")
    assert src and src.endswith("variant=thumb")
    served = await page.request.get(f"{console}{src}")
    assert served.status == 200 and served.headers["x-content-type-options"] == "nosniff"
    stored = Image.open(io.BytesIO(await served.body()))
    assert max(stored.size) == 320 and not stored.getexif(), "no EXIF, no location"
    full = await page.request.get(f"{console}{src.replace('thumb', 'original')}")
    assert not Image.open(io.BytesIO(await full.body())).getexif().get_ifd(GPS_IFD)
    await shot(page, "evidence-thumbnail")


async def draw(page: Page, canvas: Locator) -> None:
    """A signature: a few strokes across the pad, as a finger would."""
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    assert box
    await page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    await page.mouse.down()
    for i in range(1, 9):
        x = box["x"] + 20 + i * (box["width"] - 40) / 8
        y = box["y"] + box["height"] * (0.3 if i % 2 else 0.7)
        await page.mouse.move(x, y, steps=4)
    await page.mouse.up()


async def test_the_report_is_signed_on_the_tablet_by_both_sides_and_kept_as_a_pdf(
    system: System, page: Page
) -> None:
    console = system.url("projections")
    number = await register(page, console, "PW")
    await act(page, "調查分類", {"責任歸屬": "logistics", "等級": "L2"})
    plan = {"方案類型": "repair", "方案內容": "今日更換進水閥", "完成期限": "2030-01-15T17:00"}
    await act(page, "提出解決方案", plan)
    await act(page, "投訴人同意方案")
    panel = page.get_by_test_id("action-report")
    await panel.locator("summary").click()
    report = {
        "責任方": "維修組", "解決方案": "今日下班前更換進水閥",
        "預計完成時間": "2030-01-15T17:00", "投訴人簽名": "陳小明",
    }  # fmt: skip
    for label, value in report.items():
        await panel.get_by_label(label, exact=True).fill(value)
    await draw(page, panel.get_by_test_id("canvas-officer_signature"))
    await draw(page, panel.get_by_test_id("canvas-complainant_signature"))
    await shot(page, "report-signing")
    await panel.get_by_role("button", name="投訴處理報告").click()
    await expect(page.get_by_role("status").filter(has_text="已完成")).to_be_visible()
    filed = page.locator("li[data-event=HandlingReportFiled]")
    link = filed.get_by_role("link", name=re.compile(r"^文件：.+-report-1\.pdf$"))
    await expect(link).to_be_visible()
    pdf = await page.request.get(f"{console}{await link.get_attribute('href')}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = read_pdf(await pdf.body(), "report-console")
    for expected in (number, "陳小明", "今日下班前更換進水閥", "維修組"):
        assert expected in text, expected
    assert "未附手寫簽名圖" not in text, "both signatures drawn"
