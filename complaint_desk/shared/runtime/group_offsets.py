"""A service's projectors once had a consumer group each (``desk.<projector>``); they now share
one (``desk.<service>.events``). On the first start after the upgrade the shared group has no
offsets and would read every topic from the beginning: each projector would skip the events
as duplicates, but only after fetching and decoding all of them, and a long log delays new
events meanwhile. So the shared group starts where the slowest of the old groups stood, per
partition. Nothing can be skipped by this: catch-up from the event store applies whatever
Kafka does not bring."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from complaint_desk.shared.kafka import connection_options
from complaint_desk.shared.settings import ServiceSettings

log = logging.getLogger(__name__)

ADOPT_TIMEOUT_SECONDS = 15.0


async def partitions_of(admin: AIOKafkaAdminClient, topics: Iterable[str]) -> list[TopicPartition]:
    described = await admin.describe_topics(sorted(topics))
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]


async def committed(
    admin: AIOKafkaAdminClient, group: str, partitions: list[TopicPartition]
) -> dict[TopicPartition, int]:
    """The group's committed offsets on ``partitions`` (those without a commit left out). The
    partitions are named: the embedded broker cannot answer for all of a group's at once."""
    found = await admin.list_consumer_group_offsets(group, partitions=partitions)
    return {tp: o.offset for tp, o in found.items() if o.offset >= 0}


def slowest(offsets: Iterable[dict[TopicPartition, int]]) -> dict[TopicPartition, int]:
    """Per partition, the lowest offset any of the groups committed."""
    lowest: dict[TopicPartition, int] = {}
    for group in offsets:
        for tp, offset in group.items():
            lowest[tp] = min(offset, lowest.get(tp, offset))
    return lowest


async def adopt_offsets(
    settings: ServiceSettings, group: str, old_groups: Iterable[str], topics: Iterable[str]
) -> dict[TopicPartition, int]:
    """Commit, for ``group`` when it has no offsets yet, the slowest of ``old_groups``' offsets
    on ``topics``. Returns what was committed (nothing when the group already has offsets, the
    old groups have none, or the broker refused: the group then starts from the earliest)."""
    try:
        return await asyncio.wait_for(
            _adopt(settings, group, list(old_groups), set(topics)), ADOPT_TIMEOUT_SECONDS
        )
    except Exception as exc:  # the group reads from the beginning; consumers dedupe
        log.warning(
            "could not carry the old groups' offsets over",
            extra={"group": group, "error": type(exc).__name__},
        )
        return {}


async def _adopt(
    settings: ServiceSettings, group: str, old_groups: list[str], topics: set[str]
) -> dict[TopicPartition, int]:
    options = connection_options(settings)
    admin = AIOKafkaAdminClient(**options, client_id="desk-adopt-offsets")
    try:
        await admin.start()
        partitions = await partitions_of(admin, topics)
        if await committed(admin, group, partitions):
            return {}
        start = slowest([await committed(admin, old, partitions) for old in old_groups])
    finally:
        await admin.close()
    if not start:
        return {}
    # A consumer of the group that only commits: assigned by hand, it joins no generation
    # (the broker takes the commit while the group has no members, as before its first start).
    committer = AIOKafkaConsumer(**options, group_id=group, enable_auto_commit=False,
                                 client_id="desk-adopt-offsets")  # fmt: skip
    try:
        await committer.start()
        committer.assign(list(start))
        await committer.commit({tp: OffsetAndMetadata(o, "") for tp, o in start.items()})
    finally:
        await committer.stop()
    log.info(
        "consumer group starts where its projectors' old groups stood",
        extra={"group": group, "partitions": len(start)},
    )
    return start
