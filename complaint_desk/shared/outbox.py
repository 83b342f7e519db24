"""The outbox relay: publishes appended events to Kafka, at least once and in order per stream.

The event log is the outbox: an event row is its own outbox record, written by the very
statement that appends it, so "saved but never published" and "published but never saved"
cannot happen. The relay follows the log in (transaction, position) order, which never passes
an event whose transaction commits late, and records how far Kafka acknowledged in
``eventstore.publications``. A crash between the acknowledgement and that record means a
record is published again: consumers dedupe.

One relay is active at a time (a PostgreSQL advisory lock), woken by LISTEN/NOTIFY, with a
slow poll as a safety net. The NOTIFY is sent after the commit by :class:`OutboxNotifier`, not
inside the appending transaction: PostgreSQL serialises the commits of notifying transactions,
which would cost concurrent writers their group commit. A burst of appends costs one NOTIFY.
"""

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer

from complaint_desk.contract import cloudevents
from complaint_desk.contract.events import EventEnvelope
from complaint_desk.contract.topics import INTEGRATION_TOPICS, STREAM_TOPICS, topic_for
from complaint_desk.shared import eventstore, metrics
from complaint_desk.shared.db import connect
from complaint_desk.shared.eventstore import FollowPosition
from complaint_desk.shared.kafka import ensure_topics, new_producer
from complaint_desk.shared.queries import load
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.shared.supervise import supervise

log = logging.getLogger(__name__)
Q = load(Path(__file__).parent / "sql" / "queries" / "outbox.sql")
CHANNEL = "desk_outbox"
PUBLISHER = "kafka"


class OutboxRelay:
    def __init__(self, pool: asyncpg.Pool, settings: ServiceSettings) -> None:
        self._pool = pool
        self._settings = settings
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        # How far Kafka acknowledged, as last saved: the leader is its only writer, so it is
        # read once per term of leadership, not before every batch.
        self._checkpoint: FollowPosition | None = None
        self.is_leader = False

    def reset_producer(self) -> None:
        """Drop the producer, e.g. after the broker lost its state; the next batch makes one."""
        self._wake.set()
        producer, self._producer = self._producer, None
        if producer is not None:
            asyncio.get_running_loop().create_task(producer.stop())

    async def run(self) -> None:
        """Lead (one relay per database) and relay for ever; a lost connection or broker
        steps down and tries again, backing off to 10 s."""
        await supervise(
            "outbox relay", self._lead_and_relay, every=0.5, retry_after=0.5, backoff_to=10.0
        )

    async def _lead_and_relay(self) -> None:
        conn = await connect(self._settings.database_url)
        try:
            while not await conn.fetchval(Q.try_lead):  # noqa: ASYNC110 - polling a lock in PG
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
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.outbox_poll_seconds)
        finally:
            self.is_leader = False
            self._checkpoint = None
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
            with contextlib.suppress(Exception):  # already broken; nothing more to release
                await producer.stop()

    async def drain_once(self) -> int:
        """Publish the next batch of the log; returns how many records Kafka acknowledged."""
        if self._checkpoint is None:
            self._checkpoint = await checkpoint_of(self._pool)
        checkpoint = self._checkpoint
        batch = await eventstore.read_after(
            self._pool, checkpoint, list(STREAM_TOPICS), self._settings.outbox_batch_size
        )
        if not batch:
            return 0
        producer = await self._ensure_producer()
        started = time.perf_counter()
        futures = []
        for _, event, _ in batch:
            key, headers, value = cloudevents.to_kafka(event)
            for topic in topics_for(event):
                futures.append(await producer.send(topic, value, key=key, headers=headers))
        try:
            await asyncio.gather(*futures)
        except Exception:
            await self._stop_producer()
            raise
        last, _, _ = batch[-1]
        await self._pool.execute(Q.save_checkpoint, PUBLISHER, str(last.tx_id), last.position)
        self._checkpoint = last
        metrics.OUTBOX_PUBLISHED.inc(len(batch))
        metrics.OUTBOX_PUBLISH_SECONDS.observe(time.perf_counter() - started)
        return len(batch)


def topics_for(event: EventEnvelope) -> list[str]:
    """Its stream's topic, and another system's where that system must hear of it."""
    extra = INTEGRATION_TOPICS.get(event.event_type)
    return [topic_for(event.stream_type), *([extra] if extra else [])]


class OutboxNotifier:
    """Wakes the relay, in whichever process it runs, after events were committed."""

    def __init__(self, pool: asyncpg.Pool, coalesce_seconds: float = 0.002) -> None:
        self._pool = pool
        self._pending = asyncio.Event()
        self._coalesce = coalesce_seconds

    def poke(self) -> None:
        self._pending.set()

    async def run(self) -> None:
        """Wake the relay once per burst of commits (its slow poll finds the events anyway)."""

        async def step() -> None:
            await self._pending.wait()
            await asyncio.sleep(self._coalesce)  # let the rest of a burst commit first
            self._pending.clear()
            await self._pool.execute(Q.notify)

        await supervise("outbox notify", step, every=0.0, retry_after=1.0)


async def checkpoint_of(pool: asyncpg.Pool) -> FollowPosition:
    row = await pool.fetchrow(Q.load_checkpoint, PUBLISHER)
    return FollowPosition(row["tx_id"], row["position"]) if row else FollowPosition()


async def backlog(pool: asyncpg.Pool) -> tuple[int, float]:
    """Events not yet acknowledged by Kafka, and the age in seconds of the oldest of them."""
    pending, oldest = await eventstore.behind(pool, await checkpoint_of(pool))
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
    return pending, max(age, 0.0)
