"""Two SLA replicas share the timers; one is killed (SIGKILL) mid-run, later the other too.
Every threshold of every complaint still fires exactly once, overdue ones as soon as a
replica is back."""

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import httpx

from complaint_desk.tools.devstack.postgres import free_port
from complaint_desk.tools.devstack.stack import ServiceProcess
from conftest import eventually
from tests.credentials import ADMIN

from .conftest import System
from .helpers import post_complaint

SITE = "REPL"
# Seconds, so that the thresholds fall due while the test watches: 1.5 / 2.25 / 3 s for the
# response, 3 / 4.5 / 6 s for the resolution.
FAST_L1 = {"response": {"seconds": 3}, "resolution": {"seconds": 6}, "calendar": "24x7"}
SLOW = {"response": {"hours": 2}, "resolution": {"hours": 8}, "calendar": "24x7"}


async def _fired(pool: asyncpg.Pool, ids: list[UUID]) -> Counter[tuple[UUID, str, str]]:
    rows = await pool.fetch(
        "SELECT stream_id, data->>'clock' AS clock, event_type, data->>'fraction' AS fraction"
        " FROM eventstore.events WHERE stream_type = 'sla' AND stream_id = ANY($1)"
        " AND event_type IN ('SlaWarningReached', 'SlaBreached')",
        ids,
    )
    return Counter((r["stream_id"], r["clock"], r["fraction"] or "breach") for r in rows)


async def _planned(pool: asyncpg.Pool, ids: list[UUID]) -> int:
    """How many of the complaints have their timers planned."""
    return int(
        await pool.fetchval(
            "SELECT count(DISTINCT complaint_id) FROM sla.timers WHERE complaint_id = ANY($1)", ids
        )
    )


async def _until(instant: datetime) -> None:
    """Let the real clock reach ``instant`` (a deadline of the scenario, not a guess)."""
    await asyncio.sleep(max(0.0, (instant - datetime.now(UTC)).total_seconds()) + 0.1)


async def _diagnose(pool: asyncpg.Pool, ids: list[UUID]) -> str:
    fired = await _fired(pool, ids)
    missing = [i for i, cid in enumerate(ids) if sum(1 for k in fired if k[0] == cid) < 6]
    lines = [f"complaints missing thresholds (by posting order): {missing}"]
    for i in missing[:3]:
        cid = ids[i]
        timers = await pool.fetch(
            "SELECT clock, threshold, due_at, fired_at FROM sla.timers WHERE complaint_id = $1", cid
        )
        applied = await pool.fetchval(
            "SELECT version FROM consumers.stream_positions"
            " WHERE consumer = 'sla.clocks' AND stream_id = $1",
            cid,
        )
        stream = await pool.fetch(
            "SELECT version, event_type, data->>'clock' AS clock, data->>'fraction' AS f,"
            " recorded_at FROM eventstore.events WHERE stream_type = 'sla' AND stream_id = $1"
            " ORDER BY version",
            cid,
        )
        lines.append(f"#{i}: applied version {applied}, timers {[tuple(t) for t in timers]}")
        lines.append(f"#{i}: sla stream {[tuple(e) for e in stream]}")
    return "\n".join(lines)


async def test_thresholds_fire_exactly_once_across_replicas_and_kills(
    system: System, system_db: asyncpg.Pool
) -> None:
    first = system.stack.services["sla"]
    second = ServiceProcess("sla", free_port(), first.env, first.log_dir / "replica-2")
    second.start()
    await asyncio.to_thread(second.wait_healthy)
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        policy = {"levels": {"L1": FAST_L1, "L2": SLOW, "L3": SLOW}}
        r = await client.put(f"{first.url}/policies/{SITE}", json=policy)
        assert r.status_code == 200, r.text
        ids: list[UUID] = []
        for i in range(24):
            created = await post_complaint(
                client, system.url("intake"), site=SITE, category="safety"
            )
            ids.append(UUID(created["id"]))
            if i == 8:
                first.kill()  # SIGKILL, mid-run: its claimed-but-uncommitted timers go back
            await asyncio.sleep(0.1)  # pacing: the kill falls in the middle of the stream

        async def planned() -> bool:
            return await _planned(system_db, ids) == len(ids)

        # The surviving replica has planned every clock, and fires them as they fall due.
        assert await eventually(planned, within=60), await _diagnose(system_db, ids)
        second.stop(signal.SIGKILL)  # now no replica runs; thresholds fall due meanwhile
        last_received = None
        for _ in range(6):
            created = await post_complaint(
                client, system.url("intake"), site=SITE, category="safety"
            )
            ids.append(UUID(created["id"]))
            last_received = datetime.fromisoformat(created["received_at"])
        assert last_received is not None
        # Not a synchronisation: the scenario is a replica that comes back to thresholds
        # already overdue, so the real clock must pass the last resolution deadline first.
        await _until(last_received + timedelta(seconds=FAST_L1["resolution"]["seconds"]))
        first.start()
        await asyncio.to_thread(first.wait_healthy)

        async def all_fired(of: list[UUID]) -> bool:
            return len(await _fired(system_db, of)) == len(of) * 6

        assert await eventually(lambda: all_fired(ids), within=60), await _diagnose(system_db, ids)
        # And nothing fires a second time: a sentinel complaint's thresholds, due after all
        # of theirs, fire after any repeat of theirs would have.
        sentinel = await post_complaint(client, system.url("intake"), site=SITE, category="safety")
        assert await eventually(lambda: all_fired([UUID(sentinel["id"])]), within=60)
        fired = await _fired(system_db, ids)
        assert len(fired) == len(ids) * 6
        assert set(fired.values()) == {1}, "exactly once each"
        sla = (await client.get(f"{first.url}/complaints/{ids[0]}/sla")).json()
        assert sla["breached_now"] and all(
            t["fired_at"] for c in sla["clocks"] for t in c["thresholds"]
        )
    second.stop()
