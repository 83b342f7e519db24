"""The shared consumer group of a service's projectors starts, on its first start after the
upgrade, where the slowest of the projectors' old groups stood (against the session's broker)."""

from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from complaint_desk.shared.kafka import connection_options, ensure_topics
from complaint_desk.shared.runtime.group_offsets import adopt_offsets, committed, partitions_of
from complaint_desk.shared.settings import ServiceSettings


async def _commit(
    settings: ServiceSettings, group: str, offsets: dict[TopicPartition, int]
) -> None:
    consumer = AIOKafkaConsumer(**connection_options(settings), group_id=group,
                                enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
    finally:
        await consumer.stop()


async def _offsets(settings: ServiceSettings, group: str, topic: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(**connection_options(settings))
    await admin.start()
    try:
        return await committed(admin, group, await partitions_of(admin, [topic]))
    finally:
        await admin.close()


async def _topic_with_records(settings: ServiceSettings) -> str:
    topic = f"test-adopt-{uuid4().hex[:8]}"
    await ensure_topics(settings, [topic])
    producer = AIOKafkaProducer(**connection_options(settings))
    await producer.start()
    try:
        for partition in range(settings.kafka_topic_partitions):
            for n in range(10):
                await producer.send_and_wait(topic, b"%d" % n, partition=partition)
    finally:
        await producer.stop()
    return topic


async def test_the_new_group_starts_at_the_slowest_old_groups_offsets(
    settings: ServiceSettings,
) -> None:
    topic, elsewhere = await _topic_with_records(settings), await _topic_with_records(settings)
    p0, p1, far = TopicPartition(topic, 0), TopicPartition(topic, 1), TopicPartition(elsewhere, 0)
    run = uuid4().hex[:8]
    fast, slow, never = f"desk.t{run}.fast", f"desk.t{run}.slow", f"desk.t{run}.never"
    await _commit(settings, fast, {p0: 5, p1: 8, far: 9})
    await _commit(settings, slow, {p0: 3})
    shared = f"desk.t{run}.events"

    adopted = await adopt_offsets(settings, shared, [fast, slow, never], [topic])

    assert adopted == {p0: 3, p1: 8}, "per partition the lowest; other topics left out"
    assert await _offsets(settings, shared, topic) == {p0: 3, p1: 8}

    await _commit(settings, slow, {p0: 1})
    assert await adopt_offsets(settings, shared, [fast, slow], [topic]) == {}, (
        "a group that has offsets keeps them"
    )
    assert await _offsets(settings, shared, topic) == {p0: 3, p1: 8}


async def test_with_no_old_offsets_the_group_is_left_to_start_from_the_earliest(
    settings: ServiceSettings,
) -> None:
    topic = await _topic_with_records(settings)
    shared = f"desk.t{uuid4().hex[:8]}.events"
    assert await adopt_offsets(settings, shared, ["desk.nobody.here"], [topic]) == {}
    assert await _offsets(settings, shared, topic) == {}
