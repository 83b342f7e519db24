"""Files on complaints through intake's API, against the running system: photos stored
without their location, the same content once, in chunks; a file too large (413), a disguised
executable (415), another site's file (404); commands carry the files' references, never
their bytes."""

import hashlib
import io
import os
import subprocess
from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import httpx
import pytest
from PIL import Image, ImageDraw

from complaint_desk.services.intake.repository import CHUNK
from complaint_desk.services.intake.tests.factory import BODIES
from complaint_desk.services.intake.tests.test_documents import poppler
from complaint_desk.services.intake.tests.test_media import GPS_IFD, photo_with_gps
from complaint_desk.shared.auth import Role
from conftest import ARTIFACTS
from tests.credentials import ADMIN, user

from .conftest import System
from .desk import Desk, later

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


async def attach(
    desk: Desk, complaint_id: str, name: str, content: bytes, expect: int = 201, **form: str
) -> dict:
    r = await desk.client.post(
        f"{desk.intake}/complaints/{complaint_id}/attachments",
        files={"file": (name, content, "image/jpeg")},
        data=form,
    )
    assert r.status_code == expect, r.text
    return r.json()


async def test_photos_are_stored_without_location_once_each_and_served_safely(
    desk: Desk, system_db: asyncpg.Pool
) -> None:
    c = await desk.receive(site="AT")
    raw = photo_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS_IFD)
    first = await attach(desk, c["id"], "漏水飲水機.jpg", raw)
    again = await attach(desk, c["id"], "same-photo.jpg", raw)
    png = await attach(desk, c["id"], "燈.png", photo_with_gps("PNG", (200, 100)))
    assert (first["media_type"], png["media_type"]) == ("image/jpeg", "image/png")
    assert first["sha256"] == again["sha256"] and first["id"] != again["id"]
    stored = await system_db.fetchval(
        "SELECT count(*) FROM intake.blobs WHERE sha256 = $1", first["sha256"]
    )
    assert stored == 1, "the same content is stored once"

    for variant in ("original", "web", "thumb"):
        r = await desk.client.get(
            f"{desk.intake}/attachments/{first['id']}", params={"variant": variant}
        )
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/jpeg"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-disposition"].startswith("inline;")
        assert "sandbox" in r.headers["content-security-policy"]
        image = Image.open(io.BytesIO(r.content))
        assert not image.getexif(), f"{variant}: no EXIF, no GPS"
        assert b"PhoneMaker" not in r.content
    listed = (await desk.client.get(f"{desk.intake}/complaints/{c['id']}/attachments")).json()
    assert {f["id"] for f in listed} == {first["id"], again["id"], png["id"]}


async def test_a_large_pdf_is_stored_in_chunks_and_comes_back_whole(
    desk: Desk, system_db: asyncpg.Pool
) -> None:
    c = await desk.receive(site="AT")
    pdf = b"%PDF-1.7\n" + os.urandom(3 * CHUNK + 1234)
    doc = await attach(desk, c["id"], "維修單.pdf", pdf)
    assert (doc["media_type"], doc["size"]) == ("application/pdf", len(pdf))
    chunks = await system_db.fetchval(
        "SELECT count(*) FROM intake.blob_chunks WHERE sha256 = $1", doc["sha256"]
    )
    assert chunks == 4
    r = await desk.client.get(f"{desk.intake}/attachments/{doc['id']}")
    assert r.content == pdf
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E7%B6%AD%E4%BF%AE%E5%96%AE.pdf" in r.headers["content-disposition"]


async def test_too_large_disguised_or_misnamed_files_are_refused_in_words(desk: Desk) -> None:
    c = await desk.receive(site="AT")
    huge = await attach(desk, c["id"], "big.pdf", b"%PDF-1.7\n" + b"0" * (16 * 1024 * 1024), 413)
    assert "MB" in huge["error"]["message_zh"]
    exe = await attach(desk, c["id"], "photo.jpg", b"MZ\x90\x00" + os.urandom(4000), 415)
    assert exe["error"]["code"] == "unsupported_file"
    assert "以檔案內容判定" in exe["error"]["message_zh"] and "photo.jpg" in exe["error"]["message"]
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    await attach(desk, c["id"], "plan.svg", svg, 415)
    missing = await desk.client.post(
        f"{desk.intake}/complaints/{c['id']}/attachments", data={"personal": "true"}
    )
    assert missing.status_code == 422 and missing.json()["error"]["message_zh"]
    listed = (await desk.client.get(f"{desk.intake}/complaints/{c['id']}/attachments")).json()
    assert listed == [], "nothing refused was kept"


