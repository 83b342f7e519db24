"""The periodic reports' use cases: produce one from the read models (on demand, for any
period), and issue each ended period's reports once (PeriodicReportIssued, which notify
sends), whichever replica gets there first and however often it restarts."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from complaint_desk.contract.events import Metadata, utcnow
from complaint_desk.contract.events.reports import ORGANISATION, PeriodicReportIssued, report_stream
from complaint_desk.shared import documents, eventstore
from complaint_desk.shared.supervise import Sleep, supervise

from .. import repository
from ..periods import ended_at, last_ended
from ..settings import ProjectionsSettings
from .document import report_csv, report_pdf
from .figures import Report, compute
from .words import Lang

log = logging.getLogger(__name__)
ACTOR = "system:projections"


@dataclass(frozen=True)
class Produced:
    report: Report
    pdf: bytes
    csv: str


async def produce(
    pool: asyncpg.Pool, site: str, period: str, settings: ProjectionsSettings, *,
    lang: Lang = "zh-Hant", now: datetime | None = None,
) -> Produced:  # fmt: skip
    """The report of ``site`` for ``period`` from the read models as they stand."""
    report = await compute(pool, site, period, settings.timezone)
    font = documents.font_path(settings.font)
    pdf = await asyncio.to_thread(
        report_pdf, report, lang=lang, font=font, zone=ZoneInfo(settings.timezone),
        issued_at=now or utcnow(),
    )  # fmt: skip
    return Produced(report, pdf, report_csv(report))


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


async def issue(
    pool: asyncpg.Pool, site: str, period: str, settings: ProjectionsSettings, now: datetime
) -> bool:
    """Keep the period's report and record PeriodicReportIssued, once: False if a replica
    (or an earlier run) did."""
    async with pool.acquire() as conn:
        if await repository.report_exists(conn, site, period):
            return False
    produced = await produce(pool, site, period, settings, now=now)
    async with pool.acquire() as conn, conn.transaction():
        kept = await repository.put_report(conn, {
            "site": site, "period": period, "issued_at": now,
            "figures": _json(produced.report.summary()), "pdf": produced.pdf,
            "csv": produced.csv,
        })  # fmt: skip
        if not kept:
            return False
        link = f"{settings.console_base_url.rstrip('/')}/console/reports"
        summary = produced.report.summary()
        await eventstore.append(
            conn, report_stream(site, period),
            [PeriodicReportIssued(site=site, period=period, link=link, **summary)],
            Metadata(site_id=site, actor=ACTOR), expected_version=0,
        )  # fmt: skip
    log.info("periodic report issued", extra={"site": site, "reason": period})
    return True


async def issue_due(pool: asyncpg.Pool, settings: ProjectionsSettings, now: datetime) -> int:
    """Every report whose period ended (long enough ago) and is not issued yet."""
    issued = 0
    async with pool.acquire() as conn:
        sites = [*await repository.report_sites(conn), ORGANISATION]
    for kind in settings.report_kinds:
        period = last_ended(kind, now, settings.timezone)
        ready = ended_at(period, settings.timezone) + timedelta(
            minutes=settings.report_after_minutes
        )
        if now < ready:
            continue
        for site in sites:
            issued += await issue(pool, site, period, settings, now)
    return issued


async def run(
    pool: asyncpg.Pool, settings: ProjectionsSettings, *,
    clock: Callable[[], datetime] = utcnow, sleep: Sleep = asyncio.sleep,
) -> None:  # fmt: skip
    """The background job: look for reports to issue now and then."""

    async def step() -> None:
        await issue_due(pool, settings, clock())

    await supervise(
        "issuing periodic reports", step, every=settings.report_check_seconds, sleep=sleep
    )
