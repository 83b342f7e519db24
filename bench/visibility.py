"""End-to-end visibility and cost, on the embedded broker and on three Apache Kafka brokers in
the same run: complaints POSTed at steady rates to the whole system (four service processes),
each followed until it is readable in the register, its SLA clocks are planned and its first
notification is queued; with each service's CPU per complaint and the work done twice (events
a consumer saw again and skipped) per complaint.

The baseline, measured in the same run, is the POST's own round trip (the command made
durable); each effect adds what the relay, the broker and its consumer take.

    python -m bench.visibility                                  (50, 100, 150, 200/s; both)
    python -m bench.visibility --rates 150 --seconds 60 --brokers kafka
    python -m bench.visibility --rates 30 --profile /tmp/flames   (py-spy flame graphs)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import asyncpg
from prometheus_client.parser import text_string_to_metric_families

from complaint_desk.shared.auth.secrets import new_token
from complaint_desk.tools.devstack.apache_kafka import KafkaCluster, provision
from complaint_desk.tools.devstack.broker import EmbeddedBroker
from complaint_desk.tools.devstack.postgres import free_port
from complaint_desk.tools.devstack.stack import SERVICES, Stack

from .common import Figure, database

SITES = ["HQ", "NB", "SB", "EA", "WE"]
TOKEN = new_token()  # the benchmark's own organisation admin
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Each effect of a complaint, and how to see it: the ids among those asked for that have it.
EFFECTS = {
    "register": "SELECT id FROM projections.complaints WHERE id = ANY($1::uuid[])",
    "SLA clocks": "SELECT DISTINCT complaint_id FROM sla.clocks"
    " WHERE complaint_id = ANY($1::uuid[])",
    "notification": "SELECT DISTINCT complaint_id FROM notify.deliveries"
    " WHERE complaint_id = ANY($1::uuid[])",
}
SATURATED_P99_MS = 1000  # the highest steady rate whose every effect's p99 stays under this


def body(n: int) -> dict[str, object]:
    return {
        "complainant_name": "陳小明", "department": "總務", "phone": f"0912{n % 10**6:06d}",
        "site": SITES[n % len(SITES)], "location": f"{n % 50}F 茶水間",
        "category": "repair_delay", "description": "飲水機故障已一週仍未維修", "urgency": "normal",
        "channel": "phone", "receiving_officer": f"officer-{n % 20}",
    }  # fmt: skip


@dataclass
class Result:
    broker: str
    rate: float
    ack: Figure
    effects: dict[str, Figure]
    missing: dict[str, int]
    cpu_ms: dict[str, float]  # per complaint, by service
    duplicates: float  # events seen again and skipped, per complaint, all consumers
    caught_up: float  # events applied from the log's catch-up rather than Kafka, per complaint

    @property
    def worst_p99(self) -> float:
        return max(f.percentile(99) for f in self.effects.values())


async def watch(
    url: str, pending: dict[str, dict[UUID, float]], seen: dict[str, dict[UUID, float]],
    done: asyncio.Event,
) -> None:  # fmt: skip
    """Poll for each effect of the complaints posted and not yet seen (every 10 ms); stops
    once ``done`` is set and nothing is pending, or 30 s after ``done``."""
    conn = await asyncpg.connect(url)
    try:
        deadline = float("inf")
        while True:
            if done.is_set():
                deadline = min(deadline, time.perf_counter() + 30)
                if not any(pending.values()) or time.perf_counter() > deadline:
                    break
            for effect, query in EFFECTS.items():
                waiting = pending[effect]
                if waiting:
                    rows = await conn.fetch(query, list(waiting))
                    now = time.perf_counter()
                    for (found,) in rows:
                        seen[effect][found] = now - waiting.pop(found)
            await asyncio.sleep(0.01)
    finally:
        await conn.close()


async def index_for_the_watcher(url: str) -> None:
    """The product never looks deliveries up by complaint, so it has no index for it; the
    watcher does, every 10 ms, and without one its scans of the growing queue took a sixth
    of a core from the system it measures (pg_stat_statements at 100/s)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE INDEX IF NOT EXISTS bench_deliveries_by_complaint"
            " ON notify.deliveries (complaint_id)"
        )
    finally:
        await conn.close()


async def load(
    intake: str, url: str, rate: float, seconds: float
) -> tuple[Figure, dict[str, Figure], dict[str, int]]:
    pending: dict[str, dict[UUID, float]] = {e: {} for e in EFFECTS}
    seen: dict[str, dict[UUID, float]] = {e: {} for e in EFFECTS}
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
            # Watched from its answer on, timed from its send: nothing of a complaint can be
            # seen before intake has made it durable.
            for effect in EFFECTS:
                pending[effect][UUID(answer["id"])] = sent

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
    missing = {e: len(p) for e, p in pending.items()}
    missing["POST failed"] = errors
    ack = Figure("POST → 201 (baseline)", len(acks), elapsed, acks)
    effects = {e: Figure(e, len(s), elapsed, list(s.values()) or [0.0]) for e, s in seen.items()}
    return ack, effects, missing


