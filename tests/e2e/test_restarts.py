"""The embedded broker is memory-only: a restart empties it. No consumer may miss an event,
and none may apply one twice."""

import asyncio
from uuid import UUID

import asyncpg
import httpx
import pytest

from complaint_desk.shared import outbox
from conftest import eventually
from tests.credentials import ADMIN

from .conftest import System
from .helpers import post_complaint

CONSUMERS = ("projections.register", "sla.clocks", "notify.rules")


async def _post_many(
    client: httpx.AsyncClient, system: System, n: int, into: list[UUID] | None = None
) -> list[UUID]:
    created = [] if into is None else into
    for _ in range(n):
        created.append(UUID((await post_complaint(client, system.url("intake")))["id"]))
    return created


async def _at_least(items: list[UUID], count: int) -> bool:
    return len(items) >= count


async def _all_applied_once(pool: asyncpg.Pool, ids: list[UUID]) -> bool:
    register = await pool.fetchval(
        "SELECT count(*) FROM projections.complaints WHERE id = ANY($1)", ids
    )
    sla = await pool.fetchval(
        "SELECT count(*) FROM sla.clocks WHERE clock = 'response' AND complaint_id = ANY($1)",
        ids,
    )
    contacts = await pool.fetchval(
        "SELECT count(*) FROM notify.contacts WHERE complaint_id = ANY($1)", ids
    )
    caught_up = await pool.fetchval(
        "SELECT count(*) FROM consumers.stream_positions p"
        " JOIN (SELECT stream_id, max(version) AS version FROM eventstore.events"
        "       WHERE stream_type = 'complaint' GROUP BY stream_id) s USING (stream_id)"
        " WHERE p.stream_id = ANY($1) AND p.stream_type = 'complaint'"
        " AND p.version = s.version AND p.consumer = ANY($2)",
        ids,
        list(CONSUMERS),
    )
    return register == sla == contacts == len(ids) and caught_up == len(ids) * len(CONSUMERS)


async def _assert_exactly_once(pool: asyncpg.Pool, ids: list[UUID]) -> None:
    assert await eventually(lambda: _all_applied_once(pool, ids), within=60)
    # A second effect would have hit a primary key and been parked: there are none.
    assert await pool.fetchval("SELECT count(*) FROM consumers.dead_letters") == 0


async def test_broker_restart_mid_stream_loses_nothing_and_doubles_nothing(
    system: System, system_db: asyncpg.Pool
) -> None:
    if system.broker is None:
        pytest.skip("an external broker cannot be restarted from here")
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        before = await _post_many(client, system, 15)
        posted: list[UUID] = []
        writer = asyncio.create_task(_post_many(client, system, 15, into=posted))
        # Mid-stream: once the writer is a few complaints in, the broker goes.
        assert await eventually(lambda: _at_least(posted, 3), interval=0.01)
        await asyncio.to_thread(system.broker.restart)  # empties it: topics, records, offsets
        during = await writer
        after = await _post_many(client, system, 15)
    await _assert_exactly_once(system_db, before + during + after)
    assert await eventually(lambda: _outbox_drained(system_db)), "the relay caught up"


async def test_whole_stack_restart_keeps_the_data(system: System, system_db: asyncpg.Pool) -> None:
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        kept = await post_complaint(client, system.url("intake"), site="KEEP")
        await eventually(lambda: _exists(client, system, kept["id"]))
        system.stack.stop()
        if system.broker:
            system.broker.stop()
        if system.postgres:
            system.postgres.stop()
            system.postgres.start()
        if system.broker:
            system.broker.start()
        await asyncio.to_thread(system.stack.start)
        # The module's pool outlives the restart: its connections are new ones from here on,
        # so the tests after this one (in whatever order) find it working.
        await system_db.expire_connections()
        assert await system_db.fetchval("SELECT 1") == 1
        assert await _exists(client, system, kept["id"]), "still readable after the restart"
        again = await post_complaint(client, system.url("intake"), site="KEEP")
        assert again["number"].endswith("-0002"), "numbering continues where it was"
        assert await eventually(lambda: _exists(client, system, again["id"]))


async def _exists(client: httpx.AsyncClient, system: System, complaint_id: str) -> bool:
    r = await client.get(f"{system.url('projections')}/complaints/{complaint_id}")
    return r.status_code == 200


async def _outbox_drained(pool: asyncpg.Pool) -> bool:
    pending, _ = await outbox.backlog(pool)
    return pending == 0
