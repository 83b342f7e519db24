"""The unit of work: one transaction for a command's writes, then a wake-up for the relay."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg

from complaint_desk.shared.db import Connection


class UnitOfWork:
    """``async with uow() as conn:`` — everything written through ``conn`` commits together;
    after the commit the outbox relay is told there is something to publish."""

    def __init__(self, pool: asyncpg.Pool, on_commit: Callable[[], None] = lambda: None) -> None:
        self.pool = pool
        self._on_commit = on_commit

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[Connection]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn
        self._on_commit()
