"""Each consumer group's lag as the brokers see it: the partitions' end offsets less the
group's committed offsets. Apache Kafka only (``KAFKA_BROKER_LAG``): the embedded broker's
end offsets are wrong after a batched produce. The event store's own lag
(``desk_consumer_lag_events``) stays the measure of correctness; this one says where Kafka
delivery falls behind and catch-up is doing the work."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from complaint_desk.shared import metrics
from complaint_desk.shared.kafka import connection_options
from complaint_desk.shared.settings import ServiceSettings


class BrokerLag:
    """One admin client and one group-less consumer, opened on first use and reopened after a
    failure (the next scrape tries again)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None

    async def _open(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._offsets is None:
            options = connection_options(self.settings)
            admin = AIOKafkaAdminClient(**options, client_id="desk-lag")
            offsets = AIOKafkaConsumer(**options, client_id="desk-lag", enable_auto_commit=False)
            try:
                await admin.start()
                await offsets.start()
            except BaseException:
                await admin.close()
                await offsets.stop()
                raise
            self._admin, self._offsets = admin, offsets
        return self._admin, self._offsets

    async def of(self, groups: Iterable[str]) -> dict[tuple[str, str], int]:
        """Records past each group's commit, per (group, topic)."""
        try:
            admin, offsets = await self._open()
            committed: dict[str, dict[TopicPartition, int]] = {}
            for group in groups:
                found = await admin.list_consumer_group_offsets(group)
                committed[group] = {tp: o.offset for tp, o in found.items() if o.offset >= 0}
            partitions = {tp for c in committed.values() for tp in c}
            ends = await offsets.end_offsets(list(partitions)) if partitions else {}
        except BaseException:
            await self.close()
            raise
        lag: dict[tuple[str, str], int] = {}
        for group, positions in committed.items():
            for tp, position in positions.items():
                key = (group, tp.topic)
                lag[key] = lag.get(key, 0) + max(0, ends.get(tp, position) - position)
        return lag

    async def update(self, groups: Iterable[str]) -> None:
        for (group, topic), records in (await self.of(groups)).items():
            metrics.CONSUMER_BROKER_LAG.labels(group, topic).set(records)

    async def close(self) -> None:
        admin, offsets, self._admin, self._offsets = self._admin, self._offsets, None, None
        if admin is not None:
            await admin.close()
        if offsets is not None:
            await offsets.stop()
