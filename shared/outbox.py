"""The outbox relay: publishes appended events to Kafka, at least once and in order per stream.

Events and their outbox rows are written in one transaction by :func:`eventstore.append`.
One relay is active at a time (a PostgreSQL advisory lock), woken by LISTEN/NOTIFY, with a
slow poll as a safety net. A row is deleted only after Kafka acknowledged its record.
"""

import asyncio
import logging
import time
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer

from . import cloudevents, metrics
from .db import connect
from .eventstore import envelope_from_row
from .kafka import ensure_topics, new_producer
from .queries import load
from .settings import ServiceSettings

log = logging.getLogger(__name__)
Q = load(Path(__file__).parent / "sql" / "queries" / "outbox.sql")
CHANNEL = "desk_outbox"


class OutboxRelay:
    def __init__(self, pool: asyncpg.Pool, settings: ServiceSettings) -> None:
        self._pool = pool
        self._settings = settings
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self.is_leader = False

    def reset_producer(self) -> None:
        """Drop the producer, e.g. after the broker lost its state; the next batch makes one."""
        self._wake.set()
        producer, self._producer = self._producer, None
        if producer is not None:
            asyncio.get_running_loop().create_task(producer.stop())

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._lead_and_relay()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "outbox relay interrupted; retrying",
                    extra={"error": type(exc).__name__, "retry_in_s": backoff},
                )
                self.is_leader = False
                await self._stop_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            else:
                backoff = 0.5

    async def _lead_and_relay(self) -> None:
        conn = await connect(self._settings.database_url)
        try:
            while not await conn.fetchval(Q.try_lead):
                await asyncio.sleep(2.0)
            self.is_leader = True
            log.info("outbox relay is the leader")
            await conn.add_listener(CHANNEL, lambda *_: self._wake.set())
            while True:
                self._wake.clear()
                published = await self.drain_once()
                if published == self._settings.outbox_batch_size:
                    continue
                if conn.is_closed():
                    raise ConnectionError("leadership connection lost")
                try:
                    await asyncio.wait_for(self._wake.wait(), self._settings.outbox_poll_seconds)
                except TimeoutError:
                    pass
        finally:
            self.is_leader = False
            await conn.close()
            await self._stop_producer()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            await ensure_topics(self._settings)
            producer = new_producer(self._settings)
            await producer.start()
            self._producer = producer
        return self._producer

    async def _stop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:  # already broken; nothing more to release
                pass

    async def drain_once(self) -> int:
        """Publish one batch; returns how many records Kafka acknowledged."""
        rows = await self._pool.fetch(Q.next_batch, self._settings.outbox_batch_size)
        if not rows:
            return 0
        producer = await self._ensure_producer()
        started = time.perf_counter()
        futures = []
        for row in rows:
            key, headers, value = cloudevents.to_kafka(envelope_from_row(row))
            futures.append(await producer.send(row["topic"], value, key=key, headers=headers))
        try:
            await asyncio.gather(*futures)
        except Exception:
            await self._stop_producer()
            raise
        await self._pool.execute(Q.mark_published, [r["outbox_id"] for r in rows])
        metrics.OUTBOX_PUBLISHED.inc(len(rows))
        metrics.OUTBOX_PUBLISH_SECONDS.observe(time.perf_counter() - started)
        return len(rows)


async def backlog(pool: asyncpg.Pool) -> tuple[int, float]:
    row = await pool.fetchrow(Q.backlog)
    return int(row["pending"]), float(row["oldest_age_seconds"])
