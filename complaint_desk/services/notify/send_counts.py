"""Each SMS and email counted against its daily caps before it is sent: for its recipient and
for everyone on its channel (the destination ``'*'``). The counts of the messages asked for
meanwhile are made in one statement: each count was its own commit, and every one of them
waited for the one before on the shared ``'*'`` row, so the organisation's messages went out
one commit at a time. Each message still gets a count of its own, in the order asked."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import date

from complaint_desk.shared.db import Executor

from . import repository

EVERYONE = "*"
SendKey = tuple[str, str, date]  # channel, destination, day


def tally(asked: Sequence[SendKey]) -> dict[SendKey, int]:
    """How many messages each count gains, in the order its rows are locked: by channel and
    day, each channel's everyone last (as a single count always locked them), so two batches
    never wait on each other in a cycle."""
    gains: Counter[SendKey] = Counter()
    for channel, destination, day in asked:
        gains[(channel, destination, day)] += 1
        gains[(channel, EVERYONE, day)] += 1
    order = sorted(gains, key=lambda k: (k[0], k[2], k[1] == EVERYONE, k[1]))
    return {key: gains[key] for key in order}


def each_count(asked: Sequence[SendKey], after: dict[SendKey, int]) -> list[tuple[int, int]]:
    """For each message asked, in order: the messages that day to its recipient and to
    anyone, with it, given the counts ``after`` all of them were added."""
    seen: Counter[SendKey] = Counter()
    for channel, destination, day in asked:
        seen[(channel, destination, day)] += 1
        seen[(channel, EVERYONE, day)] += 1
    before = {key: after[key] - seen[key] for key in seen}
    counted: Counter[SendKey] = Counter()
    result = []
    for channel, destination, day in asked:
        mine, everyone = (channel, destination, day), (channel, EVERYONE, day)
        counted[mine] += 1
        counted[everyone] += 1
        result.append((before[mine] + counted[mine], before[everyone] + counted[everyone]))
    return result


class SendCounter:
    """Counts messages against their caps, the ones asked for while a count is being made
    together in the next: no wait when it is idle, one statement per round trip when busy."""

    def __init__(self, conn: Executor) -> None:
        self._conn = conn
        self._waiting: list[tuple[SendKey, asyncio.Future[tuple[int, int]]]] = []
        self._counting: asyncio.Task[None] | None = None

    async def count(self, channel: str, destination: str, day: date) -> tuple[int, int]:
        """Counts one more message: the messages that day to ``destination`` and to anyone
        on ``channel``, with this one."""
        if destination == EVERYONE:
            raise ValueError("'*' counts everyone's messages; it is no destination")
        loop = asyncio.get_running_loop()
        counted: asyncio.Future[tuple[int, int]] = loop.create_future()
        self._waiting.append(((channel, destination, day), counted))
        if self._counting is None or self._counting.done():
            self._counting = loop.create_task(self._count_waiting())
        return await counted

    async def _count_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            asked = [key for key, _ in batch]
            try:
                counts = each_count(asked, await repository.count_sends(self._conn, tally(asked)))
            except Exception as exc:  # each message's sender decides, as with a count of its own
                for _, counted in batch:
                    if not counted.done():
                        counted.set_exception(exc)
                continue
            for (_, counted), count in zip(batch, counts, strict=True):
                if not counted.done():
                    counted.set_result(count)
