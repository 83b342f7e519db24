"""End-to-end visibility: from POST /complaints to the complaint being readable in the
register, at a steady 500 complaints/s, with the whole system running as separate processes
(intake → event store → outbox relay → Kafka → projections).

The baseline, measured in the same run, is the POST's own round trip (the command made
durable); visibility adds what the relay, the broker and the projector take.

    python -m bench.visibility                   (500/s for 20 s)
    python -m bench.visibility --rate 200 --seconds 10
"""

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from uuid import UUID

import aiohttp
import asyncpg

from complaint_desk.shared.auth.secrets import new_token
from complaint_desk.tools.devstack.broker import EmbeddedBroker
from complaint_desk.tools.devstack.postgres import free_port
from complaint_desk.tools.devstack.stack import SERVICES, Stack

from .common import Figure, database

SITES = ["HQ", "NB", "SB", "EA", "WE"]

TOKEN = new_token()  # the benchmark's own organisation admin
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def body(n: int) -> dict[str, object]:
    return {
        "complainant_name": "陳小明", "department": "總務", "phone": f"0912{n % 10**6:06d}",
        "site": SITES[n % len(SITES)], "location": f"{n % 50}F 茶水間",
        "category": "repair_delay", "description": "飲水機故障已一週仍未維修", "urgency": "normal",
        "channel": "phone", "receiving_officer": f"officer-{n % 20}",
    }  # fmt: skip


async def watch(
    url: str, pending: dict[UUID, float], seen: dict[UUID, float], done: asyncio.Event
) -> None:
    """Poll the register for the complaints posted and not yet seen (every 5 ms); stops once
    ``done`` is set and nothing is pending, or 30 s after ``done``."""
    conn = await asyncpg.connect(url)
    try:
        deadline = float("inf")
        while True:
            if done.is_set():
                deadline = min(deadline, time.perf_counter() + 30)
                if not pending or time.perf_counter() > deadline:
                    break
            ids = list(pending)
            if ids:
                rows = await conn.fetch(
                    "SELECT id FROM projections.complaints WHERE id = ANY($1::uuid[])", ids
                )
                now = time.perf_counter()
                for r in rows:
                    seen[r["id"]] = now - pending.pop(r["id"])
            await asyncio.sleep(0.005)
    finally:
        await conn.close()


async def load(intake: str, url: str, rate: float, seconds: float) -> tuple[Figure, Figure]:
    pending: dict[UUID, float] = {}
    seen: dict[UUID, float] = {}
    acks: list[float] = []
    errors = 0
    done = asyncio.Event()
    watcher = asyncio.create_task(watch(url, pending, seen, done))
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector, headers=AUTH) as session:

        async def post(n: int) -> None:
            nonlocal errors
            sent = time.perf_counter()
            async with session.post(f"{intake}/complaints", json=body(n)) as r:
                answer = await r.json()
            if r.status != 201:
                errors += 1
                return
            acks.append(time.perf_counter() - sent)
            # Watched from its answer on, timed from its send: a complaint cannot be readable
            # before intake has made it durable.
            pending[UUID(answer["id"])] = sent

        total = int(rate * seconds)
        started = time.perf_counter()
        tasks = []
        for n in range(total):  # open loop: a steady rate, whatever the answers' latency
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(n)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    done.set()
    await watcher
    if errors or pending:
        print(f"!! {errors} POSTs failed, {len(pending)} complaints never became visible")
    ack = Figure("POST → 201 (baseline)", len(acks), elapsed, acks)
    visible = Figure("POST → readable in the register", len(seen), elapsed, list(seen.values()))
    return ack, visible


def _cpu_seconds(stack: Stack) -> dict[str, float]:
    """Each service process's CPU time so far (user + system, from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, service in stack.services.items():
        assert service.process is not None
        fields = Path(f"/proc/{service.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        out[name] = (int(fields[11]) + int(fields[12])) / ticks
    return out


async def main(rate: float, seconds: float) -> None:
    with database() as url:
        broker = EmbeddedBroker(free_port()).start()
        ports = {name: free_port() for name in SERVICES}
        logs = Path(tempfile.mkdtemp(prefix="desk-bench-logs-"))
        # The embedded broker's profile, as `desk run` sets it.
        # (and no rate limit: the load comes from one client)
        env = {
            "LOG_LEVEL": "WARNING",
            "KAFKA_FETCH_MAX_WAIT_MS": "50",
            "RATE_LIMIT_PER_SECOND": "0",
            "BOOTSTRAP_ADMIN_TOKEN": TOKEN,
        }
        stack = Stack(url, broker.bootstrap_servers, logs, ports=ports, extra_env=env)
        stack.start(timeout=120)
        try:
            intake = stack.url("intake")
            print(f"warming up (logs in {logs}) …")
            await load(intake, url, 50, 4)
            print(f"\nvisibility at {rate:.0f} complaints/s for {seconds:.0f} s, whole system\n")
            before = _cpu_seconds(stack)
            ack, visible = await load(intake, url, rate, seconds)
            spent = {k: v - before[k] for k, v in _cpu_seconds(stack).items()}
            print(ack.line())
            print(visible.line())
            # CPU per complaint, by service: steadier than latency on a shared machine.
            print(
                "    CPU per complaint: "
                + ", ".join(f"{k} {v * 1000 / max(ack.count, 1):.1f} ms" for k, v in spent.items())
                + f"; all {sum(spent.values()) * 1000 / max(ack.count, 1):.1f} ms"
            )
            # Where the register's events came from: Kafka, or the catch-up from the log
            # when Kafka fell behind its grace period.
            metrics = f"{stack.url('projections')}/metrics"
            async with aiohttp.ClientSession() as session, session.get(metrics) as r:
                text = await r.text()
            for line in text.splitlines():
                if line.startswith('desk_consumer_events_total{consumer="projections.register"'):
                    print("   ", line)
            p99 = visible.percentile(99)
            print(
                f"visibility p99 {p99:.0f} ms = {p99 / ack.percentile(99):.1f}x the POST's p99; "
                f"achieved {ack.count / ack.seconds:,.0f}/s; "
                f"target p99 < 250 ms: {'met' if p99 < 250 else 'NOT met'}"
            )
        finally:
            stack.stop()
            broker.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.seconds))
