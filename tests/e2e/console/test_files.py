"""Photos from the site through the console, in Chromium: several picked at once (as from a
tablet's camera), each uploaded with its progress; one too large and one disguised are each
refused with the reason beside them, the good one is attached to the evidence, shown as a
thumbnail in the timeline, and stored without its location."""

import io
import os

import pytest
from PIL import Image
from playwright.async_api import Page, expect

from complaint_desk.services.intake.tests.test_media import GPS_IFD, photo_with_gps

from ..conftest import System
from .browser import register, shot

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
