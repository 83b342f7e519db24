"""Periodic reports against the running system, with two projections replicas: this month's
report over a generated month of complaints says, in its PDF (read with pdftotext) and its
CSV, what /dashboard and /officers say for the same month, and so does `desk report`; last
month's reports are issued by themselves and sent once to the site's supervisor and to the
organisation's manager."""

import asyncio
import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from complaint_desk.services.projections.periods import last_ended, period_window
from complaint_desk.tools.devstack.postgres import free_port
from complaint_desk.tools.devstack.stack import ServiceProcess
from conftest import eventually
from tests.credentials import ADMIN

from .conftest import System
from .desk import Desk
from .helpers import mail_titled

pytestmark = pytest.mark.e2e

SITE = "RP"
OTHER = "RQ"  # the scheduled reports' own site: the tests do not share one
ZONE = "Asia/Taipei"
SYSTEM_ENV = {
    "PROJECTIONS_REPORT_KINDS": '["month"]',
    "PROJECTIONS_REPORT_AFTER_MINUTES": "0",
    "PROJECTIONS_REPORT_CHECK_SECONDS": "1",
}
MONTH = datetime.now(ZoneInfo(ZONE)).strftime("%Y-%m")


@pytest.fixture(scope="module")
async def desk(system: System) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=60, headers=ADMIN) as client:
        yield Desk(client, system.url("intake"), system.url("projections"))


@pytest.fixture(scope="module")
def second_projections(system: System) -> Iterator[ServiceProcess]:
    first = system.stack.services["projections"]
    replica = ServiceProcess("projections", free_port(), first.env, first.log_dir / "replica-2")
    replica.start()
    replica.wait_healthy()
    yield replica
    replica.stop()


async def generate_month(desk: Desk) -> int:
    """Complaints of several kinds, officers and outcomes; the position of the last command."""
    position = 0
    plan = [
        ("officer-lee", "repair_delay", "resolved", True),
        ("officer-lee", "repair_delay", "resolved", False),
        ("officer-lee", "shortage", "acknowledged", None),
        ("officer-wu", "hygiene", "resolved", True),
        ("officer-wu", "repair_delay", "received", None),
        ("officer-wu", "shortage", "resolved", True),
        ("officer-chen", "other", "received", None),
    ]
    for officer, category, reached, satisfied in plan:
        c = await desk.receive(site=SITE, category=category, receiving_officer=officer)
        position = c.get("position", position)
        if reached == "received":
            continue
        position = (await desk.act(c["id"], "acknowledge", channel="phone"))["position"]
        if reached == "acknowledged":
            continue
        await desk.act(c["id"], "classify", responsibility="logistics", severity="L3",
                       category=category)  # fmt: skip
        await desk.act(c["id"], "resolve", summary="處理完成")
        answer = {"channel": "phone", "satisfied": satisfied, "rating": 5 if satisfied else 2}
        if not satisfied:
            answer["reasons"] = ["too_slow"]
            answer["comments"] = "太慢"
        position = (await desk.act(c["id"], "callbacks", **answer))["position"]
    return int(position)


async def run(
    argv: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, argv, env=env, capture_output=True, text=True, timeout=120
    )


def rows_of(text: str) -> dict[tuple[str, str, str], dict[str, str]]:
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return {(r["section"], r["metric"], r["group"]): r for r in rows}


def number(value: str) -> float | None:
    return float(value) if value else None


