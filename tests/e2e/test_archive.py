"""The archive (資料歸檔) against the running system: closing seals the record (a hash chain
over its events and files, signed); the dossier downloads as a ZIP; `desk archive verify`
and the API say it is intact, and find a changed event, a changed photo or a changed stored
file; a reopened complaint is sealed again at its next close."""

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import pytest

from complaint_desk.services.intake.tests.factory import BODIES
from complaint_desk.services.intake.tests.test_media import photo_with_gps
from tests.credentials import ADMIN

from .conftest import System
from .desk import Desk
from .test_attachments import read_pdf

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


def desk_cli(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": system.database_url, "DESK_PROFILE": "development"}
    return subprocess.run(
        [sys.executable, "-m", "complaint_desk.tools.cli", "archive", "verify", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def altered(dossier: bytes, change: str) -> bytes:
    """The dossier with one thing changed: an event's words, or a photo's bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(dossier)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if change == "event" and name == "events.json":
                events = json.loads(content)
                events[1]["data"]["text"] = "現場無異狀"
                content = json.dumps(events, ensure_ascii=False).encode()
            if change == "photo" and name.startswith("files/"):
                content = content[:-10] + b"\0" * 10
            target.writestr(name, content)
    return out.getvalue()


async def closed_with_a_photo(desk: Desk) -> dict:
    c = await desk.receive(site="AR")
    # A photo of its own: the store keeps equal content once, and one test changes a
    # stored file behind the desk's back.
    color = tuple(uuid4().bytes[:3])
    photo = await desk.client.post(
        f"{desk.intake}/complaints/{c['id']}/attachments",
        files={"file": ("leak.jpg", photo_with_gps(size=(320, 240), color=color), "image/jpeg")},  # type: ignore[arg-type]
    )
    assert photo.status_code == 201, photo.text
    await desk.act(c["id"], "evidence", kind="site_inspection", text="進水閥漏水",
                   files=[photo.json()["id"]])  # fmt: skip
    for step in ("classify", "resolve"):
        await desk.act(c["id"], step, **BODIES[step])
    await desk.act(c["id"], "close")
    await desk.wait_for(c["id"], "DossierSealed")
    return c


async def test_a_closed_complaint_is_sealed_and_its_dossier_verifies_until_changed(
    desk: Desk, system: System, tmp_path: Path
) -> None:
    c = await closed_with_a_photo(desk)
    verdict = (await desk.client.get(f"{desk.intake}/complaints/{c['id']}/dossier/verify")).json()
    assert verdict["intact"] is True and verdict["problems"] == []
    r = await desk.client.get(f"{desk.intake}/complaints/{c['id']}/dossier")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    dossier = r.content
    with zipfile.ZipFile(io.BytesIO(dossier)) as z:
        names = set(z.namelist())
        seal = json.loads(z.read("seal.json"))
        events = json.loads(z.read("events.json"))
    assert {"events.json", "seal.json", "dossier.pdf"} <= names and len(seal["files"]) == 1
    with zipfile.ZipFile(io.BytesIO(dossier)) as z:
        record = read_pdf(z.read("dossier.pdf"), "dossier")
    for expected in ("投訴歸檔卷宗", c["number"], "記錄證據", "進水閥漏水", "歸檔", seal["chain"],
                     "投訴人：陳小明", "通知對象：投訴人"):  # fmt: skip
        assert expected in record.replace("\n", ""), expected
    assert f"files/{seal['files'][0]}" in names
    assert events[-1]["event_type"] == "ComplaintClosed" and seal["version"] == len(events)

    async def check(content: bytes) -> dict:
        answer = await desk.client.post(
            f"{desk.intake}/dossiers/verify", content=content,
            headers={"content-type": "application/zip"},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert (await check(dossier))["intact"] is True
    assert (
        "the events differ from those sealed"
        in (await check(altered(dossier, "event")))["problems"]
    )
    assert any("altered" in p for p in (await check(altered(dossier, "photo")))["problems"])
    assert (await check(b"not a zip"))["intact"] is False

    # The CLI: from the log, and from a downloaded dossier.
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(dossier)
    bad.write_bytes(altered(dossier, "event"))
    ok = desk_cli(system, c["number"], "--dossier", str(good))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact" in ok.stdout and "與封存時相同" in ok.stdout
    changed = desk_cli(system, c["number"], "--dossier", str(bad))
    assert changed.returncode == 1 and "CHANGED" in changed.stdout
    assert desk_cli(system, "XX-00000000-0000").returncode == 2


async def test_a_stored_file_changed_behind_the_desks_back_is_found(
    desk: Desk, system: System, system_db: asyncpg.Pool
) -> None:
    c = await closed_with_a_photo(desk)
    listed = await desk.client.get(f"{desk.intake}/complaints/{c['id']}/attachments")
    [photo] = listed.json()
    await system_db.execute(
        "UPDATE intake.blob_chunks SET data = overlay(data placing 'tampered'::bytea from 20)"
        " WHERE sha256 = $1 AND n = 0",
        photo["sha256"],
    )
    verdict = (await desk.client.get(f"{desk.intake}/complaints/{c['id']}/dossier/verify")).json()
    assert verdict["intact"] is False and any("altered" in p for p in verdict["problems"])
    assert desk_cli(system, c["number"]).returncode == 1


async def test_a_reopened_complaint_is_sealed_again_at_its_next_close(desk: Desk) -> None:
    c = await closed_with_a_photo(desk)
    await desk.act(c["id"], "reopen", reason="漏水復發")
    await desk.act(c["id"], "resolve", **BODIES["resolve"])
    await desk.act(c["id"], "close")
    seals = await desk.wait_for(c["id"], "DossierSealed", count=2)
    first, second = (s["data"] for s in seals)
    assert (first["cycle"], second["cycle"]) == (1, 2)
    assert second["version"] > first["version"] and second["chain"] != first["chain"]
    verdict = (await desk.client.get(f"{desk.intake}/complaints/{c['id']}/dossier/verify")).json()
    assert verdict["intact"] is True and verdict["version"] == second["version"]
