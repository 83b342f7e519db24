"""Live pages hear what the timeline commits, from the real database: once committed, never
what was rolled back, and a page that falls behind is ended (its browser reconnects)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest

from complaint_desk.services.projections import repository
from complaint_desk.services.projections.console.live import Change, ChangeFeed


@pytest.fixture
async def feed(database_url: str) -> AsyncIterator[ChangeFeed]:
    feed = ChangeFeed()
    listening = asyncio.create_task(feed.listen(database_url))
    try:
        yield feed
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening


async def test_a_committed_change_is_heard_and_a_rolled_back_one_never(
    feed: ChangeFeed, pool: asyncpg.Pool
) -> None:
    await asyncio.wait_for(feed.listening.wait(), timeout=10)
    stream = feed.changes()
    complaint, rolled_back = uuid4(), uuid4()
    async with pool.acquire() as conn:
        with contextlib.suppress(RuntimeError):
            async with conn.transaction():
                await repository.announce_change(conn, rolled_back, 5, "ComplaintClosed")
                raise RuntimeError("rolled back")
        async with conn.transaction():
            await repository.announce_change(conn, complaint, 7, "ComplaintAcknowledged")
    change = await asyncio.wait_for(anext(stream), timeout=10)
    assert change == Change(complaint, 7, "ComplaintAcknowledged")


def test_a_page_that_falls_behind_is_ended_not_left_to_grow() -> None:
    feed = ChangeFeed()
    stream = feed.changes()
    for n in range(300):  # more than a page's queue holds
        feed._heard(None, 0, "desk_changes", f"{uuid4()} {n} TaskProgressed")
    received = []

    async def drain() -> None:
        async for change in stream:
            received.append(change)

    asyncio.run(drain())
    assert 0 < len(received) < 256, "its stream ended, not left to grow"
    assert not feed._pages
    feed._heard(None, 0, "desk_changes", "not a change")  # ignored, not an error
