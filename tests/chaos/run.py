"""The fault-injection run: a workload of full lifecycles while faults strike, then a drain,
then the checks, then the report."""

import asyncio
import itertools
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import httpx
from tqdm import tqdm

from complaint_desk.shared import eventstore
from complaint_desk.tools.devstack.apache_kafka import KafkaCluster
from tests.credentials import ADMIN

from . import checks, kafka_faults
from .system import ChaosSystem, FaultRecord
from .workload import Workload

# Thresholds fall due within the run, so that firing them is tested under the faults too.
FAST_SLA = {
    "levels": {
        level: {"response": {"seconds": r}, "resolution": {"seconds": f}, "calendar": "24x7"}
        for level, r, f in (("L1", 2, 6), ("L2", 4, 12), ("L3", 8, 30))
    }
}
CONTACT_SECRET = "chaos-secret"


@dataclass(frozen=True)
class Profile:
    name: str
    complaints: int
    concurrency: int
    fault_every: float
    drain_within: float = 240.0
    seed: int = 7
    lifecycle_within: float = 300.0
    kafka_brokers: int = 0  # 0: the embedded broker; 3: an Apache Kafka cluster


PROFILES = {
    "short": Profile("short", complaints=24, concurrency=4, fault_every=1.5),
    "long": Profile("long", complaints=10_000, concurrency=24, fault_every=30.0, drain_within=900),
}


@dataclass
class Report:
    profile: Profile
    acknowledged: int
    faults: list[FaultRecord]
    results: list[checks.Check]
    workload: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return sum(c.lost for c in self.results)

    @property
    def duplicated(self) -> int:
        return sum(c.duplicated for c in self.results)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.results) and all(
            f.recovered_after is not None for f in self.faults
        )

    def lines(self) -> list[str]:
        p = self.profile
        on = f" on {p.kafka_brokers} Apache Kafka brokers" if p.kafka_brokers else ""
        out = [
            f"chaos, {p.name} profile{on}: at least {p.complaints} lifecycles, a fault every "
            f"{p.fault_every:g} s, {self.seconds:.0f} s in all",
            "workload: " + ", ".join(f"{k} {v}" for k, v in self.workload.items()),
            "faults (time to recover: every service healthy and a new complaint readable):",
        ]
        for f in self.faults:
            took = f"{f.recovered_after:.1f} s" if f.recovered_after is not None else "NEVER"
            out.append(f"  {f.name:<44} {took}")
        out.append("checks:")
        for c in self.results:
            mark = "ok  " if c.ok else "FAIL"
            out.append(
                f"  {mark} {c.name}: {c.checked} checked, {c.lost} lost, {c.duplicated} duplicated"
            )
            out.extend(f"         {problem}" for problem in c.problems[:5])
        out.append(
            f"{self.acknowledged} acknowledged, {self.lost} lost, {self.duplicated} duplicated"
        )
        return out


def _faults(system: ChaosSystem) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    jumps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("SLA clock jumps 1 h ahead, then back", lambda: system.jump_sla_clock("+1h", 3)),
    ]
    # A pause long enough for the group to drop the paused member and hand its partitions on.
    session = int(system.stack.services["sla"].env["KAFKA_SESSION_TIMEOUT_MS"]) / 1000
    pause_for = session + 2
    pause = system.pause
    if isinstance(system.broker, KafkaCluster):
        kill_one, kill_leader, pause_one, rolling = kafka_faults.faults(system.broker)
        broker_faults = [kill_one, kill_leader, pause_one, rolling]
    else:
        broker_faults = [("broker restart (the embedded one empties)", system.restart_broker)]
    return [
        ("kill -9 intake", lambda: system.kill("intake")),
        broker_faults[0],
        ("kill -9 projections", lambda: system.kill("projections")),
        ("SIGSTOP sla past its session timeout", lambda: pause("sla", pause_for)),
        *broker_faults[1:2],
        ("kill -9 notify", lambda: system.kill("notify")),
        ("PostgreSQL restart", system.restart_postgres),
        *broker_faults[2:3],
        ("webhook receiver down for 3 s", lambda: system.webhook_outage("chaos", 3)),
        ("kill -9 sla", lambda: system.kill("sla")),
        *broker_faults[3:],
        ("SIGSTOP projections past its session timeout", lambda: pause("projections", pause_for)),
    ] + (jumps if system.can_jump_clocks else [])  # fmt: skip


async def _subscribe_webhook(system: ChaosSystem) -> None:
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        r = await client.post(
            f"{system.url('notify')}/subscriptions",
            json={"name": "chaos", "event_types": ["ComplaintReceived", "ComplaintClosed"],
                  "channel": "webhook", "destination": system.http.url("chaos")},
        )  # fmt: skip
        r.raise_for_status()
        system.http.secrets["chaos"] = [r.json()["secret"]]


