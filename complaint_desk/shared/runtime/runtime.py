"""What one running service holds: its database pool and unit of work, its consumers and
Kafka clients, the outbox relay, and the background jobs, from start to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from complaint_desk.shared import db
from complaint_desk.shared.auth import store
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.outbox import OutboxNotifier, OutboxRelay
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.privacy.sealing import master_key
from complaint_desk.shared.runtime.catchup import follow_the_log
from complaint_desk.shared.runtime.gauges import keep_gauges
from complaint_desk.shared.runtime.kafka_clients import KafkaClients
from complaint_desk.shared.runtime.spec import ServiceSpec
from complaint_desk.shared.uow import UnitOfWork

log = logging.getLogger(__name__)


class NotStarted(RuntimeError):
    """The service's database is used before the service started."""


class ServiceRuntime:
    """One running service; ``app.state.runtime`` (typed handlers take it from
    :mod:`complaint_desk.shared.runtime.deps`)."""

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.settings = spec.settings
        self.consumers: list[EventConsumer] = []
        self.relay: OutboxRelay | None = None
        self.kafka = KafkaClients(self)
        self.keyring = KeyRing(master_key(spec.settings.personal_data_key))
        self._pool: asyncpg.Pool | None = None
        self._uow: UnitOfWork | None = None
        self._tasks: list[asyncio.Task[Any]] = []

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise NotStarted(f"{self.spec.name} has not started")
        return self._pool

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            raise NotStarted(f"{self.spec.name} has not started")
        return self._uow

    def subscriber_options(self, name: str, *, backed_by_the_log: bool = False) -> dict[str, Any]:
        """See :meth:`KafkaClients.subscriber_options` (for a service's own subscribers)."""
        return self.kafka.subscriber_options(name, backed_by_the_log=backed_by_the_log)

    async def start(self) -> None:
        s = self.settings
        pool = self._pool = await db.create_pool(
            s.database_url, min_size=s.db_pool_min, max_size=s.db_pool_max
        )
        async with pool.acquire() as conn:
            await db.migrate(conn, {"shared": db.SHARED_SQL, **self.spec.migrations})
            if s.bootstrap_admin_token:
                await store.ensure_bootstrap_admin(conn, s.bootstrap_admin_token)
        self.consumers = [
            EventConsumer(pool, p, max_attempts=s.consumer_max_attempts)
            for p in self.spec.projectors
        ]
        self.relay = OutboxRelay(pool, s)
        notifier = OutboxNotifier(pool)
        self._uow = UnitOfWork(pool, notifier.poke)
        spawn = asyncio.get_running_loop().create_task
        self._tasks = [
            spawn(notifier.run()),
            self.kafka.begin(),
            spawn(self.relay.run()),
            spawn(self.kafka.watch()),
            spawn(keep_gauges(pool, self.consumers, self.kafka)),
            *(spawn(follow_the_log(c, self.kafka, s)) for c in self.consumers),
            *(spawn(_run(job, self)) for job in self.spec.background),
        ]

    async def stop(self) -> None:
        """Within Docker's grace (10 s after SIGTERM) whatever is gone: each step is bounded,
        and what cannot finish in time is abandoned (Kafka's consumers rejoin elsewhere,
        PostgreSQL rolls back what was not committed)."""
        for task in self._tasks:
            task.cancel()
        await _bounded(asyncio.gather(*self._tasks, return_exceptions=True), 2.0, "tasks")
        await _bounded(self.kafka.stop(), 4.0, "kafka clients")
        if self._pool is not None and not await _bounded(self._pool.close(), 2.0, "database"):
            self._pool.terminate()

    async def health(self) -> dict[str, Any]:
        database = "ok"
        try:
            await self.pool.fetchval("SELECT 1")
        except Exception:
            database = "unreachable"
        return {
            "status": "ok" if database == "ok" else "degraded",
            "service": self.spec.name,
            "database": database,
            "kafka": "ok" if self.kafka.ready else "connecting",
            "outbox_relay_leader": bool(self.relay and self.relay.is_leader),
        }


async def _bounded(step: Awaitable[Any], seconds: float, what: str) -> bool:
    """Await ``step`` for at most ``seconds``; False (and a warning) if it did not finish."""
    try:
        await asyncio.wait_for(step, seconds)
    except TimeoutError:
        log.warning("stopping took too long; abandoned", extra={"reason": what})
        return False
    return True


async def _run(job: Callable[[ServiceRuntime], Awaitable[None]], runtime: ServiceRuntime) -> None:
    await job(runtime)