def _cpu_seconds(stack: Stack) -> dict[str, float]:
    """Each service process's CPU time so far (user + system, from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, service in stack.services.items():
        assert service.process is not None
        fields = Path(f"/proc/{service.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        out[name] = (int(fields[11]) + int(fields[12])) / ticks
    return out


async def _consumed(stack: Stack) -> dict[tuple[str, str], float]:
    """desk_consumer_events_total over every service, by (source, outcome)."""
    totals: dict[tuple[str, str], float] = {}
    async with aiohttp.ClientSession() as session:
        for name in SERVICES:
            async with session.get(f"{stack.url(name)}/metrics") as r:
                text = await r.text()
            for family in text_string_to_metric_families(text):
                if family.name != "desk_consumer_events":
                    continue
                for sample in family.samples:
                    if sample.name.endswith("_total"):
                        key = (sample.labels["source"], sample.labels["outcome"])
                        totals[key] = totals.get(key, 0.0) + sample.value
    return totals


@contextmanager
def broker(kind: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The broker's address and the services' settings for it (as `desk run` and compose's
    ha profile set them)."""
    if kind == "embedded":
        embedded = EmbeddedBroker(free_port()).start()
        try:
            yield embedded.bootstrap_servers, {}
        finally:
            embedded.stop()
        return
    if shutil.which("java") is None or shutil.which("mvn") is None:
        raise SystemExit("Apache Kafka needs a JDK and Maven (the polyglot machine has both)")
    cluster = KafkaCluster(Path(tempfile.mkdtemp(prefix="desk-bench-kafka-")), 3, provision())
    cluster.start()
    try:
        yield (
            cluster.bootstrap_servers,
            {
                "KAFKA_REPLICATION_FACTOR": "3",
                "KAFKA_IDEMPOTENT_PRODUCER": "true",
                "KAFKA_SESSION_TIMEOUT_MS": "10000",
                "KAFKA_HEARTBEAT_INTERVAL_MS": "3000",
            },
        )
    finally:
        cluster.destroy()


# py-spy's formats: an SVG to look at, or collapsed stacks ("raw") to sum up by function.
PROFILE_SUFFIX = {"flamegraph": "svg", "raw": "txt", "speedscope": "json"}
PROFILE_FORMAT = "flamegraph"


