"""Read-your-writes across services: a command's answer carries the log position of the
events it wrote; a read given that position (``?after=`` or the ``X-After-Position`` header)
waits, for a bounded time, until this service's consumers have applied every event of the
log at or before it. The reader then sees its own write, and everything written before it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, Header, Query, Request

from complaint_desk.shared import eventstore
from complaint_desk.shared.auth import Principal
from complaint_desk.shared.auth.http import current_principal
from complaint_desk.shared.db import Executor
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.queries import load
from complaint_desk.shared.runtime.deps import running

Q = load(Path(__file__).parent / "sql" / "queries" / "consumers.sql")


class Applier(Protocol):
    """A consumer, as far as waiting on it goes: its name and the stream types it applies."""

    @property
    def name(self) -> str: ...

    @property
    def stream_types(self) -> Sequence[str]: ...


class NotYetApplied(Exception):
    """The consumers did not reach the position within the time allowed."""


class UnknownPosition(LookupError):
    """The log has no event at this position yet: the token did not come from a command."""


async def wait_until_applied(
    pool: Executor,
    consumers: Sequence[Applier],
    position: int,
    *,
    within: float,
    interval: float = 0.01,
) -> None:
    """Return once every consumer has applied each event of its stream types at or before
    ``position``; :class:`NotYetApplied` after ``within`` seconds."""
    if position > await eventstore.head(pool):
        raise UnknownPosition(position)
    waiting = list(consumers)
    deadline = time.monotonic() + within
    while True:
        waiting = [
            c
            for c in waiting
            if await pool.fetchval(Q.behind_position, c.name, position, list(c.stream_types))
        ]
        if not waiting:
            return
        if time.monotonic() >= deadline:
            raise NotYetApplied(position)
        # Backs off from 10 ms to 100 ms: a read model is usually a moment behind, not more.
        await asyncio.sleep(interval)
        interval = min(interval * 2, 0.1)


async def read_after(
    request: Request,
    _: Annotated[Principal, Depends(current_principal)],
    after: Annotated[
        int | None,
        Query(
            ge=1,
            le=2**63 - 1,
            description=(
                "Consistency token: the `position` a command answered with. The read waits "
                "(at most a few seconds, then 504) until it reflects that command. "
                "/ 一致性權杖：指令回應的 `position`；查詢會等到已反映該指令為止"
            ),
        ),
    ] = None,
    x_after_position: Annotated[
        int | None, Header(ge=1, le=2**63 - 1, description="The same token, as a header")
    ] = None,
) -> None:
    """A dependency for reads: wait until this service has applied ``after`` (authenticated
    callers only, so nobody else can make the service wait)."""
    position = max(after or 0, x_after_position or 0)
    if not position:
        return
    runtime = running(request)
    try:
        await wait_until_applied(
            runtime.pool,
            runtime.consumers,
            position,
            within=runtime.settings.read_after_timeout_seconds,
        )
    except UnknownPosition:
        raise ApiError(
            422,
            "unknown_position",
            f"The log has not reached position {position}: after= takes a command's position",
            f"日誌尚無位置 {position}：after= 須為指令回應的 position",
        ) from None
    except NotYetApplied:
        raise ApiError(
            504,
            "not_yet_visible",
            f"The read models have not caught up with position {position} yet; try again",
            f"查詢資料尚未更新至位置 {position}，請稍後再試",
            headers={"Retry-After": "1"},
        ) from None


ReadAfter = Depends(read_after)
