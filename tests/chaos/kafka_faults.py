"""The faults a three-broker Apache Kafka cluster adds to the suite: a broker killed, the
partition leader of the complaints' topic killed under load, a broker paused past its session,
and a rolling restart that waits, as an operator would, for every replica to be back in sync
before the next broker goes down."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from complaint_desk.contract import topics
from complaint_desk.tools.devstack.apache_kafka import KafkaCluster

# Past the broker's own session (broker.session.timeout.ms, 9 s): the controller fences it and
# the partitions it led move to another broker.
BROKER_PAUSE_SECONDS = 12.0


async def _describe(cluster: KafkaCluster) -> list[dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers.split(","))
    await admin.start()
    try:
        return await admin.describe_topics()
    finally:
        await admin.close()


async def leader_of(cluster: KafkaCluster, topic: str, partition: int = 0) -> int:
    """The index (in ``cluster.nodes``) of the broker leading ``topic``'s ``partition``."""
    for described in await _describe(cluster):
        if described["topic"] == topic:
            for p in described["partitions"]:
                if p["partition"] == partition and p["leader"] >= 0:
                    return next(i for i, n in enumerate(cluster.nodes) if n.node_id == p["leader"])
    raise LookupError(f"no leader for {topic}[{partition}]")


async def wait_in_sync(cluster: KafkaCluster, within: float = 120) -> None:
    """Until every partition has all its replicas in sync (no under-replicated partition)."""
    async with asyncio.timeout(within):
        while True:
            try:
                described = await _describe(cluster)
                if described and all(
                    sorted(p["isr"]) == sorted(p["replicas"])
                    for t in described
                    for p in t["partitions"]
                ):
                    return
            except KafkaError:
                pass  # a broker still electing: asked again below
            await asyncio.sleep(0.5)  # polling the effect: the cluster's own state


def faults(cluster: KafkaCluster) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    async def kill_and_restart(index: int, down_for: float = 5) -> None:
        await asyncio.to_thread(cluster.kill, index)
        await asyncio.sleep(down_for)  # writes go on meanwhile on the other two
        await asyncio.to_thread(cluster.restart, index)
        await wait_in_sync(cluster)

    async def kill_a_broker() -> None:
        await kill_and_restart(len(cluster.nodes) - 1)

    async def kill_the_leader() -> None:
        await kill_and_restart(await leader_of(cluster, topics.COMPLAINT_EVENTS))

    async def pause_a_broker() -> None:
        await asyncio.to_thread(cluster.pause, 1)
        await asyncio.sleep(BROKER_PAUSE_SECONDS)
        await asyncio.to_thread(cluster.resume, 1)
        await wait_in_sync(cluster)

    async def rolling_restart() -> None:
        for index in range(len(cluster.nodes)):
            await asyncio.to_thread(cluster.restart, index)
            await wait_in_sync(cluster)

    return [
        ("kill -9 a Kafka broker, restarted on its data", kill_a_broker),
        ("kill -9 the leader of complaints.events", kill_the_leader),
        ("SIGSTOP a Kafka broker past its session", pause_a_broker),
        ("rolling restart of the three Kafka brokers", rolling_restart),
    ]
