"""The gauges a scrape reads: the outbox's backlog, each consumer's lag behind the log and, on
Apache Kafka, each consumer group's lag behind the brokers' end offsets."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NoReturn

import asyncpg

from complaint_desk.shared import eventstore, metrics
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.consumer import Q as consumer_q
from complaint_desk.shared.outbox import backlog
from complaint_desk.shared.runtime.broker_lag import BrokerLag
from complaint_desk.shared.runtime.kafka_clients import KafkaClients
from complaint_desk.shared.supervise import supervise

GAUGE_SECONDS = 5.0


async def update_gauges(pool: asyncpg.Pool, consumers: Sequence[EventConsumer]) -> None:
    pending, oldest = await backlog(pool)
    metrics.OUTBOX_BACKLOG.set(pending)
    metrics.OUTBOX_OLDEST_AGE.set(oldest)
    head = await eventstore.head(pool)
    for consumer in consumers:
        done = await pool.fetchval(consumer_q.checkpoint_position, consumer.name)
        metrics.CONSUMER_LAG.labels(consumer.name).set(max(0, head - (done or 0)))


async def keep_gauges(
    pool: asyncpg.Pool, consumers: Sequence[EventConsumer], kafka: KafkaClients
) -> NoReturn:
    lag = BrokerLag(kafka.settings) if kafka.settings.kafka_broker_lag else None

    async def step() -> None:
        await update_gauges(pool, consumers)
        if lag is not None:
            await lag.update(sorted(kafka.groups))

    try:
        await supervise("gauge update", step, every=GAUGE_SECONDS, level=logging.DEBUG)
    finally:
        if lag is not None:
            await lag.close()