async def _readable(pool: asyncpg.Pool, complaint: object) -> bool:
    try:
        return bool(
            await pool.fetchval("SELECT 1 FROM projections.complaints WHERE id = $1", complaint)
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False


async def run(profile: Profile, *, progress: bool = True) -> Report:
    started = time.monotonic()
    name = f"{profile.name}-kafka" if profile.kafka_brokers else profile.name
    system = await asyncio.to_thread(ChaosSystem.start, name, sla_env(), profile.kafka_brokers)
    try:
        await _subscribe_webhook(system)
        async with Workload(
            system.url("intake"),
            system.database_url,
            system.bootstrap,
            profile.name,
            seed=profile.seed,
        ) as workload:
            report = await _run(system, workload, profile, progress)
        report.seconds = time.monotonic() - started
        return report
    finally:
        await asyncio.to_thread(system.stop)


async def _run(system: ChaosSystem, workload: Workload, profile: Profile, progress: bool) -> Report:
    bar = tqdm(total=profile.complaints, desc="lifecycles", disable=not progress)
    gate = asyncio.Semaphore(profile.concurrency)
    probes = itertools.count(1_000_000)

    async def lifecycle(n: int) -> None:
        try:
            # A lifecycle that cannot finish is a finding, not a reason to hang the run.
            await asyncio.wait_for(workload.lifecycle(n), profile.lifecycle_within)
            bar.update(1)
        except TimeoutError:
            raise AssertionError(
                f"lifecycle {n} did not finish within {profile.lifecycle_within} s"
            ) from None
        finally:
            gate.release()

    async def probe() -> bool:
        complaint = await workload.receive(next(probes))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if await _readable(workload.pool, complaint):  # type: ignore[arg-type]
                return True
            await asyncio.sleep(0.2)
        return False

    # Lifecycles keep starting until at least ``complaints`` have and every fault has struck
    # once (the long profile goes on striking until its complaints are done).
    faults_done = asyncio.Event()
    started: list[asyncio.Task[None]] = []

    async def start_lifecycles() -> None:
        for n in itertools.count():
            if n >= profile.complaints and faults_done.is_set():
                return
            await gate.acquire()  # released when the lifecycle ends
            started.append(asyncio.create_task(lifecycle(n)))

    starter = asyncio.create_task(start_lifecycles())
    schedule = _faults(system)
    moments = random.Random(profile.seed)
    for i, (name, fault) in enumerate(itertools.cycle(schedule)):
        # At random moments (repeatable by the seed): half to one and a half intervals apart.
        await asyncio.sleep(profile.fault_every * moments.uniform(0.5, 1.5))
        if i >= len(schedule) and (starter.done() or len(started) >= profile.complaints):
            break
        bar.set_postfix_str(name)
        await system.inject(name, fault, probe)
        if i == len(schedule) - 1 and profile.name == "short":
            break
    faults_done.set()
    await starter
    await asyncio.gather(*started)
    bar.close()
    # Poison once the last broker restart is behind us, so that Kafka still holds it.
    poison = await workload.poison()
    pool = workload.pool
    assert pool is not None
    results = await _drain_and_check(system, workload, pool, profile, poison)
    t = workload.tally
    return Report(
        profile=profile,
        acknowledged=len(t.acks),
        faults=system.faults,
        results=results,
        workload={
            "lifecycles completed": t.completed, "retries": t.retries,
            "answers lost and found done": t.ambiguous,
            "integration messages": t.integration_messages,
            "duplicated on purpose": t.duplicates_sent, "reordered on purpose": t.reordered,
            "resent by the other system": t.resent,
            "poison messages": len(poison),
        },
    )  # fmt: skip


async def _drain(pool: asyncpg.Pool, poison: list[bytes], deadline: float) -> None:
    """Until every consumer has the whole log, nothing is stuck, and the log did not grow
    meanwhile (or the deadline passes: the checks then say what is missing)."""
    while time.monotonic() < deadline:
        head = await eventstore.head(pool)
        caught_up = await checks.consumers_caught_up(pool)
        stuck = await checks.nothing_stuck(pool)
        parked = await checks.poison_parked(pool, poison)
        quiet = await eventstore.head(pool) == head
        if caught_up.ok and stuck.ok and parked.lost == 0 and quiet:
            return
        await asyncio.sleep(1)  # polling the effect: the drain itself


async def _drain_and_check(
    system: ChaosSystem,
    workload: Workload,
    pool: asyncpg.Pool,
    profile: Profile,
    poison: list[bytes],
) -> list[checks.Check]:
    deadline = time.monotonic() + profile.drain_within
    for _ in range(5):
        await _drain(pool, poison, deadline)
        # SLA timers still fall due after the workload ends: checks taken while one fires
        # see its event in flight (not yet relayed, not yet replayed), not a fault. They count
        # only if the log stood still while they were taken; else drain and take them again.
        head = await eventstore.head(pool)
        results = [
            await checks.acknowledged_in_store(pool, workload.tally.acks),
            await checks.consumers_caught_up(pool),
            await checks.read_models_equal_replay(system.database_url, CONTACT_SECRET),
            await checks.side_effects_once(pool),
            await checks.webhooks_received(
                pool, [h["headers"] for h in system.http.for_hook("chaos")]
            ),
            await checks.sla_fired_once(pool),
            await checks.poison_parked(pool, poison),
            await checks.nothing_stuck(pool),
        ]
        if all(c.ok for c in results) or await eventstore.head(pool) == head:
            break
    return results


def sla_env() -> dict[str, str]:
    return {
        "SLA_DEFAULT_POLICY": json.dumps(FAST_SLA),
        "PROJECTIONS_CONTACT_KEY_SECRET": CONTACT_SECRET,
    }
