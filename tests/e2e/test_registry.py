"""The registry of places and equipment against the running system: a CSV imported (a dry run
that changes nothing and names every bad row, a file with a bad row refused whole, then the
import), complaints linked to equipment (by the officer from the suggestions, or at receipt
from a QR code), and the hotspots by equipment and by model across sites with the time
between failures."""

from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import httpx
import pytest

from conftest import eventually
from tests.credentials import ADMIN

from .conftest import System
from .desk import Desk

pytestmark = pytest.mark.e2e

SYSTEM_ENV = {"INTAKE_PUBLIC_SITES": '{"RA": "甲院區", "RB": "乙院區"}'}

GOOD = """類別,代碼,名稱,大樓,樓層,設備類型,型號,安裝日期,地點,維修團隊
設備,WD-3F-01,3F 茶水間飲水機,A,3F,飲水機,AQ-200,2021-05-01,A-3F-PANTRY,水電組
地點,A-3F-PANTRY,3F 茶水間,A,3F,,,,,
地點,A-1F-LOBBY,1F 大廳,A,1F,,,,,
"""
BAD = (
    GOOD
    + """設備,LT-1F-01,大廳燈,A,1F,燈泡,,,A-1F-LOBBY,
設備,AC-9F-01,9F 空調,A,9F,air_conditioner,,2099-01-01,A-9F-ROOM,
設備,bad code!,x,,,light,,,,
"""
)


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


async def imported(desk: Desk, site: str, text: str, dry_run: bool) -> httpx.Response:
    return await desk.client.post(
        f"{desk.intake}/sites/{site}/registry/import", content=text.encode(),
        params={"dry_run": str(dry_run).lower()}, headers={"Content-Type": "text/csv"},
    )  # fmt: skip


async def registry_events(pool: asyncpg.Pool) -> int:
    return int(
        await pool.fetchval("SELECT count(*) FROM eventstore.events WHERE stream_type = 'registry'")
    )


async def test_a_csv_is_checked_refused_whole_with_a_bad_row_then_imported(
    desk: Desk, system_db: asyncpg.Pool
) -> None:
    before = await registry_events(system_db)
    dry = await imported(desk, "RA", BAD, dry_run=True)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["counts"] == {"added": 3, "changed": 0, "unchanged": 0}
    bad = {(b["line"], b["field"]): b["reason_zh"] for b in report["bad_rows"]}
    assert bad == {
        (5, "type"): "不是可用的設備類型",
        (6, "installed_on"): "安裝日期不能在未來",
        (6, "place"): "查無地點 A-9F-ROOM",
        (7, "code"): "格式不符",
    }
    assert await registry_events(system_db) == before, "a dry run changes nothing"
    refused = await imported(desk, "RA", BAD, dry_run=False)
    assert refused.status_code == 422 and len(refused.json()["error"]["rows"]) == 4
    assert await registry_events(system_db) == before, "a file with a bad row imports nothing"
    done = await imported(desk, "RA", GOOD, dry_run=False)
    assert done.json()["counts"] == {"added": 3, "changed": 0, "unchanged": 0}
    again = await imported(desk, "RA", GOOD, dry_run=True)
    assert again.json()["counts"] == {"added": 0, "changed": 0, "unchanged": 3}
    registry = (await desk.client.get(f"{desk.intake}/sites/RA/registry")).json()
    assert [a["code"] for a in registry["assets"]] == ["WD-3F-01"]
    assert registry["assets"][0]["type"] == "water_dispenser"
    assert {p["code"] for p in registry["places"]} == {"A-3F-PANTRY", "A-1F-LOBBY"}
    types = await system_db.fetch(
        "SELECT event_type FROM eventstore.events WHERE stream_type = 'registry'"
        " AND site_id = 'RA' ORDER BY version"
    )
    assert sorted(r["event_type"] for r in types) == [
        "AssetRegistered", "PlaceRegistered", "PlaceRegistered",
    ]  # fmt: skip


