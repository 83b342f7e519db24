"""SLA timers at scale: 1,000,000 active timers scheduled, then 10,000 falling due within one
minute, fired by the real sla service process. Beside it, in the same run, a PostgreSQL job
queue (pgqueuer) doing the same work: the baseline a user would otherwise pick.

Reports the schedule rate, firing lateness p50/p99 and the firing process's peak RSS.
Targets: lateness p99 < 50 ms, RSS < 256 MB, at least 20,000 timers/s scheduled.

    make bench        (or: python -m bench.sla_timers --active 1000000 --due 10000)
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import asyncpg
from tqdm import tqdm

from complaint_desk.services.sla.repository import TimerRow, arm_timers
from complaint_desk.shared import db
from complaint_desk.tools.cli import all_migrations
from complaint_desk.tools.devstack.postgres import free_port

from .common import database

WRITERS = 4
BATCH = 2000
WINDOW = 60.0  # seconds over which the due timers spread
LEAD = 10.0  # seconds before the first one falls due


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def schedule(total: int, insert: Callable[[int], Awaitable[None]], label: str) -> float:
    """Insert ``total`` timers in batches from several writers; timers per second."""
    batches = [min(BATCH, total - i) for i in range(0, total, BATCH)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    bar = tqdm(total=total, desc=label, unit="timers", leave=False)

    async def writer() -> None:
        while not queue.empty():
            size = queue.get_nowait()
            await insert(size)
            bar.update(size)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    bar.close()
    return total / (time.perf_counter() - started)


def due_times(count: int) -> list[datetime]:
    start = datetime.now(UTC) + timedelta(seconds=LEAD)
    return [start + timedelta(seconds=WINDOW * i / count) for i in range(count)]


async def watch(
    process: subprocess.Popen[bytes], done: Callable[[], Awaitable[int]], want: int
) -> float:
    """Wait until ``want`` have fired; the process's peak RSS meanwhile (MB)."""
    peak = 0.0
    deadline = time.monotonic() + LEAD + WINDOW + 90
    bar = tqdm(total=want, desc="firing", unit="timers", leave=False)
    fired = 0
    while fired < want and time.monotonic() < deadline:
        peak = max(peak, rss_mb(process.pid))
        now = await done()
        bar.update(now - fired)
        fired = now
        await asyncio.sleep(0.5)
    bar.close()
    if fired < want:
        print(f"  only {fired} of {want} fired in time")
    return peak


def percentiles(lateness: list[float]) -> tuple[float, float]:
    ordered = sorted(lateness)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return p(0.50), p(0.99)