def profilers(stack: Stack, folder: Path | None, label: str, seconds: float) -> list[Any]:
    """py-spy recording each service for ``seconds`` (flame graphs as artifacts), if asked."""
    if folder is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    started = []
    for name, service in stack.services.items():
        assert service.process is not None
        out = folder / f"{name}-{label}.{PROFILE_SUFFIX[PROFILE_FORMAT]}"
        started.append(subprocess.Popen(
            [spy, "record", "--pid", str(service.process.pid), "--duration", str(int(seconds)),
             "--rate", "50", "--format", PROFILE_FORMAT, "--output", str(out), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
    return started


async def measure(
    kind: str, rates: list[float], seconds: float, profile: Path | None = None
) -> list[Result]:
    results = []
    receiver_port = free_port()
    receiver = subprocess.Popen(  # noqa: ASYNC220 - started once, before the clock runs
        [sys.executable, "-m", "bench.receiver", str(receiver_port)]
    )
    try:
        with database() as url, broker(kind) as (servers, broker_env):
            ports = {name: free_port() for name in SERVICES}
            logs = Path(tempfile.mkdtemp(prefix="desk-bench-logs-"))
            env = {
                "LOG_LEVEL": "WARNING",
                "KAFKA_FETCH_MAX_WAIT_MS": "50",
                "RATE_LIMIT_PER_SECOND": "0",  # the load comes from one client
                "BOOTSTRAP_ADMIN_TOKEN": TOKEN,
                "NOTIFY_SMS_GATEWAY_URL": f"http://127.0.0.1:{receiver_port}/ok/sms",
                "NOTIFY_SMS_DAILY_TOTAL_CAP": "10000000",
                "NOTIFY_EMAIL_DAILY_TOTAL_CAP": "10000000",
                **broker_env,
            }
            stack = Stack(url, servers, logs, ports=ports, extra_env=env)
            stack.start(timeout=180)
            try:
                intake = stack.url("intake")
                await index_for_the_watcher(url)
                print(f"[{kind}] warming up (logs in {logs}) …", flush=True)
                await load(intake, url, 50, 4)
                idle = await idle_cpu(stack, IDLE_SECONDS)
                print(idle_line(kind, idle), flush=True)
                for rate in rates:
                    cpu, consumed = _cpu_seconds(stack), await _consumed(stack)
                    spies = profilers(stack, profile, f"{kind}-{rate:.0f}", seconds)
                    ack, effects, missing = await load(intake, url, rate, seconds)
                    for spy in spies:
                        spy.wait(timeout=seconds + 60)
                    spent = {k: v - cpu[k] for k, v in _cpu_seconds(stack).items()}
                    after = await _consumed(stack)
                    delta = {k: v - consumed.get(k, 0.0) for k, v in after.items()}
                    n = max(ack.count, 1)
                    result = Result(
                        kind, rate, ack, effects, missing,
                        {k: v * 1000 / n for k, v in spent.items()},
                        sum(v for (_, outcome), v in delta.items() if outcome == "duplicate") / n,
                        delta.get(("catch_up", "applied"), 0.0) / n,
                    )  # fmt: skip
                    print(line(result), flush=True)
                    results.append(result)
            finally:
                stack.stop()
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    return results


# Long enough to span several catch-up rounds (2 s) and outbox polls.
IDLE_SECONDS = 10.0


async def idle_cpu(stack: Stack, seconds: float) -> dict[str, float]:
    """Each service's CPU in ms per second while no complaint arrives: what its polling
    loops (Kafka fetches, catch-up, the relay, gauges) cost whatever the load."""
    before = _cpu_seconds(stack)
    await asyncio.sleep(seconds)  # the measurement itself: time passing with nothing to do
    return {k: (v - before[k]) * 1000 / seconds for k, v in _cpu_seconds(stack).items()}


def idle_line(kind: str, idle: dict[str, float]) -> str:
    each = " ".join(f"{k} {v:.0f}" for k, v in idle.items())
    total = sum(idle.values())
    return (f"{kind:<10} idle, CPU per second: {each}; all {total:.0f} ms/s "
            f"(at 100/s, {total / 100:.1f} ms of each complaint's CPU)")  # fmt: skip


def line(r: Result) -> str:
    effects = "  ".join(
        f"{name} p50 {f.percentile(50):5.0f} p99 {f.percentile(99):5.0f} ms"
        for name, f in r.effects.items()
    )
    cpu = " ".join(f"{k} {v:.1f}" for k, v in r.cpu_ms.items())
    lost = {k: v for k, v in r.missing.items() if v}
    return (
        f"{r.broker:<8} {r.rate:>5.0f}/s asked {r.ack.rate:>5.0f}/s done  POST p99 "
        f"{r.ack.percentile(99):5.0f} ms  {effects}\n"
        f"{'':<8} CPU per complaint: {cpu}; all {sum(r.cpu_ms.values()):.1f} ms   "
        f"duplicates {r.duplicates:.2f}/complaint, caught up {r.caught_up:.2f}/complaint"
        + (f"   !! never seen: {lost}" if lost else "")
    )


def report(results: list[Result]) -> None:
    print("\nside by side (p99 of the slowest effect; CPU summed over the four services)")
    rates = sorted({r.rate for r in results})
    kinds = sorted({r.broker for r in results})
    print(f"{'rate':>6}  " + "  ".join(f"{k:>34}" for k in kinds))
    for rate in rates:
        cells = []
        for kind in kinds:
            found = [r for r in results if r.broker == kind and r.rate == rate]
            cells.append(
                f"{found[0].worst_p99:>8.0f} ms p99, {sum(found[0].cpu_ms.values()):>5.1f} ms CPU"
                if found else f"{'—':>34}"
            )  # fmt: skip
        print(f"{rate:>5.0f}/s  " + "  ".join(f"{c:>34}" for c in cells))
    for kind in kinds:
        steady = [r.rate for r in results if r.broker == kind and r.worst_p99 < SATURATED_P99_MS
                  and not any(r.missing.values())]  # fmt: skip
        saturating = f"{max(steady):.0f}/s" if steady else "below the lowest rate measured"
        print(f"{kind}: saturating rate (every effect's p99 < 1 s) {saturating}")
    for r in results:
        if r.rate == 150:
            ok = r.worst_p99 < 250 and not any(r.missing.values())
            print(
                f"{r.broker}: 150/s with every effect's p99 < 250 ms: {'met' if ok else 'NOT met'}"
            )
        if r.rate == 100:
            cpu = sum(r.cpu_ms.values())
            print(f"{r.broker}: CPU per complaint at 100/s {cpu:.1f} ms; target ≤ 5 ms: "
                  f"{'met' if cpu <= 5 else 'NOT met'}")  # fmt: skip


async def main(
    rates: list[float], seconds: float, brokers: list[str], profile: Path | None
) -> None:
    results = []
    for kind in brokers:
        results += await measure(kind, rates, seconds, profile)
    report(results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 100, 150, 200])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--brokers", nargs="+", choices=["embedded", "kafka"],
                        default=["embedded", "kafka"])  # fmt: skip
    parser.add_argument("--profile", type=Path, help="a folder for py-spy's flame graphs")
    parser.add_argument("--profile-format", choices=sorted(PROFILE_SUFFIX), default="flamegraph")
    args = parser.parse_args()
    PROFILE_FORMAT = args.profile_format
    asyncio.run(main(args.rates, args.seconds, args.brokers, args.profile))
