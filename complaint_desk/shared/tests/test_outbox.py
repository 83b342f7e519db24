import asyncio
import contextlib
from collections import defaultdict
from uuid import UUID, uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer

from complaint_desk.contract import topics
from complaint_desk.contract.events import Metadata
from complaint_desk.shared import eventstore, outbox
from complaint_desk.shared.outbox import OutboxNotifier, OutboxRelay
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.shared.tests.events import NoteAdded
from complaint_desk.shared.uow import UnitOfWork
from conftest import eventually

META = Metadata(site_id="HQ", actor="tester")


async def test_relay_publishes_every_event_in_order_per_complaint(
    pool: asyncpg.Pool, settings: ServiceSettings
) -> None:
    # A poll interval of an hour: only LISTEN/NOTIFY can wake the relay in time.
    relay = OutboxRelay(pool, settings.model_copy(update={"outbox_poll_seconds": 3600}))
    notifier = OutboxNotifier(pool)
    uow = UnitOfWork(pool, notifier.poke)
    task = asyncio.gather(relay.run(), notifier.run())
    streams = [uuid4() for _ in range(12)]
    per_stream = 10
    try:
        await eventually(lambda: _true(relay.is_leader))

        async def write(stream: UUID) -> None:
            for v in range(per_stream):
                async with uow() as conn:
                    await eventstore.append(
                        conn, stream, [NoteAdded(text="n", sequence=v)], META, expected_version=v
                    )

        await asyncio.gather(*(write(s) for s in streams))
        wanted = {str(s) for s in streams}
        received: dict[str, list[int]] = defaultdict(list)
        headers_seen: dict[str, bytes] = {}
        consumer = AIOKafkaConsumer(
            topics.COMPLAINT_EVENTS,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:

            async def all_arrived() -> bool:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for r in records:
                        key = r.key.decode()
                        if key in wanted:
                            h = dict(r.headers)
                            received[key].append(int(h["ce_streamversion"]))
                            headers_seen.update(h)
                return sum(len(v) for v in received.values()) >= len(streams) * per_stream

            assert await eventually(all_arrived, within=30)
        finally:
            await consumer.stop()
        for stream in wanted:
            assert received[stream] == list(range(1, per_stream + 1))
        assert headers_seen["ce_specversion"] == b"1.0"
        assert headers_seen["ce_type"] == b"tw.facilities.complaints.NoteAdded"
        assert await eventually(lambda: _backlog_empty(pool))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _true(value: bool) -> bool:
    return value


async def _backlog_empty(pool: asyncpg.Pool) -> bool:
    pending, _ = await outbox.backlog(pool)
    return pending == 0