async def bench_sla(url: str, active: int, due: int) -> dict[str, float]:
    pool = await db.create_pool(url, min_size=WRITERS, max_size=WRITERS + 2)
    far = datetime.now(UTC) + timedelta(days=30)

    async def insert_far(size: int) -> None:
        rows: list[TimerRow] = [
            (uuid4(), "resolution", 1, "breach", 1.0, "duty_manager", "BENCH", "L3", far)
            for _ in range(size)
        ]
        async with pool.acquire() as conn, conn.transaction():
            await arm_timers(conn, rows)

    rate = await schedule(active, insert_far, "sla: scheduling")
    rows = [(uuid4(), "response", 1, "breach", 1.0, "duty_manager", "BENCH", "L1", t)
            for t in due_times(due)]  # fmt: skip
    async with pool.acquire() as conn, conn.transaction():
        await arm_timers(conn, rows)
    due_ids = [r[0] for r in rows]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",  # timers need no broker
        "SLA_PORT": str(free_port()),
        "LOG_LEVEL": "WARNING",
        "DESK_PROFILE": "development",  # a benchmark on one machine: development secrets do
    }
    service = subprocess.Popen([sys.executable, "-m", "complaint_desk.services.sla"], env=env,  # noqa: ASYNC220
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        count = (
            "SELECT count(*) FROM sla.timers WHERE complaint_id = ANY($1) AND fired_at IS NOT NULL"
        )
        peak = await watch(service, lambda: pool.fetchval(count, due_ids), due)
    finally:
        service.terminate()
        service.wait(30)
    late = await pool.fetch(
        "SELECT extract(epoch FROM fired_at - due_at)::float8 AS s FROM sla.timers"
        " WHERE complaint_id = ANY($1) AND fired_at IS NOT NULL",
        due_ids,
    )
    await pool.close()
    p50, p99 = percentiles([r["s"] for r in late])
    return {"rate": rate, "p50": p50, "p99": p99, "rss": peak, "fired": len(late)}


async def bench_pgqueuer(url: str, active: int, due: int) -> dict[str, float]:
    from pgqueuer import AsyncpgPoolDriver
    from pgqueuer.queries import Queries

    pool = await asyncpg.create_pool(url, min_size=WRITERS, max_size=WRITERS + 2)
    queries = Queries(AsyncpgPoolDriver(pool))
    await queries.install()
    await pool.execute("CREATE TABLE bench_pgq_done (due_at timestamptz, done_at timestamptz)")
    later = timedelta(days=30)

    async def insert_far(size: int) -> None:
        await queries.enqueue(["far"] * size, [b"{}"] * size, [0] * size, [later] * size)

    rate = await schedule(active, insert_far, "pgqueuer: scheduling")
    times = due_times(due)
    now = datetime.now(UTC)
    await queries.enqueue(
        ["deadline"] * due,
        [json.dumps({"due_at": t.isoformat()}).encode() for t in times],
        [0] * due,
        [t - now for t in times],
    )
    worker = subprocess.Popen([sys.executable, "-m", "bench.pgq_worker", url],  # noqa: ASYNC220
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        peak = await watch(
            worker, lambda: pool.fetchval("SELECT count(*) FROM bench_pgq_done"), due
        )
    finally:
        worker.terminate()
        worker.wait(30)
    late = await pool.fetch(
        "SELECT extract(epoch FROM done_at - due_at)::float8 AS s FROM bench_pgq_done"
    )
    await pool.close()
    p50, p99 = percentiles([r["s"] for r in late]) if late else (float("nan"), float("nan"))
    return {"rate": rate, "p50": p50, "p99": p99, "rss": peak, "fired": len(late)}


async def main(active: int, due: int) -> None:
    print(f"{active:,} active timers, then {due:,} due within {WINDOW:.0f} s\n")
    with database() as url:
        conn = await db.connect(url)
        await db.migrate(conn, all_migrations())
        await conn.close()
        ours = await bench_sla(url, active, due)
    with database() as url:
        baseline = await bench_pgqueuer(url, active, due)
    print(f"{'':28}{'sla service':>16}{'pgqueuer':>16}{'ratio':>10}")
    rows = [
        ("scheduled timers/s", "rate", "{:,.0f}"),
        ("lateness p50 (ms)", "p50", "{:,.1f}"),
        ("lateness p99 (ms)", "p99", "{:,.1f}"),
        ("peak RSS of the firer (MB)", "rss", "{:,.1f}"),
        ("fired", "fired", "{:,.0f}"),
    ]
    for label, key, fmt in rows:
        ratio = ours[key] / baseline[key] if baseline[key] else float("nan")
        print(
            f"{label:<28}{fmt.format(ours[key]):>16}{fmt.format(baseline[key]):>16}{ratio:>9.2f}x"
        )
    print()
    checks = [
        ("lateness p99 < 50 ms", ours["p99"] < 50),
        ("RSS < 256 MB", ours["rss"] < 256),
        ("≥ 20,000 timers/s scheduled", ours["rate"] >= 20_000),
        ("every due timer fired", ours["fired"] == due),
    ]
    for label, ok in checks:
        print(f"target {label}: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--active", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(main(args.active, args.due))
