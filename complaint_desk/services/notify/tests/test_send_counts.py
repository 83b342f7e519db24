import asyncio
from datetime import date
from typing import cast
from uuid import uuid4

import asyncpg
import pytest

from complaint_desk.services.notify.send_counts import SendCounter, each_count, tally

DAY = date(2026, 12, 6)


def test_a_batch_gains_per_recipient_and_for_everyone_each_channels_everyone_last() -> None:
    asked = [("sms", "b", DAY), ("email", "x", DAY), ("sms", "a", DAY), ("sms", "b", DAY)]
    assert list(tally(asked).items()) == [
        (("email", "x", DAY), 1),
        (("email", "*", DAY), 1),
        (("sms", "a", DAY), 1),
        (("sms", "b", DAY), 2),
        (("sms", "*", DAY), 3),
    ]


def test_each_message_gets_its_own_counts_in_the_order_asked() -> None:
    asked = [("sms", "b", DAY), ("sms", "a", DAY), ("sms", "b", DAY)]
    after = {("sms", "a", DAY): 1, ("sms", "b", DAY): 7, ("sms", "*", DAY): 40}
    assert each_count(asked, after) == [(6, 38), (1, 39), (7, 40)]


class Spy:
    """The real pool, its statements counted; ``fail`` makes the next one raise first."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool, self.statements, self.fail = pool, 0, False

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        self.statements += 1
        if self.fail:
            self.fail = False
            raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
        return await self.pool.fetch(query, *args)


async def test_counts_asked_at_once_are_made_together_each_one_distinct(
    pool: asyncpg.Pool,
) -> None:
    spy = Spy(pool)
    counter = SendCounter(cast(asyncpg.Pool, spy))
    channel = f"sms-{uuid4().hex[:8]}"  # a channel of its own: its '*' is this test's alone
    phones = [f"+8869{n:08d}" for n in range(5)]
    asked = [phones[n % 5] for n in range(200)]
    counts = await asyncio.gather(*(counter.count(channel, p, DAY) for p in asked))
    # All 200 asked before the counting task first ran: one statement.
    assert spy.statements == 1
    assert sorted(everyone for _, everyone in counts) == list(range(1, 201))
    for phone in phones:
        mine = sorted(m for (m, _), p in zip(counts, asked, strict=True) if p == phone)
        assert mine == list(range(1, 41))
    stored = await pool.fetch(
        "SELECT destination, sent FROM notify.daily_sends WHERE channel = $1", channel
    )
    assert {r["destination"]: r["sent"] for r in stored} == {"*": 200, **dict.fromkeys(phones, 40)}
    later = await counter.count(channel, phones[0], DAY)
    assert later == (41, 201) and spy.statements == 2


async def test_a_count_that_fails_fails_its_batch_alone(pool: asyncpg.Pool) -> None:
    spy = Spy(pool)
    counter = SendCounter(cast(asyncpg.Pool, spy))
    channel = f"email-{uuid4().hex[:8]}"
    with pytest.raises(ValueError, match="no destination"):
        await counter.count(channel, "*", DAY)
    assert spy.statements == 0, "refused before it was asked"
    spy.fail = True
    failed = await asyncio.gather(
        *(counter.count(channel, "a@example.org", DAY) for _ in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(f, asyncpg.exceptions.DeadlockDetectedError) for f in failed)
    assert await counter.count(channel, "a@example.org", DAY) == (1, 1), "nothing counted"
