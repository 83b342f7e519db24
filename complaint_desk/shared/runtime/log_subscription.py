"""One Kafka subscription for all of a service's projectors. Each record is fetched and decoded
once, and each projector's consumer gets the events of its stream types, in their order. A
group per projector fetched and decoded every record once per projector, and each idle group
polled the broker on its own: at a hundred complaints a second that was a fifth of a core."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from complaint_desk.contract.topics import topic_for
from complaint_desk.shared.consumer import EventConsumer, decode
from complaint_desk.shared.dead_letters import KafkaOrigin, park_record


def group_of(service: str) -> str:
    """The consumer group the service's projectors share (inside its ACLs' ``desk.<service>.``)."""
    return f"desk.{service}.events"


def topics_of(consumers: Sequence[EventConsumer]) -> list[str]:
    return sorted({topic_for(t) for c in consumers for t in c.stream_types})


class LogSubscription:
    """Hands each Kafka batch to the consumers whose topics it came from."""

    def __init__(
        self, consumers: Sequence[EventConsumer], *, heard: dict[str, float] | None = None
    ) -> None:
        self.consumers = list(consumers)
        self._topics = {c.name: {topic_for(t) for t in c.stream_types} for c in consumers}
        # When Kafka last brought each consumer records (time.monotonic()): catch-up's grace.
        self.last_record_at: dict[str, float] = {} if heard is None else heard

    async def on_records(self, records: Sequence[Any]) -> None:
        """Apply a batch of Kafka records (aiokafka's ``ConsumerRecord``s, in order). Each
        consumer applies its events in its own transactions, side by side with the others; one
        that fails does not keep the others from the batch, and the first failure is raised
        once all have finished."""
        now = time.monotonic()
        arrived = {r.topic for r in records}
        events, malformed = decode(
            [(list(r.headers or ()), r.value, KafkaOrigin(r.topic, r.partition, r.offset))
             for r in records]
        )  # fmt: skip
        for (headers, value, origin), reason in malformed:
            assert origin is not None
            for c in self.consumers:  # each consumer of the topic counts what it lost
                if origin.topic in self._topics[c.name]:
                    await park_record(c.pool, c.name, headers, value, origin, reason)
        readers = [c for c in self.consumers if self._topics[c.name] & arrived]
        for c in readers:
            self.last_record_at[c.name] = now
        outcomes = await asyncio.gather(
            *(c.on_events(events) for c in readers), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
