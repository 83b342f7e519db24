"""The runtime every service shares: database and migrations, Kafka subscribers built on the
consumer base, the outbox relay, catch-up from the event store, broker-reset recovery, and the
HTTP app with /health, /metrics and the AsyncAPI document."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import HTMLResponse, JSONResponse
from faststream import AckPolicy, BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.security import BaseSecurity
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.site import get_asyncapi_html
from prometheus_client import REGISTRY
from pydantic import BaseModel, ValidationError

from . import db, eventstore, http, metrics
from . import logging as desk_logging
from .auth import Permission, store
from .auth.http import assert_every_route_guarded, principal_id, require
from .consumer import EventConsumer, KafkaOrigin, Projector, park_message
from .consumer import Q as consumer_q
from .kafka import ensure_topics, missing_topics, tls_context
from .outbox import OutboxNotifier, OutboxRelay, backlog
from .privacy.keys import KeyRing
from .privacy.sealing import master_key
from .settings import ServiceSettings
from .topics import topic_for
from .uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publication:
    """A topic a service writes (through the outbox), for the AsyncAPI document."""

    topic: str
    title: str
    description: str
    schema: Any = None


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    settings: ServiceSettings
    migrations: dict[str, Path] = field(default_factory=dict)
    projectors: Sequence[Projector] = ()
    publications: Sequence[Publication] = ()
    routers: Sequence[APIRouter] = ()
    # Registers the service's own typed subscribers (other systems' topics) on a new broker.
    subscribe: Callable[[KafkaBroker, ServiceRuntime], None] | None = None
    # Long-running jobs of the service (e.g. the SLA timer loop), started with it.
    background: Sequence[Callable[[ServiceRuntime], Awaitable[None]]] = ()


class ServiceRuntime:
    """What one running service holds; ``app.state.runtime`` in its HTTP handlers."""

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.settings = spec.settings
        self.pool: asyncpg.Pool | None = None
        self.relay: OutboxRelay | None = None
        self.notifier: OutboxNotifier | None = None
        self.uow: UnitOfWork | None = None
        self.consumers: list[EventConsumer] = []
        self.broker: KafkaBroker | None = None
        self.kafka_ready = False
        self._last_record_at: dict[str, float] = {}
        self._last_reset = 0.0
        self._kafka_ready_at = 0.0
        self._tasks: list[asyncio.Task[Any]] = []
        self._kafka_start: asyncio.Task[None] | None = None
        self._reset_lock = asyncio.Lock()
        self._asyncapi: AsyncAPI | None = None
        # Once per process: brokers are rebuilt after a reset, their metrics are not.
        self._prometheus = KafkaPrometheusMiddleware(registry=REGISTRY, app_name=spec.name)
        self.keyring = KeyRing(master_key(spec.settings.personal_data_key))

    # -- Kafka --------------------------------------------------------------------------------

    def build_broker(self) -> KafkaBroker:
        """A broker with one subscriber per projector and the publications declared; built
        anew after a broker reset because the old clients cannot recover from one."""
        context = tls_context(self.settings)
        broker = KafkaBroker(
            self.settings.kafka_bootstrap_servers,
            security=BaseSecurity(ssl_context=context) if context else None,
            client_id=f"desk-{self.spec.name}",
            middlewares=[self._prometheus, _parking_middleware(self)],
            # Through our JSON handler; a line per message only at debug level.
            logger=logging.getLogger("faststream.access"),
            log_level=logging.DEBUG,
        )
        for consumer in self.consumers:
            topics = sorted({topic_for(t) for t in consumer.stream_types})
            broker.subscriber(
                *topics,
                **self.subscriber_options(consumer.name, backed_by_the_log=True),
                title=f"{consumer.name}:consume",
                description=(type(consumer.projector).__doc__ or consumer.name).strip(),
                decoder=_undecoded,
            )(self._handler_for(consumer))
        ours = set(broker.subscribers)
        if self.spec.subscribe is not None:
            self.spec.subscribe(broker, self)
        inbound = sorted(
            {t for sub in broker.subscribers if sub not in ours for t in _topic_names(sub)}
        )
        metrics.at_zero(
            metrics.DEAD_LETTERED,
            [[c.name] for c in self.consumers] + [[f"inbound:{t}"] for t in inbound],
        )
        for pub in self.spec.publications:
            broker.publisher(
                pub.topic, title=pub.title, description=pub.description, schema=pub.schema
            )
        return broker

    def subscriber_options(self, name: str, *, backed_by_the_log: bool = False) -> dict[str, Any]:
        """How a subscriber consumes: in a group. Other systems' messages exist only in Kafka:
        their offsets are committed after each is handled. Our own events are in the event
        store, whose catch-up applies whatever Kafka skips: their offsets are committed in
        the background (a synchronous commit per event would cap a consumer at one broker
        round trip per event)."""
        s = self.settings
        metrics.at_zero(metrics.DEAD_LETTERED, [[name]])
        return {
            "group_id": f"desk.{name}",
            "ack_policy": AckPolicy.ACK_FIRST if backed_by_the_log else AckPolicy.NACK_ON_ERROR,
            "auto_offset_reset": "earliest",
            "session_timeout_ms": s.kafka_session_timeout_ms,
            "heartbeat_interval_ms": s.kafka_heartbeat_interval_ms,
            "fetch_max_wait_ms": s.kafka_fetch_max_wait_ms,
        }

    def _handler_for(self, consumer: EventConsumer) -> Any:
        # The message comes as the decoder left it (no Context parameter: resolving one costs
        # a thread hop per message).
        async def handle(msg: Any) -> None:
            record = msg.raw_message
            assert not isinstance(record, tuple)  # one record at a time, never a batch
            self._last_record_at[consumer.name] = time.monotonic()
            await consumer.on_record(
                list(record.headers or ()),
                record.value,
                KafkaOrigin(record.topic, record.partition, record.offset),
            )

        return handle

    async def _start_kafka(self) -> None:
        backoff = 0.5
        while True:
            broker: KafkaBroker | None = None
            try:
                await ensure_topics(self.settings)
                if self.consumers or self.spec.subscribe is not None:
                    broker = self.build_broker()
                    await broker.start()
                self.broker = broker
                self.kafka_ready, self._kafka_ready_at = True, time.monotonic()
                log.info("kafka clients started", extra={"service": self.spec.name})
                return
            except asyncio.CancelledError:
                if broker is not None:
                    await _discard(broker)
                raise
            except Exception as exc:
                # A broker that failed half-way has consumers that joined their groups and
                # hold partitions that nobody reads: stop them before trying again.
                if broker is not None:
                    await _discard(broker)
                log.warning("kafka not reachable yet", extra={"error": type(exc).__name__})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def reset_kafka(self, reason: str) -> None:
        """Rebuild every Kafka client: after a broker restart the old ones cannot recover."""
        async with self._reset_lock:
            if time.monotonic() - self._last_reset < 5.0:
                return
            self._last_reset = time.monotonic()
            log.warning("rebuilding kafka clients", extra={"reason": reason})
            metrics.BROKER_RESETS.inc()
            self.kafka_ready = False
            # One set of clients at a time: a first start still retrying would otherwise
            # finish beside the rebuilt one, two members of each group in one process.
            starting = self._kafka_start
            if starting is not None and not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
            if self.relay is not None:
                self.relay.reset_producer()
            old, self.broker = self.broker, None
            if old is not None:
                await _discard(old)
            await self._start_kafka()
            # Whoever waited for the lock meanwhile saw the old clients' silence.
            self._last_reset = time.monotonic()

    async def _watch_broker(self) -> None:
        """Topics vanish when the embedded broker restarts empty: recreate them, then rebuild."""
        while True:
            await asyncio.sleep(3.0)
            try:
                if await missing_topics(self.settings):
                    await ensure_topics(self.settings)
                    await self.reset_kafka("topics missing")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("broker check failed", extra={"error": type(exc).__name__})

    # -- catch-up -----------------------------------------------------------------------------

    async def _catch_up_loop(self, consumer: EventConsumer) -> None:
        grace = 0.0  # at start, everything already in the log is due
        while True:
            try:
                taken = await consumer.catch_up(grace_seconds=grace)
                heard = max(self._last_record_at.get(consumer.name, 0.0), self._kafka_ready_at)
                quiet = time.monotonic() - heard
                if taken and grace and self.kafka_ready and quiet > grace:
                    # The log had events for us that Kafka never delivered, and Kafka is silent.
                    # (While the clients still start, catching up is all there is to do.)
                    await self.reset_kafka(f"{consumer.name} caught up {taken} events")
                grace = self.settings.catchup_grace_seconds
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "catch-up failed",
                    extra={"consumer": consumer.name, "error": type(exc).__name__},
                )
            await asyncio.sleep(self.settings.catchup_interval_seconds)

    async def _gauges_loop(self) -> None:
        assert self.pool is not None
        while True:
            try:
                pending, oldest = await backlog(self.pool)
                metrics.OUTBOX_BACKLOG.set(pending)
                metrics.OUTBOX_OLDEST_AGE.set(oldest)
                head = await eventstore.head(self.pool)
                for consumer in self.consumers:
                    done = await self.pool.fetchval(consumer_q.checkpoint_position, consumer.name)
                    metrics.CONSUMER_LAG.labels(consumer.name).set(max(0, head - (done or 0)))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("gauge update failed", extra={"error": type(exc).__name__})
            await asyncio.sleep(5.0)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        s = self.settings
        self.pool = await db.create_pool(
            s.database_url, min_size=s.db_pool_min, max_size=s.db_pool_max
        )
        async with self.pool.acquire() as conn:
            await db.migrate(conn, {"shared": db.SHARED_SQL, **self.spec.migrations})
            if s.bootstrap_admin_token:
                await store.ensure_bootstrap_admin(conn, s.bootstrap_admin_token)
        self.consumers = [
            EventConsumer(self.pool, p, max_attempts=s.consumer_max_attempts)
            for p in self.spec.projectors
        ]
        self.relay = OutboxRelay(self.pool, s)
        self.notifier = OutboxNotifier(self.pool)
        self.uow = UnitOfWork(self.pool, self.notifier.poke)
        spawn = asyncio.get_running_loop().create_task
        self._kafka_start = spawn(self._start_kafka())
        self._tasks = [
            spawn(self.notifier.run()),
            self._kafka_start,
            spawn(self.relay.run()),
            spawn(self._watch_broker()),
            spawn(self._gauges_loop()),
            *(spawn(self._catch_up_loop(c)) for c in self.consumers),
            *(spawn(_run(job, self)) for job in self.spec.background),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.broker is not None:
            await _discard(self.broker)
        if self.pool is not None:
            await self.pool.close()

    async def health(self) -> dict[str, Any]:
        database = "ok"
        try:
            assert self.pool is not None
            await self.pool.fetchval("SELECT 1")
        except Exception:
            database = "unreachable"
        return {
            "status": "ok" if database == "ok" else "degraded",
            "service": self.spec.name,
            "database": database,
            "kafka": "ok" if self.kafka_ready else "connecting",
            "outbox_relay_leader": bool(self.relay and self.relay.is_leader),
        }

    def asyncapi(self) -> AsyncAPI:
        if self._asyncapi is None:
            self._asyncapi = AsyncAPI(
                self.build_broker(),
                title=self.spec.title,
                version="0.1.0",
                description=self.spec.description,
            )
        return self._asyncapi


async def _run(job: Callable[[ServiceRuntime], Awaitable[None]], runtime: ServiceRuntime) -> None:
    await job(runtime)


def _topic_names(subscriber: Any) -> list[str]:
    names: list[str] = subscriber.topic_names_for_subscribe  # a Kafka subscriber's topics
    return names


async def _discard(broker: KafkaBroker) -> None:
    """Stop a broker's clients, whatever state they are in."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(broker.stop(), 10)


