"""Sends what is due on the delivery queue. Sends run concurrently with a timeout each, and a
destination never has more than a few of them at once (its limit, kept by the claim): one
slow or failing endpoint cannot delay the others. A delivery is leased from its claim until
it is recorded, so replicas never send it at once. A dispatcher claims ahead of its sends, so
a send slot that frees is taken at once, not after the next claim; the sends that succeed
meanwhile are recorded together, in one transaction.

Over 300 lines: claiming, sending and recording share the in-flight count per destination
and the leases; the channels and the queue's SQL live elsewhere."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter as Tally
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Histogram

from complaint_desk.contract.events import DomainEvent, Metadata, utcnow
from complaint_desk.contract.events.notifications import (
    NotificationDeadLettered,
    NotificationDelivered,
    NotificationFailed,
)
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection
from complaint_desk.shared.metrics import at_zero
from complaint_desk.shared.privacy import ERASED, is_sealed
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.supervise import supervise
from complaint_desk.shared.uow import UnitOfWork

from . import repository
from .channels import Channel, Gone, Message, PermanentFailure, TemporaryFailure
from .destinations import problem, redact
from .domain import ChannelKind, Kind, next_delay
from .send_counts import SendCounter
from .settings import NotifySettings

log = logging.getLogger(__name__)
DELIVERIES = Counter(
    "desk_notify_deliveries_total",
    "Delivery attempts by channel, outcome and what the message is (callback, receipt, "
    "sla_breach, …)",
    ["channel", "outcome", "kind"],
)
LATENCY = Histogram("desk_notify_send_seconds", "Time to send one message", ["channel"])
CAPPED = Counter(
    "desk_notify_capped_total", "Messages not sent: a daily cap was reached", ["channel", "cap"]
)
CAPS = ("recipient", "organisation")
RECORD_BATCH = 500  # successful sends recorded in one transaction, at most
CLAIM_BATCH = 100  # deliveries taken in one claim, at most
AHEAD = 6  # what a dispatcher holds, as a multiple of what it may send at once
ACTOR = "system:notify"
# The series the alert rules select exist from the start (see metrics.at_zero).
at_zero(DELIVERIES, [(c, o, k) for c in ChannelKind for o in ("dead", "gone") for k in Kind])
at_zero(CAPPED, [(c, cap) for c in (ChannelKind.SMS, ChannelKind.EMAIL) for cap in CAPS])


class Dispatcher:
    def __init__(
        self,
        uow: UnitOfWork,
        channels: dict[str, Channel],
        settings: NotifySettings,
        clock: Callable[[], datetime] = utcnow,
        keyring: KeyRing | None = None,
    ) -> None:
        self.uow, self.channels, self.settings, self.clock = uow, channels, settings, clock
        self.keyring = keyring
        # Claimed and not yet sent, per destination: being sent, or ready for a send slot.
        self.in_flight: Tally[str] = Tally()
        self._sending: Tally[str] = Tally()
        self._sending_total = 0
        self._ready: dict[str, deque[dict[str, Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Event()  # set as each send finishes
        self._finished = 0  # sends finished since the last claim
        self._asked = 0  # what the last claim asked for
        self._delivered: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._recording: asyncio.Task[None] | None = None
        self._send_counts = SendCounter(uow.pool)

    async def run(self) -> None:
        """Claim and send for ever; after each claim, wait until enough sends have finished
        to make the next claim worth a statement (or the poll interval)."""

        async def step() -> None:
            await self._wait_for_slots(await self.dispatch_once())

        try:
            await supervise(
                "claiming deliveries", step, every=0.0, retry_after=self.settings.poll_seconds
            )
        finally:
            await self._give_back()

    async def _give_back(self) -> None:
        """On the way out: the held deliveries no send has started on go back to the queue,
        so another replica (or this one, restarted) need not wait for their leases. The sends
        under way finish or run out their leases."""
        unsent = [row["id"] for ready in self._ready.values() for row in ready]
        for destination, ready in self._ready.items():
            self.in_flight[destination] -= len(ready)
            if self.in_flight[destination] <= 0:
                del self.in_flight[destination]
        self._ready.clear()
        if unsent:
            await repository.give_back(self.uow.pool, unsent)

    async def run_until_idle(self) -> None:
        """Claim and send until nothing due can be claimed and nothing is being sent; the
        retries this schedules are left for later (tests and the benchmark)."""
        while (claimed := await self.dispatch_once()) or self.in_flight:
            await self._wait_for_slots(claimed)
        await self.drain()

    async def _wait_for_slots(self, claimed: int) -> None:
        """After a claim that took ``claimed``: claim again at once if it took all it asked
        for; else when a quarter of what is held has been sent (a claim for each send as it
        finishes would be a statement per delivery), when nothing is held, or after the poll
        interval. A claim that found nothing with nothing held means nothing is due: wait the
        poll interval."""
        if claimed and claimed == self._asked and self._free() > 0:
            return
        if not self.in_flight:
            if not claimed:
                await asyncio.sleep(self.settings.poll_seconds)
            return
        enough = max(1, sum(self.in_flight.values()) // 4)
        deadline = time.monotonic() + self.settings.poll_seconds
        while self.in_flight and self._finished < enough:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._slots.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._slots.wait(), left)

    def _free(self) -> int:
        return AHEAD * self.settings.max_in_flight - sum(self.in_flight.values())

    async def dispatch_once(self) -> int:
        """Claim what is due and start sending what a send slot is free for. A dispatcher
        holds up to ``AHEAD`` times what it may send at once, per destination and in all, so
        the next send starts as one finishes, not after the next claim."""
        free = self._free()
        self._asked = min(free, CLAIM_BATCH)
        if free <= 0:
            return 0
        self._finished = 0
        now = self.clock()
        # Long enough for the sends ahead of it to the same destination, and its own.
        lease = now + timedelta(seconds=AHEAD * self.settings.send_timeout_seconds + 30)
        limit = AHEAD * self.settings.per_destination_limit
        # One statement, atomic on its own: no BEGIN and COMMIT round trips around it.
        rows = await repository.claim_deliveries(
            self.uow.pool, now, lease, self._asked, self.in_flight, limit
        )
        for row in rows:
            self.in_flight[row["destination"]] += 1
            self._ready.setdefault(row["destination"], deque()).append(row)
        self._start(list(self._ready))
        return len(rows)

    def _start(self, destinations: list[str]) -> None:
        """Start sending the ready deliveries to ``destinations`` that a slot is free for."""
        limit = self.settings.per_destination_limit
        for destination in destinations:
            ready = self._ready.get(destination)
            while ready and self._sending[destination] < limit and self._send_slot_free():
                self._sending[destination] += 1
                self._sending_total += 1
                task = asyncio.get_running_loop().create_task(self._deliver(ready.popleft()))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if not ready:
                self._ready.pop(destination, None)

    def _send_slot_free(self) -> bool:
        return self._sending_total < self.settings.max_in_flight

    async def drain(self) -> None:
        """Wait for what is held to be sent and recorded (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, row: dict[str, Any]) -> None:
        try:
            try:
                outcome, error = await self._send(row)
            finally:
                self._release(row["destination"])
            await self._record(row, outcome, error)
        except Exception as exc:  # not recorded: the lease expires and it is retried
            log.warning("recording a delivery failed", extra={"error": type(exc).__name__})

    def _release(self, destination: str) -> None:
        """A send finished: its slot goes to the next ready delivery, before it is recorded."""
        every_slot_was_busy = not self._send_slot_free()
        for held in (self._sending, self.in_flight):
            held[destination] -= 1
            if held[destination] <= 0:
                del held[destination]
        self._sending_total -= 1
        self._finished += 1
        # Only a slot in all frees: then any destination's ready deliveries may take it.
        self._start(list(self._ready) if every_slot_was_busy else [destination])
        self._slots.set()

    async def _send(self, row: dict[str, Any]) -> tuple[str, str | None]:
        channel = self.channels.get(row["channel"])
        if channel is None:
            return "dead", f"no {row['channel']} channel is configured"
        destination = row["destination"]
        if is_sealed(destination):  # a complainant's phone or email, sealed under their key
            destination = await self._reveal(destination)
            if destination is None:
                return "dead", "the complainant's personal data was erased"
        # Sealed or not, an address that cannot receive is final, before any cap counts it.
        undeliverable = problem(row["channel"], destination, strict=False)
        if undeliverable:
            return "dead", f"undeliverable destination: {undeliverable}"
        # Counted under the stored destination: a complainant's stays sealed (per complaint).
        over = await self._over_cap(row["channel"], row["destination"])
        if over:
            return "dead", over
        message = Message(
            delivery_id=row["id"],
            destination=destination,
            subject=row["subject"],
            body=row["body"],
            payload=row["payload"],
            secrets=tuple(row["secrets"] or ()),
        )
        started = time.perf_counter()
        # What an error says is stored and published: never with the address in it.
        hidden = (destination, row["destination"])
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for runs the send in a task of its own.
            async with asyncio.timeout(self.settings.send_timeout_seconds):
                await channel.send(message)
            return "delivered", None
        except Gone as exc:
            return "gone", redact(str(exc), *hidden)
        except PermanentFailure as exc:
            return "dead", redact(str(exc), *hidden)
        except (TemporaryFailure, TimeoutError) as exc:
            return "retry", redact(str(exc), *hidden) or "timed out"
        except Exception as exc:  # a channel's own bug or an input it cannot take: no loop
            log.error("channel failed unexpectedly", extra={"error": type(exc).__name__})
            return "dead", f"could not send: {type(exc).__name__}"
        finally:
            LATENCY.labels(row["channel"]).observe(time.perf_counter() - started)

    async def _reveal(self, sealed: str) -> str | None:
        if self.keyring is None:
            return None
        revealed = await self.keyring.reveal(self.uow.pool, sealed)  # one read: no transaction
        return None if revealed == ERASED else str(revealed)

    async def _over_cap(self, channel: str, destination: str) -> str | None:
        """Why this message would exceed a daily cap, or None. Counts it if not."""
        s = self.settings
        caps = {
            ChannelKind.SMS: (s.sms_daily_cap, s.sms_daily_total_cap),
            ChannelKind.EMAIL: (s.email_daily_cap, s.email_daily_total_cap),
        }
        if channel not in caps:
            return None
        per_recipient, in_all = caps[ChannelKind(channel)]
        day = self.clock().date()
        sent, everyone = await self._send_counts.count(channel, destination, day)
        if sent > per_recipient:
            CAPPED.labels(channel, "recipient").inc()
            return f"daily {channel} cap of {per_recipient} reached for the recipient"
        if everyone > in_all:
            CAPPED.labels(channel, "organisation").inc()
            return f"daily {channel} cap of {in_all} reached for the organisation"
        return None

    async def _record(self, row: dict[str, Any], outcome: str, error: str | None) -> None:
        if outcome != "delivered":
            await self._record_one(row, outcome, error)
            return
        # Recorded with every other send that succeeded meanwhile: one transaction for all.
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._delivered.append((row, done))
        if self._recording is None or self._recording.done():
            self._recording = asyncio.get_running_loop().create_task(self._record_delivered())
        await done

    async def _record_delivered(self) -> None:
        """Record the successful sends waiting, a batch at a time, until none wait. A batch
        that cannot be recorded whole is recorded one delivery at a time."""
        while self._delivered:
            batch, self._delivered = self._delivered[:RECORD_BATCH], self._delivered[RECORD_BATCH:]
            rows = [row for row, _ in batch]
            try:
                await self._record_together(rows)
            except Exception as exc:
                log.info("deliveries recorded one at a time", extra={"error": type(exc).__name__})
                for row, done in batch:
                    try:
                        await self._record_one(row, "delivered", None)
                        done.set_result(None)
                    except Exception as one:
                        done.set_exception(one)
                continue
            for _, done in batch:
                done.set_result(None)

    async def _record_together(self, rows: list[dict[str, Any]]) -> None:
        now = self.clock()
        async with self.uow() as conn:
            pending = await repository.mark_delivered_many(conn, [r["id"] for r in rows], now)
            # Streams in one order for every writer (see sla's timers): no deadlock.
            facts = [
                (row["complaint_id"], NotificationDelivered(
                    delivery_id=row["id"], channel=row["channel"], attempts=row["attempts"]
                ), Metadata(site_id=row["site"], actor=ACTOR))
                for row in sorted(rows, key=_by_complaint)
                if row["complaint_id"] and row["id"] in pending
            ]  # fmt: skip
            await eventstore.append_at_ends(conn, facts)
        for row in rows:
            DELIVERIES.labels(row["channel"], "delivered", row["kind"]).inc()

    async def _record_one(self, row: dict[str, Any], outcome: str, error: str | None) -> None:
        now = self.clock()
        attempts = row["attempts"]
        event: DomainEvent
        counted = outcome
        async with self.uow() as conn:
            if outcome == "delivered":
                await repository.mark_delivered(conn, row["id"], now)
                event = NotificationDelivered(
                    delivery_id=row["id"], channel=row["channel"], attempts=attempts
                )
            else:
                delay = (
                    None
                    if outcome != "retry"
                    else next_delay(attempts, tuple(self.settings.backoff_seconds))
                )
                if delay is None:
                    if outcome == "gone" and row["subscription_id"]:
                        await repository.disable_subscription(conn, row["subscription_id"], error)
                    await repository.mark_dead(conn, row["id"], now, error)
                    counted = "dead" if outcome == "retry" else outcome  # out of attempts
                    event = NotificationDeadLettered(
                        delivery_id=row["id"], channel=row["channel"], attempts=attempts,
                        error=error or outcome,
                    )  # fmt: skip
                else:
                    retry_at = now + timedelta(seconds=delay)
                    await repository.schedule_retry(conn, row["id"], retry_at, error)
                    event = NotificationFailed(
                        delivery_id=row["id"], channel=row["channel"], attempts=attempts,
                        error=error or "failed", retry_at=retry_at,
                    )  # fmt: skip
            await _record_event(conn, row, event)
        DELIVERIES.labels(row["channel"], counted, row["kind"]).inc()


def _by_complaint(row: dict[str, Any]) -> tuple[str, str]:
    return str(row["complaint_id"]), str(row["id"])


async def _record_event(conn: Connection, row: dict[str, Any], event: DomainEvent) -> None:
    if row["complaint_id"] is None:
        return
    await eventstore.append(
        conn, row["complaint_id"], [event], Metadata(site_id=row["site"], actor=ACTOR),
        expected_version=None,
    )  # fmt: skip
