"""Each projector follows the event store as well as Kafka: what Kafka did not deliver within
the grace period is applied from the log, and a Kafka that stays silent meanwhile is rebuilt.

The grace grows with how far behind Kafka's deliveries run while Kafka delivers: under load
the log's catch-up would otherwise take the same events Kafka is about to bring, and the two
paths would each do the work (a duplicate per event, more load, more lag). A silent Kafka
gets the configured grace only."""

from __future__ import annotations

from typing import NoReturn

from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.runtime.kafka_clients import KafkaClients
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.shared.supervise import supervise

# However far behind Kafka runs, an event it lost is caught up within this much more.
MAX_EXTRA_GRACE_SECONDS = 30.0


def grace_for(consumer: EventConsumer, kafka: KafkaClients, base: float) -> float:
    """The configured grace, plus twice Kafka's lag while Kafka is delivering."""
    if not kafka.ready or kafka.quiet_for(consumer.name) > base:
        return base
    return base + min(2 * consumer.kafka_behind_seconds, MAX_EXTRA_GRACE_SECONDS)


async def follow_the_log(
    consumer: EventConsumer, kafka: KafkaClients, settings: ServiceSettings
) -> NoReturn:
    first = True  # at start, everything already in the log is due

    async def step() -> None:
        nonlocal first
        base = settings.catchup_grace_seconds
        grace = 0.0 if first else grace_for(consumer, kafka, base)
        taken = await consumer.catch_up(grace_seconds=grace)
        if taken and grace and kafka.ready and kafka.quiet_for(consumer.name) > base:
            # The log had events for us that Kafka never delivered, and Kafka is silent.
            # (While the clients still start, catching up is all there is to do.)
            await kafka.reset(f"{consumer.name} caught up {taken} events")
        first = False

    await supervise(f"catch-up of {consumer.name}", step, every=settings.catchup_interval_seconds)
