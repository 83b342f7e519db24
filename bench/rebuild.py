"""Rebuilding the projections from the log: events/s over 1,000,000 events, beside a raw COPY
of the same rows into the same tables (with the same indexes) in the same run.

The log holds realistic lifecycles: per complaint, receipt, acknowledgement, classification,
evidence, a task, resolution, callback and closure, with its SLA and notification events.
The timeline rebuild reads every event; the register's reads the complaint and SLA ones.

    python -m bench.rebuild              (1,000,000 events)
    python -m bench.rebuild --events 200000
"""

import argparse
import asyncio
import io
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from complaint_desk.services.projections.rebuild import RegisterRebuild, TimelineRebuild
from complaint_desk.shared import db
from complaint_desk.shared.rebuild import rebuild
from complaint_desk.tools.cli import all_migrations

from .common import database

EVENTS_COLUMNS = [
    "event_id", "stream_type", "stream_id", "version", "event_type", "schema_version",
    "occurred_at", "site_id", "actor", "correlation_id", "causation_id", "data",
]  # fmt: skip
SITES = ["HQ", "NB", "SB", "EA", "WE"]
CATEGORIES = ["repair_delay", "shortage", "service_attitude", "hygiene", "other"]


def lifecycle(n: int, start: datetime) -> list[tuple[Any, ...]]:
    """One complaint's events (10 per complaint, in three streams), as event-store rows."""
    cid, corr = uuid.uuid4(), uuid.uuid4()
    site = SITES[n % len(SITES)]
    at = start + timedelta(seconds=n * 7)
    received = {
        "number": f"{site}-20261129-{n:06d}", "complainant_name": "陳小明", "department": "總務",
        "phone": f"0912{n % 1000:06d}", "email": None, "site": site,
        "location": f"{n % 9}F 茶水間", "category": CATEGORIES[n % len(CATEGORIES)],
        "description": "飲水機故障已一週仍未維修，請盡快處理", "urgency": "normal",
        "channel": "phone", "receiving_officer": f"officer-{n % 20}",
        "received_at": at.isoformat(),
    }  # fmt: skip
    due = (at + timedelta(hours=4)).isoformat()
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("complaint", "ComplaintReceived", received),
        ("sla", "SlaClockStarted", {"clock": "response", "cycle": 1, "level": "L3",
         "calendar": site, "target_seconds": 14400, "started_at": at.isoformat(), "due_at": due}),
        ("complaint", "ComplaintAcknowledged", {"contact_channel": "phone", "note": None}),
        ("sla", "SlaMet", {"clock": "response", "cycle": 1, "met_at": at.isoformat(),
         "elapsed_seconds": 600, "target_seconds": 14400, "breached": False}),
        ("complaint", "ComplaintClassified", {"responsibility": "logistics", "severity": "L2",
         "category": received["category"], "third_party": None, "reason": None}),
        ("complaint", "ComplaintResolved", {"summary": "已更換濾芯"}),
        ("notification", "NotificationDelivered", {"delivery_id": str(uuid.uuid4()),
         "channel": "sms", "attempts": 1}),
        ("complaint", "CallbackRecorded", {"channel": "phone", "satisfied": n % 5 != 0,
         "comments": None}),
        ("complaint", "ComplaintClosed", {"note": None}),
        ("sla", "SlaStopped", {"clock": "resolution", "cycle": 1, "stopped_at": at.isoformat(),
         "reason": "closed"}),
    ]  # fmt: skip
    versions: dict[str, int] = {}
    rows = []
    for i, (stream_type, event_type, data) in enumerate(steps):
        versions[stream_type] = versions.get(stream_type, 0) + 1
        rows.append((
            uuid.uuid4(), stream_type, cid, versions[stream_type], event_type, 1,
            at + timedelta(minutes=i), site, "bench", corr, None, json.dumps(data),
        ))  # fmt: skip
    return rows


async def fill_log(url: str, events: int) -> None:
    conn = await asyncpg.connect(url)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    try:
        n, written, chunk = 0, 0, 100_000
        while written < events:
            rows: list[tuple[Any, ...]] = []
            while len(rows) < chunk and written + len(rows) < events:
                rows.extend(lifecycle(n, start))
                n += 1
            await conn.copy_records_to_table(
                "events", schema_name="eventstore", records=rows, columns=EVENTS_COLUMNS
            )
            written += len(rows)
        await conn.execute("ANALYZE eventstore.events")
    finally:
        await conn.close()


async def raw_copy(url: str, table: str, source: str) -> tuple[int, float]:
    """COPY the rebuilt rows of ``table`` out, then into a fresh table like it (indexes built
    after, as the rebuild does): the write cost of the same rows with nothing else."""
    conn = await asyncpg.connect(url)
    try:
        buffer = io.BytesIO()
        await conn.copy_from_table(table, schema_name="projections", output=buffer, format="binary")
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.execute(
            f"CREATE TABLE bench_copy (LIKE projections.{table} INCLUDING ALL EXCLUDING INDEXES)"
        )
        indexes = await conn.fetch(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'projections' AND tablename = $1",
            table,
        )
        buffer.seek(0)
        started = time.perf_counter()
        await conn.copy_to_table("bench_copy", source=buffer, format="binary")
        for ix in indexes:
            definition = ix["indexdef"].replace(f"projections.{table} ", "bench_copy ")
            await conn.execute(definition.replace(" INDEX ", " INDEX bench_", 1))
        seconds = time.perf_counter() - started
        rows = int(await conn.fetchval("SELECT count(*) FROM bench_copy"))
        await conn.execute("DROP TABLE bench_copy")
        return rows, seconds
    finally:
        await conn.close()


async def main(events: int) -> None:
    with database() as url:
        conn = await db.connect(url)
        await db.migrate(conn, all_migrations())
        await conn.close()
        print(f"filling the log with {events:,} events …")
        await fill_log(url, events)
        print(f"\nrebuild vs raw COPY of the same rows, {events:,} events in the log\n")
        for label, make, table in (
            ("timeline", TimelineRebuild, "timeline"),
            ("register", lambda: RegisterRebuild("bench-secret"), "complaints"),
        ):
            report = await rebuild(url, make())
            rows, copy_seconds = await raw_copy(url, table, label)
            copy_rate = report.events / copy_seconds
            print(
                f"rebuild {label:<9} {report.events:>9,} events in {report.seconds:6.1f}s "
                f"= {report.events_per_second:>9,.0f} events/s   "
                f"(rows: {', '.join(f'{t} {n:,}' for t, n in report.rows.items())}; "
                f"swap {report.swap_seconds * 1000:.0f} ms)"
            )
            print(
                f"raw COPY  {label:<9} {rows:>9,} rows   in {copy_seconds:6.1f}s "
                f"(same rows and indexes; as events/s: {copy_rate:,.0f})"
            )
            verdict = "met" if report.events_per_second >= 50_000 else "NOT met"
            print(
                f"rebuild / raw COPY: {report.seconds / copy_seconds:.1f}x the time; "
                f"target ≥ 50,000 events/s: {verdict}\n"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(main(args.events))
