"""The Apache Kafka test support on its own: three KRaft brokers from Maven Central with the
production settings (replication 3, min.insync.replicas 2, acks=all, idempotent producers);
one killed with SIGKILL, writes go on; restarted on its own data, every acknowledged record is
there once. And the consumer groups' lag read from the brokers' end offsets."""

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from prometheus_client import REGISTRY

from complaint_desk.shared.runtime.broker_lag import BrokerLag
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.tools.devstack.apache_kafka import KafkaCluster, provision

pytestmark = pytest.mark.e2e
TOPIC = "desk.kafka-check"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    if shutil.which("java") is None or shutil.which("mvn") is None:
        pytest.fail("a JDK and Maven are needed: the polyglot machine has both")
    started = KafkaCluster(Path(tmp_path_factory.mktemp("kafka")), 3, provision()).start()
    try:
        yield started
    finally:
        started.destroy()


async def create_topic(servers: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, replication_factor=3)])
    finally:
        await admin.close()


async def produce(servers: str, values: list[bytes], timeout_ms: int = 15_000) -> list[bytes]:
    """Send each with acks=all and idempotence; the values Kafka acknowledged."""
    producer = AIOKafkaProducer(
        bootstrap_servers=servers, acks="all", enable_idempotence=True,
        request_timeout_ms=timeout_ms,
    )  # fmt: skip
    await producer.start()
    acknowledged = []
    try:
        for value in values:
            try:
                await producer.send_and_wait(TOPIC, value, key=b"k")
                acknowledged.append(value)
            except KafkaError:
                pass
    finally:
        await producer.stop()
    return acknowledged


async def read_all(servers: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=servers, auto_offset_reset="earliest",
                                enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    found: list[bytes] = []
    try:
        while len(found) < count:
            batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 60)
            found += [r.value for records in batch.values() for r in records]
            if not batch:
                break
    finally:
        await consumer.stop()
    return found


async def test_acknowledged_writes_survive_a_killed_broker_and_its_restart(
    cluster: KafkaCluster,
) -> None:
    servers = cluster.bootstrap_servers
    await create_topic(servers, TOPIC, partitions=1)
    first = await asyncio.wait_for(produce(servers, [f"a{n}".encode() for n in range(20)]), 120)
    assert len(first) == 20
    await asyncio.to_thread(cluster.kill, 0)
    second = await asyncio.wait_for(produce(servers, [f"b{n}".encode() for n in range(20)]), 120)
    assert len(second) == 20, "two in sync of three: writes go on"
    await asyncio.to_thread(cluster.restart, 0)  # on its own data
    third = await asyncio.wait_for(produce(servers, [f"d{n}".encode() for n in range(5)]), 120)
    acknowledged = first + second + third
    found = await read_all(servers, len(acknowledged))
    assert sorted(set(acknowledged) - set(found)) == [], "nothing acknowledged is lost"
    assert len(found) == len(set(found)), "nothing is doubled"


async def test_the_brokers_say_how_far_each_group_is_behind(cluster: KafkaCluster) -> None:
    servers, topic = cluster.bootstrap_servers, "desk.lag-check"
    await create_topic(servers, topic, partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for n in range(12):
            await producer.send_and_wait(topic, b"x", partition=n % 2)
    finally:
        await producer.stop()
    group = AIOKafkaConsumer(bootstrap_servers=servers, group_id="desk.lag-probe",
                             enable_auto_commit=False)  # fmt: skip
    await group.start()
    try:
        first, second = TopicPartition(topic, 0), TopicPartition(topic, 1)
        group.assign([first, second])
        await group.commit({first: 4, second: 6})  # 2 and 0 of each partition's 6 to go
    finally:
        await group.stop()
    lag = BrokerLag(ServiceSettings(KAFKA_BOOTSTRAP_SERVERS=servers))
    try:
        assert await lag.of(["desk.lag-probe", "desk.never-joined"]) == {
            ("desk.lag-probe", topic): 2
        }
        await lag.update(["desk.lag-probe"])
    finally:
        await lag.close()
    gauge = {"group": "desk.lag-probe", "topic": topic}
    assert REGISTRY.get_sample_value("desk_consumer_broker_lag_records", gauge) == 2