async def _register_dispensers(desk: Desk) -> None:
    for site, code in (("RA", "WD-3F-01"), ("RB", "WD-B1-07")):
        place = f"{site}-PANTRY"
        r = await desk.client.put(
            f"{desk.intake}/sites/{site}/places/{place}", json={"name": f"{site} 茶水間"}
        )
        assert r.status_code == 200, r.text
        r = await desk.client.put(
            f"{desk.intake}/sites/{site}/assets/{code}",
            json={"type": "water_dispenser", "name": f"{site} 飲水機", "model": "AQ-300",
                  "place": place},
        )  # fmt: skip
        assert r.status_code == 200, r.text


async def test_complaints_on_one_dispenser_make_a_hotspot_and_its_model_one_across_sites(
    desk: Desk, system: System
) -> None:
    await _register_dispensers(desk)
    made = []
    for _ in range(3):
        c = await desk.receive(site="RA", location="RA 茶水間 飲水機", category="repair_delay")
        [suggested] = [
            s for s in (await desk.client.get(
                f"{desk.intake}/sites/RA/registry/suggest", params={"location": "RA 茶水間 飲水機"}
            )).json()["items"] if s["kind"] == "asset"
        ]  # fmt: skip
        linked = await desk.act(c["id"], "asset", asset=suggested["code"])
        assert linked["events"] == ["AssetLinked"]
        made.append(linked)
    # The other site's dispenser of the same model, from its QR code: linked at receipt.
    async with httpx.AsyncClient(timeout=30) as public:
        sent = await public.post(
            f"{desk.intake}/report/RB",
            data={"complainant_name": "林", "department": "總務", "phone": "0912 000 000",
                  "location": "RB 茶水間", "asset": "WD-B1-07", "place_code": "RB-PANTRY",
                  "category": "repair_delay", "description": "不出水", "via": "qr",
                  "separate": "1"},
        )  # fmt: skip
    assert sent.status_code == 201, sent.text

    async def spots(by: str, threshold: int) -> list[dict] | None:
        r = await desk.client.get(
            f"{desk.projections}/hotspots/equipment",
            params={"by": by, "threshold": threshold, "after": made[-1]["position"]},
        )
        return r.json() or None

    [one] = await spots("asset", 3)  # type: ignore[misc]
    assert (one["key"], one["complaints"], one["asset_type"]) == (
        "RA WD-3F-01",
        3,
        "water_dispenser",
    )
    assert one["mean_days_between"] is not None and one["mean_days_between"] >= 0
    [model] = await eventually(lambda: spots("model", 4), within=30)
    assert model["sites"] == ["RA", "RB"] and model["model"] == "AQ-300"
    row = await desk.register_row(made[0]["id"], made[0]["position"])
    assert (row["asset"], row["asset_type"], row["place"]) == (
        "WD-3F-01",
        "water_dispenser",
        "RA-PANTRY",
    )
    sheet = await desk.client.get(f"{desk.intake}/sites/RA/qr-sheet.svg")
    assert sheet.status_code == 200 and "RA 茶水間" in sheet.text and "WD-3F-01" in sheet.text


async def test_linking_names_only_what_the_registry_has(desk: Desk) -> None:
    c = await desk.receive(site="RA", location=f"某處 {uuid4().hex[:4]}")
    unknown = await desk.act(c["id"], "asset", expect=404, asset="NO-SUCH-1")
    assert unknown["error"]["code"] == "not_in_registry"
    assert "此院區沒有設備" in unknown["error"]["message_zh"]
    nothing = await desk.act(c["id"], "asset", expect=422)
    assert "請指定地點或設備" in nothing["error"]["message_zh"]
    wrong = await desk.client.put(
        f"{desk.intake}/sites/RA/assets/LT-1",
        json={"type": "light", "name": "燈", "place": "NOWHERE"},
    )
    assert wrong.status_code == 422 and "查無地點" in wrong.json()["error"]["message_zh"]