async def test_this_months_report_says_what_the_dashboard_and_officers_say(
    desk: Desk, system: System, tmp_path: Path
) -> None:
    after = await generate_month(desk)
    window = period_window(MONTH, ZONE)
    span = {"site": SITE, "start": window.start.isoformat(), "end": window.end.isoformat(),
            "after": after}  # fmt: skip
    dashboard = (await desk.client.get(f"{desk.projections}/dashboard", params=span)).json()
    [overall] = dashboard["groups"]
    officers = (await desk.client.get(f"{desk.projections}/officers", params=span)).json()
    assert overall["received"] == 7 and overall["resolved"] == 4

    got = await desk.client.get(f"{desk.projections}/reports/{SITE}/{MONTH}.csv")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    rows = rows_of(got.text)
    for key in ("received", "merged", "resolved", "resolution_rate", "satisfaction", "rating",
                "response_p50", "resolution_p90", "reopen_rate"):  # fmt: skip
        shown = number(rows[("handling", key, "all")][MONTH])
        expected = overall[key]
        assert shown == pytest.approx(expected, abs=1e-4) if expected is not None else shown is None
    assert number(rows[("sla", "breached_ever", "all")][MONTH]) == overall["breached_ever"]
    for officer in officers:
        mine = rows[("officers", "received", officer["officer"])]
        assert number(mine[MONTH]) == officer["received"]
        rate = number(rows[("officers", "resolution_rate", officer["officer"])][MONTH])
        assert rate == pytest.approx(officer["resolution_rate"], abs=1e-4)
    assert rows[("reasons", "too_slow", "all")][MONTH] == "1"
    assert rows[("handling", "received", "all")]["指標"] == "受理件數"

    pdf = await desk.client.get(f"{desk.projections}/reports/{SITE}/{MONTH}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(pdf.content)
    text = (await run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"])).stdout
    line = next(x for x in text.splitlines() if x.strip().startswith("受理件數"))
    assert line.split()[1] == str(overall["received"])
    rate = next(x for x in text.splitlines() if x.strip().startswith("解決率"))
    assert rate.split()[1] == f"{overall['resolved'] / overall['received']:.1%}"
    satisfaction = next(x for x in text.splitlines() if x.strip().startswith("滿意度"))
    assert satisfaction.split()[1] == f"{overall['satisfaction']:.1%}"
    assert "定期分析報告" in text and "處理太慢" in text and "officer-lee" in text
    assert "repair_delay" not in text and "too_slow" not in text
    shutil.copy(tmp_path / "report.pdf", _artifacts() / f"report-{SITE}-{MONTH}.pdf")

    # The same report from the command line, from the same read models.
    out = tmp_path / "cli"
    env = {**os.environ, "DATABASE_URL": system.database_url}
    done = await run([sys.executable, "-m", "complaint_desk.tools.cli", "report", "--site", SITE,
                      "--month", MONTH, "--out", str(out)], env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out / f"report-{SITE}-{MONTH}.csv").read_bytes().decode() == got.text
    assert (out / f"report-{SITE}-{MONTH}.pdf").read_bytes().startswith(b"%PDF")
    wrong = await run([sys.executable, "-m", "complaint_desk.tools.cli", "report", "--site", SITE,
                       "--month", "2026-13", "--out", str(out)], env)  # fmt: skip
    assert wrong.returncode == 2 and "查無此月份或週次" in wrong.stderr


def _artifacts() -> Path:
    from conftest import ARTIFACTS

    folder = ARTIFACTS / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _issued(pool: asyncpg.Pool, site: str, period: str) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM eventstore.events WHERE event_type = 'PeriodicReportIssued'"
            " AND data->>'site' = $1 AND data->>'period' = $2",
            site, period,
        )
    )  # fmt: skip


async def test_last_months_reports_are_issued_once_and_sent_to_each_supervisor(
    desk: Desk, system: System, system_db: asyncpg.Pool, second_projections: ServiceProcess
) -> None:
    notify = system.url("notify")
    supervisor = await desk.staff(notify, OTHER, "supervisor")
    manager = await desk.staff(notify, "*", "manager")
    await desk.receive(site=OTHER)  # a site is reported on once it has a complaint
    period = last_ended("month", datetime.now(ZoneInfo(ZONE)), ZONE)

    async def issued() -> bool:
        return (
            await _issued(system_db, OTHER, period) == 1
            and await _issued(system_db, "*", period) == 1
        )

    assert await eventually(issued, within=60), "last month's reports were never issued"
    site_mail = await mail_titled(system.smtp, supervisor, f"【定期分析報告】{OTHER} 院區 {period}")
    assert "/console/reports" in site_mail.get_content()
    # (The organisation's was issued as the system started, before anyone held manager.)
    await mail_titled(system.smtp, manager, f"【定期分析報告】{OTHER} 院區 {period}")
    # Both replicas looked every second meanwhile: one report each, one message each.
    assert await _issued(system_db, OTHER, period) == 1
    to_supervisor = [m for m in system.smtp.to(supervisor) if "定期分析報告" in m["Subject"]]
    assert len(to_supervisor) == 1
    listed = (await desk.client.get(f"{desk.projections}/reports", params={"site": OTHER})).json()
    assert [(r["site"], r["period"]) for r in listed] == [(OTHER, period)]
    stored = await desk.client.get(f"{desk.projections}/reports/{OTHER}/{period}.pdf")
    assert stored.content.startswith(b"%PDF")
    assert await system_db.fetchval(
        "SELECT count(*) FROM projections.periodic_reports WHERE site = $1 AND period = $2",
        OTHER, period,
    ) == 1  # fmt: skip
