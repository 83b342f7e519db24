"""The officers' evaluation (考核) against the running system: each officer's figures for
this month with the complaints behind them, all officers' together, the month before, and
the same figures as /officers gives for the same window."""

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from complaint_desk.services.projections.periods import period_window
from tests.credentials import ADMIN

from .conftest import System
from .desk import Desk

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=30, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


async def test_each_officers_month_beside_everyones_and_the_month_before(desk: Desk) -> None:
    made = {}
    for officer, count in (("officer-lee", 2), ("officer-wu", 1)):
        for _ in range(count):
            c = await desk.receive(site="EV", receiving_officer=officer)
            made.setdefault(officer, []).append(c)
    first = made["officer-lee"][0]
    await desk.act(first["id"], "acknowledge", channel="phone")
    await desk.act(first["id"], "classify", responsibility="logistics", severity="L3",
                   category="repair_delay")  # fmt: skip
    done = await desk.act(first["id"], "resolve", summary="修好了")
    month = datetime.now(ZoneInfo("Asia/Taipei")).strftime("%Y-%m")
    r = await desk.client.get(
        f"{desk.projections}/officers/evaluation",
        params={"period": month, "site": "EV", "after": done["position"]},
    )
    assert r.status_code == 200, r.text
    report = r.json()
    figures = {e["officer"]: e for e in report["officers"]}
    lee = figures["officer-lee"]["current"]
    assert (lee["received"], lee["resolution_rate"]) == (2, 0.5)
    assert set(lee["numbers"]) == {c["number"] for c in made["officer-lee"]}
    assert figures["officer-lee"]["previous"] is None, "nothing the month before"
    assert report["everyone"]["previous"]["received"] == 0
    assert figures["officer-wu"]["current"]["received"] == 1
    assert report["everyone"]["current"]["received"] == 3
    window = period_window(month, "Asia/Taipei")
    same = await desk.client.get(
        f"{desk.projections}/officers",
        params={"site": "EV", "start": window.start.isoformat(), "end": window.end.isoformat()},
    )
    assert {o["officer"]: o for o in same.json()}["officer-lee"] == lee, "one computation"
    bad = await desk.client.get(
        f"{desk.projections}/officers/evaluation", params={"period": "2026-13"}
    )
    assert bad.status_code == 422 and "查無此月份或週次" in bad.json()["error"]["message_zh"]
