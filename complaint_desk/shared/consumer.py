"""The consumer side every service uses: each event has its effect once, in stream order.

- Dedupe: a consumer records, per stream, the last version it applied, in the same
  transaction as the effect. A redelivered event is recognised and has no second effect.
- Order: an event that arrives ahead of its predecessors (a gap) first has the missing
  versions read from the event store and applied.
- Poison: a record that is not a valid event, or whose effect keeps failing, is parked in
  ``consumers.dead_letters`` with its error after a bounded number of tries; the stream moves
  on, so the rest of the partition is not blocked.
- Catch-up: the event store, not the broker, is the ground truth. :meth:`EventConsumer.catch_up`
  follows the log and applies whatever Kafka did not deliver (an emptied embedded broker, a
  consumer that starts late).

Over 300 lines: one class whose paths (a Kafka batch, a gap, a catch-up page, parking) share
one per-stream transaction and its claim; the dead-letter rows are in :mod:`.dead_letters`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import asyncpg
from opentelemetry.trace import SpanKind

from complaint_desk.contract import cloudevents
from complaint_desk.contract.events import EventEnvelope
from complaint_desk.shared import eventstore, metrics, tracing
from complaint_desk.shared import logging as desk_logging
from complaint_desk.shared.db import Connection
from complaint_desk.shared.dead_letters import DeadLetter, KafkaOrigin, describe, park_record
from complaint_desk.shared.queries import load

log = logging.getLogger(__name__)
Q = load(Path(__file__).parent / "sql" / "queries" / "consumers.sql")
# Events that share one transaction, from a Kafka batch or a catch-up page.
PER_TRANSACTION = 100


class Projector(Protocol):
    """A port each service implements: what one event does to its own tables.

    ``apply`` runs inside the transaction that also records the stream position; it must do
    all its writes through ``conn`` and may raise to refuse the event.

    A projector may also name the event types it acts on (``acts_on``, a set of names): a
    run of other events is then passed over with one statement, without a transaction or
    a call to ``apply``. Its stream positions still reach each stream's head."""

    @property
    def name(self) -> str: ...

    @property
    def stream_types(self) -> Sequence[str]: ...

    async def apply(self, conn: Connection, event: EventEnvelope) -> None: ...


@runtime_checkable
class BatchProjector(Projector, Protocol):
    """A projector that can also apply several events in one go (fewer statements per batch):
    ``apply_all`` must have the effects of ``apply`` on each event in turn."""

    async def apply_all(self, conn: Connection, events: Sequence[EventEnvelope]) -> None: ...


@contextlib.contextmanager
def applying(consumer: str, event: EventEnvelope) -> Iterator[None]:
    """What one event's effect runs in: its ids in the logs, a span the child of its trace.
    A batch projector's ``apply_all`` wraps each event's part in it."""
    desk_logging.correlation_id.set(str(event.correlation_id))
    desk_logging.causation_id.set(str(event.event_id))
    with tracing.span(f"{consumer} {event.event_type}", event.traceparent, SpanKind.CONSUMER):
        yield


_TRANSIENT: tuple[type[BaseException], ...] = (
    eventstore.ConcurrencyConflict,  # a concurrent writer: try again, it is no poison
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)


# A Kafka record as the consumer reads it: headers, value, where it came from.
Record = tuple[Sequence[tuple[str, bytes]], bytes | None, KafkaOrigin | None]


def decode(
    records: Sequence[Record],
) -> tuple[list[tuple[EventEnvelope, KafkaOrigin | None]], list[tuple[Record, str]]]:
    """The events the records carry, in order, and the records that are not events, with why."""
    events: list[tuple[EventEnvelope, KafkaOrigin | None]] = []
    malformed: list[tuple[Record, str]] = []
    for record in records:
        headers, value, origin = record
        try:
            events.append((cloudevents.from_kafka(headers, value or b""), origin))
        except cloudevents.MalformedRecord as exc:
            malformed.append((record, str(exc)))
    return events, malformed


def is_transient(exc: BaseException) -> bool:
    """Infrastructure trouble, not a bad message: retry without counting it as poison."""
    return isinstance(exc, _TRANSIENT)