async def test_commands_carry_the_files_references_and_only_their_complaints_own(
    desk: Desk,
) -> None:
    c, other = await desk.receive(site="AT"), await desk.receive(site="AT")
    photo = await attach(desk, c["id"], "before.jpg", photo_with_gps(size=(640, 480)))
    elsewhere = await attach(desk, other["id"], "other.jpg", photo_with_gps(size=(64, 48)))
    refused = await desk.act(
        c["id"], "evidence", 422, kind="site_inspection", text="現場照片",
        files=[elsewhere["id"]],
    )  # fmt: skip
    assert refused["error"]["field"] == "files" and refused["error"]["message_zh"]
    done = await desk.act(
        c["id"], "evidence", kind="site_inspection", text="現場照片：進水閥漏水",
        files=[photo["id"]],
    )  # fmt: skip
    [evidence] = [
        h
        for h in await desk.history(c["id"], after=done["position"])
        if h["event_type"] == "EvidenceRecorded"
    ]
    assert evidence["data"]["files"] == [photo], "the reference, hash and all; no bytes"


async def test_another_sites_officer_finds_no_file(desk: Desk, system: System) -> None:
    c = await desk.receive(site="AT")
    photo = await attach(desk, c["id"], "p.jpg", photo_with_gps(size=(64, 48)))
    officer = await user(system.database_url, f"o-{uuid4().hex[:6]}", Role.DUTY_OFFICER, ["AX"])
    async with httpx.AsyncClient(timeout=15, headers=officer) as client:
        fetched = await client.get(f"{desk.intake}/attachments/{photo['id']}")
        assert fetched.status_code == 404 and fetched.json()["error"]["message_zh"]
        listed = await client.get(f"{desk.intake}/complaints/{c['id']}/attachments")
        assert listed.status_code == 404
        uploaded = await client.post(
            f"{desk.intake}/complaints/{c['id']}/attachments",
            files={"file": ("x.jpg", photo_with_gps(size=(8, 8)), "image/jpeg")},
        )
        assert uploaded.status_code == 404
        unknown = await client.get(f"{desk.intake}/attachments/{uuid4()}")
        assert unknown.status_code == 404


def signature_png() -> bytes:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (100, 15), (180, 75), (290, 20)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def test_the_handling_report_is_a_signed_pdf_kept_by_hash_and_a_new_one_keeps_the_old(
    desk: Desk,
) -> None:
    c = await desk.receive(site="AT", description="飲水機漏水已三天，報修未處理")
    for step in ("classify", "resolution", "resolution/accept"):
        await desk.act(c["id"], step, **{k: v for k, v in BODIES[step].items()})
    officer = await attach(desk, c["id"], "officer.png", signature_png())
    complainant = await attach(desk, c["id"], "complainant.png", signature_png(), personal="true")
    not_an_image = await attach(desk, c["id"], "scan.pdf", b"%PDF-1.7\n...")
    report = {
        "responsible_party": "維修組", "solution": "今日下班前更換進水閥，並致歉",
        "completion_due": later(1), "signed_by_officer": "王值班",
        "signed_by_complainant": "陳小明",
    }  # fmt: skip
    refused = await desk.act(c["id"], "report", 422, **report, officer_signature=not_an_image["id"])
    assert refused["error"]["field"] == "officer_signature"
    filed = await desk.act(
        c["id"], "report", **report, officer_signature=officer["id"],
        complainant_signature=complainant["id"],
    )  # fmt: skip
    again = await desk.act(c["id"], "report", **report | {"solution": "改為明日上午更換"})
    reports = [
        h["data"]
        for h in await desk.history(c["id"], after=again["position"])
        if h["event_type"] == "HandlingReportFiled"
    ]
    assert len(reports) == 2 and filed["position"] < again["position"]
    first = reports[0]
    assert [(s["role"], s["name"], s["file"]["id"]) for s in first["signatures"]] == [
        ("officer", "王值班", officer["id"]), ("complainant", "陳小明", complainant["id"]),
    ]  # fmt: skip
    assert all(s["signed_at"] for s in first["signatures"])
    document = first["document"]
    assert document["media_type"] == "application/pdf" and document["personal"] is True
    r = await desk.client.get(f"{desk.intake}/attachments/{document['id']}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    assert hashlib.sha256(r.content).hexdigest() == document["sha256"], "the hash in the event"
    text = read_pdf(r.content, "report-api")
    for expected in (c["number"], "王值班", "陳小明", "今日下班前更換進水閥", "維修組", "版本 1"):
        assert expected in text, expected
    # The second report is a new document; the first is still there, unchanged.
    second = reports[1]["document"]
    assert second["id"] != document["id"] and "版本 2" in read_pdf(
        (await desk.client.get(f"{desk.intake}/attachments/{second['id']}")).content, "report-2"
    )
    assert (
        await desk.client.get(f"{desk.intake}/attachments/{document['id']}")
    ).content == r.content


def read_pdf(content: bytes, name: str) -> str:
    """The PDF's text (pdftotext), and its pages as PNG test artifacts (pdftoppm)."""
    out = ARTIFACTS / "documents"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.pdf"
    path.write_bytes(content)
    subprocess.run(
        [poppler("pdftoppm"), "-png", "-r", "60", str(path), str(out / name)], check=True
    )
    return subprocess.run(
        [poppler("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