async def _undecoded(msg: Any) -> Any:
    """The record as it came: the consumer reads its CloudEvents headers and bytes itself."""
    return msg


def _parking_middleware(runtime: ServiceRuntime) -> type[BaseMiddleware]:
    class ParkUnreadable(BaseMiddleware):
        """A message whose payload does not fit its topic's contract is parked with the
        reason, not retried forever: the partition moves on. Any other failure is trouble in
        the infrastructure: wait a little before the message is redelivered."""

        async def consume_scope(self, call_next: Any, msg: Any) -> Any:
            try:
                return await call_next(msg)
            except ValidationError as exc:
                record = msg.raw_message
                assert runtime.pool is not None
                await park_message(
                    runtime.pool,
                    f"inbound:{record.topic}",
                    record,
                    f"payload does not fit the contract: {exc.errors()[:5]}",
                )
                return None
            except Exception as exc:
                record = msg.raw_message
                log.warning(
                    "inbound message failed; it will be redelivered",
                    extra={
                        "topic": record.topic,
                        "partition": record.partition,
                        "offset": record.offset,
                        "error": type(exc).__name__,
                    },
                )
                await asyncio.sleep(1.0)
                raise

    return ParkUnreadable


def create_app(spec: ServiceSpec) -> FastAPI:
    s = spec.settings
    desk_logging.configure(spec.name, s.log_level, s.log_json)
    runtime = ServiceRuntime(spec)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=spec.title, description=spec.description, version="0.1.0", lifespan=lifespan
    )
    app.state.runtime = runtime
    http.install(app, s.rate_limit_per_second, s.rate_limit_burst, identify=principal_id)
    app.include_router(http.ops_router(runtime.health))

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(runtime.asyncapi().to_specification().to_jsonable())

    @app.get("/asyncapi", include_in_schema=False)
    async def asyncapi_page() -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(runtime.asyncapi().to_specification()))

    @app.get(
        "/dead-letters",
        tags=["operations"],
        summary="Parked messages / 無法處理的訊息",
        response_model=list[DeadLetter],
        dependencies=[Depends(OPERATIONS)],
    )
    async def dead_letters(
        consumer: Annotated[str | None, Query(max_length=120)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[DeadLetter]:
        """Messages a consumer could not handle, with why (newest first)."""
        assert runtime.pool is not None
        rows = await runtime.pool.fetch(consumer_q.dead_letters, consumer, limit, offset)
        return [DeadLetter(**dict(r)) for r in rows]

    @app.get(
        "/refusals",
        tags=["operations"],
        summary="Refused requests and messages / 被拒絕的請求與訊息",
        response_model=list[Refusal],
        dependencies=[Depends(OPERATIONS)],
    )
    async def refusals(
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[Refusal]:
        """Inbound messages refused for want of a valid signature or right (newest first)."""
        assert runtime.pool is not None
        return [Refusal(**r) for r in await store.refusals(runtime.pool, limit, offset)]

    for router in spec.routers:
        app.include_router(router)
    assert_every_route_guarded(app)
    return app


# Operational records span every site: for organisation-wide operators and auditors.
OPERATIONS = require(Permission.OPERATE, Permission.AUDIT, organisation_wide=True)


class Refusal(BaseModel):
    id: int
    at: datetime
    channel: str
    reason: str
    principal: str | None
    detail: dict[str, Any]


class DeadLetter(BaseModel):
    id: int
    consumer: str
    event_id: UUID | None
    event_type: str | None
    stream_type: str | None
    stream_id: UUID | None
    version: int | None
    topic: str | None
    kafka_partition: int | None
    kafka_offset: int | None
    error: str
    attempts: int
    parked_at: datetime