class StreamGap(Exception):
    """The stream's next version to apply is not this event's: its predecessors come first."""

    def __init__(self, applied: int, version: int) -> None:
        super().__init__(f"at version {applied}, got {version}")
        self.applied = applied


Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class EventConsumer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        projector: Projector,
        *,
        max_attempts: int = 3,
        retry_delay: float = 0.05,
        clock: Clock = _utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.pool = pool
        self.projector = projector
        self.name = projector.name
        self.stream_types = tuple(projector.stream_types)
        # A projector whose tables a rebuild may swap in: each effect holds a shared lock the
        # swap takes exclusively, so no effect straddles the swap.
        self.swappable = bool(getattr(projector, "swappable", False))
        acts_on = getattr(projector, "acts_on", None)
        self.acts_on: frozenset[str] | None = None if acts_on is None else frozenset(acts_on)
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self._clock = clock
        self._sleep = sleep
        # How far behind the log Kafka's deliveries ran, last we heard (catch-up's grace
        # follows it, so the two paths do not both do the work under load).
        self.kafka_behind_seconds = 0.0

    # -- entry points -------------------------------------------------------------------------

    async def on_record(
        self,
        headers: Sequence[tuple[str, bytes]],
        value: bytes | None,
        origin: KafkaOrigin | None = None,
    ) -> None:
        """Handle one Kafka record. Returns normally once the record is applied, recognised
        as a duplicate, or parked; raises only on infrastructure failure (so it is redelivered)."""
        await self.on_records([(headers, value, origin)])

    async def on_records(self, records: Sequence[Record]) -> int:
        """Handle a batch of Kafka records in their order: up to a hundred events share one
        transaction (see :meth:`_apply_many`: a gap or a failing effect falls back
        to one event at a time, so order, gap filling and parking hold as for one record).
        Returns how many took effect; raises only on infrastructure failure."""
        events, malformed = decode(records)
        for (headers, value, origin), reason in malformed:
            await park_record(self.pool, self.name, headers, value, origin, reason)
        return await self.on_events(events)

    async def on_events(self, events: Sequence[tuple[EventEnvelope, KafkaOrigin | None]]) -> int:
        """Handle a batch of events already read from their Kafka records (a service's one
        subscription decodes each record once for all its consumers): those of this consumer's
        stream types, as :meth:`on_records` does. Returns how many took effect."""
        events = [(e, o) for e, o in events if e.stream_type in self.stream_types]
        if not events:
            return 0
        newest = max(e.occurred_at for e, _ in events)
        self.kafka_behind_seconds = max(0.0, (self._clock() - newest).total_seconds())
        done = 0
        for start in range(0, len(events), PER_TRANSACTION):
            chunk = events[start : start + PER_TRANSACTION]
            done += await self._apply_many([e for e, _ in chunk], "kafka", [o for _, o in chunk])
        return done

    async def deliver(
        self, event: EventEnvelope, *, source: str, origin: KafkaOrigin | None = None
    ) -> bool:
        """Apply ``event`` once, after any predecessors still missing. True if it took effect
        now, False if it had already been applied."""
        if source == "kafka" and event.version <= await self._applied(event):
            # A redelivery, or an event catch-up took first: no transaction, no write.
            metrics.CONSUMED.labels(self.name, source, "duplicate").inc()
            return False
        for _ in range(3):
            try:
                return await self._apply_one(event, source=source, origin=origin)
            except StreamGap as gap:
                missing = await eventstore.read_stream(
                    self.pool,
                    event.stream_type,
                    event.stream_id,
                    from_version=gap.applied + 1,
                    to_version=event.version - 1,
                )
                if len(missing) < event.version - 1 - gap.applied:
                    # The log always holds a genuine event's predecessors: this record did
                    # not come from it. Park it rather than retry it forever.
                    await self._park_foreign(
                        event,
                        f"versions {gap.applied + 1}..{event.version - 1} of this stream are "
                        "not in the event store: the record did not come from the log",
                        origin,
                    )
                    return False
                for earlier in missing:
                    with contextlib.suppress(StreamGap):  # another applier got there first
                        await self._apply_one(earlier, source="gap_fill")
        raise RuntimeError(f"{event.stream_type} {event.stream_id}: could not close the gap")

    async def catch_up(
        self, *, grace_seconds: float = 0.0, batch_size: int = 500,
        per_transaction: int = PER_TRANSACTION,
    ) -> int:  # fmt: skip
        """Follow the event store from this consumer's checkpoint and apply what is missing.
        Events younger than ``grace_seconds`` are left to Kafka. Returns how many events took
        effect through catch-up.

        Up to ``per_transaction`` events share one transaction: after a restart or an outage
        the backlog is applied at the pace of the effects, not of one commit per event."""
        row = await self.pool.fetchrow(Q.load_checkpoint, self.name)
        position = eventstore.FollowPosition(row["tx_id"], row["position"]) if row else None
        position = position or eventstore.FollowPosition()
        cutoff = self._clock() - timedelta(seconds=grace_seconds)
        taken = 0
        while True:
            batch = await eventstore.read_after(self.pool, position, self.stream_types, batch_size)
            if not batch:
                break
            # Up to the first young event: the log's order is not the order of recorded_at,
            # and the checkpoint must not pass an event left to Kafka.
            due = list(itertools.takewhile(lambda item: item[2] <= cutoff, batch))
            young = len(due) < len(batch)
            known = {
                (r["stream_type"], r["stream_id"]): r["version"]
                for r in await self.pool.fetch(
                    Q.applied_versions, self.name, list({e.stream_id for _, e, _ in due})
                )
            }
            missing = [e for _, e, _ in due if e.version > known.get(e.key, 0)]
            for start in range(0, len(missing), per_transaction):
                taken += await self._apply_many(missing[start : start + per_transaction])
            if due:
                position = due[-1][0]
                await self.pool.execute(
                    Q.save_checkpoint, self.name, str(position.tx_id), position.position
                )
            if young or len(batch) < batch_size:
                break
        if taken:
            log.info(
                "caught up from the event store", extra={"consumer": self.name, "events": taken}
            )
        return taken

    async def _apply_many(
        self,
        events: Sequence[EventEnvelope],
        source: str = "catch_up",
        origins: Sequence[KafkaOrigin | None] | None = None,
    ) -> int:
        """Apply ``events`` (in log order) in one transaction; how many took effect. Streams
        with nothing the projector acts on are first passed over in one statement. A gap,
        or an effect that fails, sends the whole batch through :meth:`deliver` one event at
        a time instead, where gaps are filled and poison is retried and parked."""
        where = list(origins) if origins is not None else [None] * len(events)
        passed = await self._pass_over(events, source)
        if passed:
            kept = [(e, o) for e, o in zip(events, where, strict=True) if e.key not in passed]
            events, where = [e for e, _ in kept], [o for _, o in kept]
        done = sum(passed.values())
        if not events:
            return done
        if len(events) == 1:
            return done + int(await self.deliver(events[0], source=source, origin=where[0]))
        streams = sorted({e.key for e in events})
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                if self.swappable:
                    await conn.execute(Q.hold_projection, self.name)
                applied: dict[tuple[str, UUID], int] = {
                    (r["stream_type"], r["stream_id"]): r["version"]
                    for r in await conn.fetch(
                        Q.claim_streams,
                        self.name,
                        [t for t, _ in streams],
                        [i for _, i in streams],
                    )
                }
                reached = dict(applied)
                todo = []
                for event in events:
                    if event.version <= reached[event.key]:
                        continue  # applied already (by the other path, or a redelivery)
                    if event.version != reached[event.key] + 1:
                        raise StreamGap(reached[event.key], event.version)
                    todo.append(event)
                    reached[event.key] = event.version
                await self._apply_in_order(conn, todo)
                moved = [k for k in streams if reached[k] != applied[k]]
                await conn.execute(
                    Q.advance_streams,
                    self.name,
                    [t for t, _ in moved],
                    [i for _, i in moved],
                    [reached[k] for k in moved],
                )
        except Exception as exc:
            if is_transient(exc):
                raise
            log.info(
                "batch applied one event at a time",
                extra={"consumer": self.name, "events": len(events), "source": source,
                       "error": type(exc).__name__},
            )  # fmt: skip
            return done + sum([await self.deliver(e, source=source, origin=o)
                               for e, o in zip(events, where, strict=True)])  # fmt: skip
        took = sum(reached[k] - applied[k] for k in streams)
        metrics.CONSUMED.labels(self.name, source, "applied").inc(took)
        if took < len(events):
            metrics.CONSUMED.labels(self.name, source, "duplicate").inc(len(events) - took)
        return done + took

    # -- internals ----------------------------------------------------------------------------

    async def _pass_over(
        self, events: Sequence[EventEnvelope], source: str
    ) -> dict[tuple[str, UUID], int]:
        """Move past the streams whose events here are all of types the projector does not act
        on, in one statement, where each such run follows on from the stream's position. Which
        streams moved, with how many events; the rest take the usual path (a gap, a
        redelivery, an event acted on)."""
        if self.acts_on is None:
            return {}
        runs: dict[tuple[str, UUID], list[int]] = {}
        acted: set[tuple[str, UUID]] = set()
        for event in events:
            runs.setdefault(event.key, []).append(event.version)
            if event.event_type in self.acts_on:
                acted.add(event.key)
        ignored = sorted(
            (key, versions[0], versions[-1])
            for key, versions in runs.items()
            if key not in acted and versions == list(range(versions[0], versions[-1] + 1))
        )
        if not ignored:
            return {}
        rows = await self.pool.fetch(
            Q.pass_over,
            self.name,
            [t for (t, _), _, _ in ignored],
            [i for (_, i), _, _ in ignored],
            [first for _, first, _ in ignored],
            [last for _, _, last in ignored],
        )
        last_of = {key: last for key, _, last in ignored}
        moved = {
            key: len(runs[key])
            for r in rows
            if r["version"] == last_of[key := (r["stream_type"], r["stream_id"])]
        }
        if moved:
            metrics.CONSUMED.labels(self.name, source, "applied").inc(sum(moved.values()))
        return moved

    async def _apply_in_order(self, conn: Connection, events: Sequence[EventEnvelope]) -> None:
        if isinstance(self.projector, BatchProjector) and len(events) > 1:
            with tracing.span(f"{self.name} {len(events)} events", None, SpanKind.CONSUMER):
                await self.projector.apply_all(conn, events)
            return
        for event in events:
            with applying(self.name, event):
                await self.projector.apply(conn, event)

    async def _applied(self, event: EventEnvelope) -> int:
        version = await self.pool.fetchval(
            Q.applied_version, self.name, event.stream_type, event.stream_id
        )
        return int(version or 0)

    async def _apply_one(
        self, event: EventEnvelope, *, source: str, origin: KafkaOrigin | None = None
    ) -> bool:
        desk_logging.correlation_id.set(str(event.correlation_id))
        desk_logging.causation_id.set(str(event.event_id))
        error: BaseException | None = None
        attempt = 0
        while attempt < self.max_attempts:
            attempt += 1
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    if self.swappable:
                        await conn.execute(Q.hold_projection, self.name)
                    applied = await conn.fetchval(
                        Q.claim_stream, self.name, event.stream_type, event.stream_id
                    )
                    if event.version <= applied:
                        metrics.CONSUMED.labels(self.name, source, "duplicate").inc()
                        return False
                    if event.version != applied + 1:
                        raise StreamGap(applied, event.version)
                    # Within the event's trace: what it causes (events, messages) joins it.
                    with tracing.span(f"{self.name} {event.event_type}", event.traceparent,
                                      SpanKind.CONSUMER):  # fmt: skip
                        await self.projector.apply(conn, event)
                    await conn.execute(
                        Q.advance_stream,
                        self.name,
                        event.stream_type,
                        event.stream_id,
                        event.version,
                    )
                metrics.CONSUMED.labels(self.name, source, "applied").inc()
                return True
            except StreamGap:
                raise
            except Exception as exc:
                if is_transient(exc):
                    raise
                error = exc
                log.warning(
                    "event handling failed",
                    extra={
                        "consumer": self.name,
                        "event_id": str(event.event_id),
                        "event_type": event.event_type,
                        "attempt": attempt,
                        "error": type(exc).__name__,
                    },
                )
                await self._sleep(self.retry_delay * 2 ** (attempt - 1))
        assert error is not None
        await self._park_event(event, error, attempt, origin)
        return False

    async def _park_foreign(
        self, event: EventEnvelope, reason: str, origin: KafkaOrigin | None
    ) -> None:
        """Keep a record that claims a place in a stream the log does not have; the stream's
        position stays where it is."""
        letter = DeadLetter.of_event(self.name, event, origin, reason, attempts=1)
        await self.pool.execute(Q.park, *Q.args("park", letter))
        metrics.DEAD_LETTERED.labels(self.name).inc()
        log.error(
            "record parked: not from the event store",
            extra={"consumer": self.name, "event_id": str(event.event_id)},
        )

    async def _park_event(
        self, event: EventEnvelope, error: BaseException, attempts: int, origin: KafkaOrigin | None
    ) -> None:
        """Record the dead letter and move the stream past it, in one transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            if self.swappable:
                await conn.execute(Q.hold_projection, self.name)
            applied = await conn.fetchval(
                Q.claim_stream, self.name, event.stream_type, event.stream_id
            )
            if event.version != applied + 1:
                return
            letter = DeadLetter.of_event(self.name, event, origin, describe(error), attempts)
            await conn.execute(Q.park, *Q.args("park", letter))
            await conn.execute(
                Q.advance_stream, self.name, event.stream_type, event.stream_id, event.version
            )
        metrics.DEAD_LETTERED.labels(self.name).inc()
        metrics.CONSUMED.labels(self.name, "kafka" if origin else "catch_up", "parked").inc()
        log.error(
            "event parked in the dead-letter store",
            extra={"consumer": self.name, "event_id": str(event.event_id), "attempts": attempts},
        )
