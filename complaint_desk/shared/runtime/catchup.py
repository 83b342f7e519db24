"""Each projector follows the event store as well as Kafka: what Kafka did not deliver within
the grace period is applied from the log, and a Kafka that stays silent meanwhile is rebuilt."""

from __future__ import annotations

from typing import NoReturn

from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.runtime.kafka_clients import KafkaClients
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.shared.supervise import supervise


async def follow_the_log(
    consumer: EventConsumer, kafka: KafkaClients, settings: ServiceSettings
) -> NoReturn:
    grace = 0.0  # at start, everything already in the log is due

    async def step() -> None:
        nonlocal grace
        taken = await consumer.catch_up(grace_seconds=grace)
        if taken and grace and kafka.ready and kafka.quiet_for(consumer.name) > grace:
            # The log had events for us that Kafka never delivered, and Kafka is silent.
            # (While the clients still start, catching up is all there is to do.)
            await kafka.reset(f"{consumer.name} caught up {taken} events")
        grace = settings.catchup_grace_seconds

    await supervise(f"catch-up of {consumer.name}", step, every=settings.catchup_interval_seconds)
