"""The append path: events/s and latency with 1 and 16 concurrent writers, beside a raw
asyncpg insert of the same rows measured in the same run. An append is the event row, its
outbox row and the wake-up of the relay; the baseline is a plain INSERT of the same row.

    make bench            (or: python -m bench.append --events 4000)
"""

import argparse
import asyncio
import json
import time
from uuid import uuid4

import asyncpg

from complaint_desk.contract.events import Metadata
from complaint_desk.contract.events.complaints import ComplaintReceived
from complaint_desk.shared import db, eventstore
from complaint_desk.shared.outbox import OutboxNotifier
from complaint_desk.tools.cli import all_migrations

from .common import Figure, database, ratio_line

RAW_TABLE = """
CREATE TABLE IF NOT EXISTS bench_raw_events (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL, stream_type text NOT NULL, stream_id uuid NOT NULL,
    version integer NOT NULL, event_type text NOT NULL, schema_version integer NOT NULL,
    occurred_at timestamptz NOT NULL, site_id text NOT NULL, actor text NOT NULL,
    correlation_id uuid NOT NULL, causation_id uuid, data jsonb NOT NULL)
"""
RAW_INSERT = """
INSERT INTO bench_raw_events (event_id, stream_type, stream_id, version, event_type,
    schema_version, occurred_at, site_id, actor, correlation_id, causation_id, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text::jsonb)
"""


def sample_event() -> ComplaintReceived:
    return ComplaintReceived.model_validate(
        {
            "number": "HQ-20261129-0001",
            "complainant_name": "陳小明",
            "department": "財務部",
            "phone": "0912 345 678",
            "site": "HQ",
            "location": "3F 茶水間",
            "category": "repair_delay",
            "description": "飲水機故障已一週仍未維修",
            "urgency": "normal",
            "channel": "phone",
            "receiving_officer": "officer-wang",
            "received_at": "2026-11-29T08:00:00Z",
        }
    )


async def run_writers(pool: asyncpg.Pool, writers: int, total: int, write) -> Figure:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    per_writer = total // writers

    async def writer() -> None:
        async with pool.acquire() as conn:
            for _ in range(per_writer):
                started = time.perf_counter()
                await write(conn)
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    return Figure("", per_writer * writers, time.perf_counter() - started, latencies)


def merge(name: str, rounds: list[Figure]) -> Figure:
    """The round with the median rate, with every round's latencies."""
    middle = sorted(rounds, key=lambda f: f.rate)[len(rounds) // 2]
    latencies = [x for f in rounds for x in f.latencies]
    return Figure(name, middle.count, middle.seconds, latencies)


async def main(total: int, rounds: int) -> None:
    with database() as url:
        conn = await db.connect(url)
        await db.migrate(conn, all_migrations())
        await conn.execute(RAW_TABLE)
        await conn.close()
        pool = await db.create_pool(url, min_size=16, max_size=20)
        event = sample_event()
        meta = Metadata(site_id="HQ", actor="bench")
        data = json.dumps(event.model_dump(mode="json"), ensure_ascii=False)

        notifier = OutboxNotifier(pool)
        notifying = asyncio.create_task(notifier.run())

        async def append(conn: asyncpg.Connection) -> None:
            await eventstore.append(conn, uuid4(), [event], meta, expected_version=0)
            notifier.poke()

        async def raw(conn: asyncpg.Connection) -> None:
            await conn.execute(
                RAW_INSERT, uuid4(), "complaint", uuid4(), 1, "ComplaintReceived", 1,
                event.received_at, "HQ", "bench", meta.correlation_id, None, data,
            )  # fmt: skip

        print(
            f"append path vs raw asyncpg insert: {rounds} interleaved rounds of {total} events"
            " each, medians; fsync on\n"
        )
        for writers in (1, 16):
            await run_writers(pool, writers, 200, raw)  # warm up both paths
            await run_writers(pool, writers, 200, append)
            baselines, ours = [], []
            for _ in range(rounds):  # interleaved, so drift in the machine hits both alike
                baselines.append(await run_writers(pool, writers, total, raw))
                ours.append(await run_writers(pool, writers, total, append))
            baseline = merge(f"raw insert, {writers} writer(s)", baselines)
            mine = merge(f"event store append, {writers} writer(s)", ours)
            print(baseline.line())
            print(mine.line())
            target = 0.70 if writers == 16 else None
            print(ratio_line(f"append / raw, {writers} writer(s)", mine, baseline, target))
            print()
        notifying.cancel()
        await pool.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000, help="events per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.rounds))
