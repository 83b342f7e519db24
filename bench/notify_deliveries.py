"""Webhook deliveries: signed deliveries per second from the queue to a local receiver, beside
raw signed POSTs at the same concurrency (no queue) in the same run; then the throughput of
healthy endpoints while one endpoint times out.

Targets: at least 5,000 deliveries/s and 45% of the raw signed POSTs' rate measured in the same
run; healthy endpoints keep at least 90% of their throughput beside a timing-out one.

    make bench        (or: python -m bench.notify_deliveries --deliveries 4000)
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from uuid import uuid4

import httpx

from complaint_desk.services.notify.api import new_secret
from complaint_desk.services.notify.app import channels_for, http_client
from complaint_desk.services.notify.channels import Message
from complaint_desk.services.notify.channels.webhook import WebhookChannel
from complaint_desk.services.notify.dispatcher import DELIVERIES, Dispatcher
from complaint_desk.services.notify.domain import Kind, Outgoing
from complaint_desk.services.notify.repository import queue
from complaint_desk.services.notify.settings import NotifySettings
from complaint_desk.shared import db
from complaint_desk.shared.uow import UnitOfWork
from complaint_desk.tools.cli import all_migrations
from complaint_desk.tools.devstack.postgres import free_port

from .common import database

ENDPOINTS = 4
EVENT = {"specversion": "1.0", "id": "x", "type": "tw.facilities.complaints.ComplaintClosed",
         "source": "/facilities/complaint", "data": {"note": "歸檔 archived"}}  # fmt: skip


async def wait_listening(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                await client.post(f"http://127.0.0.1:{port}/ok/0", content=b"{}")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)


async def raw_posts(
    settings: NotifySettings, port: int, count: int, concurrency: int, secret: str
) -> float:
    """``count`` signed POSTs, ``concurrency`` at once, through a session like the
    dispatcher's."""
    async with http_client(settings) as client:
        channel = WebhookChannel(client, allow_loopback=True)
        queue_: asyncio.Queue[int] = asyncio.Queue()
        for i in range(count):
            queue_.put_nowait(i)

        async def worker() -> None:
            while not queue_.empty():
                i = queue_.get_nowait()
                await channel.send(Message(uuid4(), f"http://127.0.0.1:{port}/ok/{i % ENDPOINTS}",
                                           "s", "b", EVENT, (secret,)))  # fmt: skip

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


async def fill(uow: UnitOfWork, destinations: list[str], count: int) -> None:
    """``count`` deliveries, each complaint's event to every destination, as subscriptions
    queue them: each delivery is recorded on its complaint's notification stream."""
    now = datetime.now(UTC)
    per = len(destinations)
    async with uow() as conn:
        for first in range(0, count, per):
            await queue(conn, uuid4(), "BENCH", [
                Outgoing(dedupe_key=str(uuid4()), channel="webhook",
                         destination=destinations[i % per], recipient="bench",
                         kind=Kind.EVENT, subject="s", body="b", payload=EVENT, not_before=now)
                for i in range(first, min(first + per, count))
            ])  # fmt: skip


def delivered_so_far() -> float:
    """Deliveries recorded as delivered (counted after their transaction commits), read from
    the dispatcher's own counter: polling the table would add its scans to the load. Read
    from the one child, not collected: collecting the counter makes a sample for each of its
    hundreds of label sets, and every 5 ms that took a tenth of the process's CPU away from
    the dispatcher it measures (prometheus_client has no public getter for one value)."""
    child = DELIVERIES.labels("webhook", "delivered", Kind.EVENT.value)
    return float(child._value.get())


async def delivered_rate(dispatcher: Dispatcher, count: int) -> float:
    """Healthy deliveries per second while the dispatcher runs (the timing-out endpoint's
    never count: they are never delivered)."""
    before = delivered_so_far()
    runner = asyncio.create_task(dispatcher.run())
    started = time.perf_counter()
    while delivered_so_far() - before < count:  # noqa: ASYNC110 - the counter, in process
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    await dispatcher.drain()
    return count / elapsed


async def main(count: int) -> None:
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port)])  # noqa: ASYNC220
    try:
        await wait_listening(port)
        secret = new_secret()
        settings = NotifySettings(allow_loopback=True, send_timeout_seconds=1.0,
                                  per_destination_limit=8, max_in_flight=64)  # fmt: skip
        concurrency = settings.per_destination_limit * ENDPOINTS
        healthy = [f"http://127.0.0.1:{port}/ok/{n}" for n in range(ENDPOINTS)]
        slow = f"http://127.0.0.1:{port}/slow"
        raw = await raw_posts(settings, port, count, concurrency, secret)
        with database() as url:
            conn = await db.connect(url)
            await db.migrate(conn, all_migrations())
            await conn.close()
            pool = await db.create_pool(url, min_size=4, max_size=20)
            uow = UnitOfWork(pool)
            async with http_client(settings) as client:
                channels = channels_for(settings, client)
                await fill(uow, healthy, count)
                alone = await delivered_rate(Dispatcher(uow, channels, settings), count)
                recorded = await pool.fetchval(
                    "SELECT count(*) FROM eventstore.events"
                    " WHERE event_type = 'NotificationDelivered'"
                )
                if recorded != count:
                    raise SystemExit(f"{recorded:,} deliveries recorded as events, not {count:,}")
                await pool.execute("TRUNCATE notify.deliveries")
                await fill(uow, [*healthy, slow], count + count // ENDPOINTS)
                beside = await delivered_rate(Dispatcher(uow, channels, settings), count)
            await pool.close()
    finally:
        receiver.kill()  # its /slow requests would hold a graceful shutdown for a minute
        receiver.wait(10)
    print(f"{count:,} signed webhook deliveries, {ENDPOINTS} endpoints, {concurrency} in flight\n")
    print(f"{'raw signed POSTs, no queue':<46}{raw:>10,.0f}/s")
    print(f"{'deliveries through the queue':<46}{alone:>10,.0f}/s   {alone / raw:.0%} of raw"
          f"   target ≥ 5,000/s: {'met' if alone >= 5000 else 'NOT met'}"
          f", ≥ 45% of raw: {'met' if alone >= 0.45 * raw else 'NOT met'}")  # fmt: skip
    kept = "met" if beside >= 0.9 * alone else "NOT met"
    print(f"{'healthy deliveries beside a timing-out endpoint':<46}{beside:>10,.0f}/s   "
          f"{beside / alone:.0%} of alone   target ≥ 90%: {kept}")  # fmt: skip
    print(json.dumps({"raw": raw, "alone": alone, "beside": beside}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=4000)
    asyncio.run(main(parser.parse_args().deliveries))
