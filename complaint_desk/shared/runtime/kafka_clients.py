"""A service's Kafka clients: one subscriber for all its projectors (backed by the event
store) and the service's own subscribers of other systems' topics, started with retries and
rebuilt whole after a broker restart, which old clients do not survive."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from prometheus_client import REGISTRY

from complaint_desk.shared import metrics
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.kafka import ensure_topics, missing_topics, tls_context, uses_sasl
from complaint_desk.shared.runtime.group_offsets import adopt_offsets
from complaint_desk.shared.runtime.kafka_parking import parking_middleware
from complaint_desk.shared.runtime.log_subscription import LogSubscription, group_of, topics_of
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.shared.supervise import supervise

if TYPE_CHECKING:
    from complaint_desk.shared.runtime.runtime import ServiceRuntime

log = logging.getLogger(__name__)

# A rebuild within this many seconds of the last one is not repeated.
RESET_QUIET_SECONDS = 5.0
WATCH_SECONDS = 3.0


def _without_publish_metrics(middleware: KafkaPrometheusMiddleware) -> None:
    """FastStream's publish metrics would never have a sample: events reach Kafka through
    the outbox relay (desk_outbox_published_total), not a FastStream publisher. Unregistered,
    so /metrics shows only what is counted."""
    container = middleware._metrics_container
    for name in ("published_messages_total", "published_messages_duration_seconds",
                 "published_messages_exceptions_total"):  # fmt: skip
        with contextlib.suppress(KeyError):
            REGISTRY.unregister(getattr(container, name))


class KafkaClients:
    """The clients of one running service, and when they last heard from Kafka."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.spec = runtime.spec
        self.settings = runtime.settings
        self.broker: KafkaBroker | None = None
        self.ready = False
        self.ready_at = 0.0
        self.last_record_at: dict[str, float] = {}  # per consumer, time.monotonic()
        self._last_reset = 0.0
        self._starting: asyncio.Task[None] | None = None
        self._reset_lock = asyncio.Lock()
        self._adopted = False  # the old groups' offsets looked at, once per process
        self.groups: set[str] = set()  # the consumer groups this service's subscribers join
        # Once per process: brokers are rebuilt after a reset, their metrics are not.
        self._prometheus = KafkaPrometheusMiddleware(registry=REGISTRY, app_name=self.spec.name)
        _without_publish_metrics(self._prometheus)

    # -- building -----------------------------------------------------------------------------

    def build_broker(self) -> KafkaBroker:
        """A broker with one subscriber for the projectors, the service's own subscribers and
        the publications declared; built anew after a broker reset because the old clients
        cannot recover from one."""
        broker = KafkaBroker(
            self.settings.kafka_bootstrap_list,
            security=broker_security(self.settings),
            client_id=f"desk-{self.spec.name}",
            middlewares=[self._prometheus, parking_middleware(self.runtime)],
            # Through our JSON handler; a line per message only at debug level.
            logger=logging.getLogger("faststream.access"),
            log_level=logging.DEBUG,
        )
        consumers = self.runtime.consumers
        if consumers:
            broker.subscriber(
                *topics_of(consumers),
                **self._options(group_of(self.spec.name), backed_by_the_log=True),
                # In batches: one transaction per consumer for up to a hundred events.
                batch=True,
                max_records=self.settings.kafka_max_records,
                batch_timeout_ms=self.settings.kafka_batch_timeout_ms,
                title=f"{self.spec.name}.events:consume",
                description=" ".join(
                    (type(c.projector).__doc__ or c.name).strip() for c in consumers
                ),
                decoder=_undecoded,
            )(self._handler_for(consumers))
        ours = set(broker.subscribers)
        if self.spec.subscribe is not None:
            self.spec.subscribe(broker, self.runtime)
        inbound = sorted(
            {t for sub in broker.subscribers if sub not in ours for t in _topic_names(sub)}
        )
        metrics.at_zero(
            metrics.DEAD_LETTERED,
            [[c.name] for c in self.runtime.consumers] + [[f"inbound:{t}"] for t in inbound],
        )
        for pub in self.spec.publications:
            broker.publisher(
                pub.topic, title=pub.title, description=pub.description, schema=pub.schema
            )
        return broker

    def subscriber_options(self, name: str, *, backed_by_the_log: bool = False) -> dict[str, Any]:
        """How one of the service's own subscribers consumes: in a group of its own, its
        parked messages counted under ``name``. See :meth:`_options`."""
        metrics.at_zero(metrics.DEAD_LETTERED, [[name]])
        return self._options(f"desk.{name}", backed_by_the_log=backed_by_the_log)

    def _options(self, group: str, *, backed_by_the_log: bool) -> dict[str, Any]:
        """Other systems' messages exist only in Kafka: their offsets are committed after each
        is handled. Our own events are in the event store, whose catch-up applies whatever
        Kafka skips: their offsets are committed in the background (a synchronous commit per
        event would cap a consumer at one broker round trip per event)."""
        s = self.settings
        self.groups.add(group)
        return {
            "group_id": group,
            "ack_policy": AckPolicy.ACK_FIRST if backed_by_the_log else AckPolicy.NACK_ON_ERROR,
            "auto_offset_reset": "earliest",
            "session_timeout_ms": s.kafka_session_timeout_ms,
            "heartbeat_interval_ms": s.kafka_heartbeat_interval_ms,
            "fetch_max_wait_ms": s.kafka_fetch_max_wait_ms,
        }

    def _handler_for(self, consumers: Sequence[EventConsumer]) -> Any:
        subscription = LogSubscription(consumers, heard=self.last_record_at)

        # The batch comes as the decoder left it (no Context parameter: resolving one costs
        # a thread hop per message).
        async def handle(msg: Any) -> None:
            records = msg.raw_message  # a batch subscriber's records, in order
            assert isinstance(records, tuple | list)  # (FastStream's test broker: a list)
            await subscription.on_records(records)

        return handle

    # -- running ------------------------------------------------------------------------------

    def begin(self) -> asyncio.Task[None]:
        """Start the clients in the background (they retry until the broker answers)."""
        self._starting = asyncio.get_running_loop().create_task(self.start())
        return self._starting

    async def start(self) -> None:
        backoff = 0.5
        while True:
            broker: KafkaBroker | None = None
            try:
                await ensure_topics(self.settings)
                if self.runtime.consumers and not self._adopted:
                    old = [f"desk.{c.name}" for c in self.runtime.consumers]
                    group, topics = group_of(self.spec.name), topics_of(self.runtime.consumers)
                    await adopt_offsets(self.settings, group, old, topics)
                    self._adopted = True
                if self.runtime.consumers or self.spec.subscribe is not None:
                    broker = self.build_broker()
                    await broker.start()
                self.broker = broker
                self.ready, self.ready_at = True, time.monotonic()
                log.info("kafka clients started", extra={"service": self.spec.name})
                return
            except asyncio.CancelledError:
                if broker is not None:
                    await discard(broker)
                raise
            except Exception as exc:
                # A broker that failed half-way has consumers that joined their groups and
                # hold partitions that nobody reads: stop them before trying again.
                if broker is not None:
                    await discard(broker)
                log.warning("kafka not reachable yet", extra={"error": type(exc).__name__})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def reset(self, reason: str) -> None:
        """Rebuild every Kafka client: after a broker restart the old ones cannot recover."""
        async with self._reset_lock:
            if time.monotonic() - self._last_reset < RESET_QUIET_SECONDS:
                return
            self._last_reset = time.monotonic()
            log.warning("rebuilding kafka clients", extra={"reason": reason})
            metrics.BROKER_RESETS.inc()
            self.ready = False
            # One set of clients at a time: a first start still retrying would otherwise
            # finish beside the rebuilt one, two members of each group in one process.
            starting = self._starting
            if starting is not None and not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
            if self.runtime.relay is not None:
                self.runtime.relay.reset_producer()
            old, self.broker = self.broker, None
            if old is not None:
                await discard(old)
            await self.start()
            # Whoever waited for the lock meanwhile saw the old clients' silence.
            self._last_reset = time.monotonic()

    def quiet_for(self, consumer: str) -> float:
        """Seconds since Kafka last delivered to ``consumer`` (or the clients started)."""
        heard = max(self.last_record_at.get(consumer, 0.0), self.ready_at)
        return time.monotonic() - heard

    async def watch(self) -> None:
        """Topics vanish when the embedded broker restarts empty: recreate them, then rebuild."""

        async def look() -> None:
            if await missing_topics(self.settings):
                await ensure_topics(self.settings)
                await self.reset("topics missing")

        await asyncio.sleep(WATCH_SECONDS)  # the first start creates them
        await supervise("broker check", look, every=WATCH_SECONDS, level=logging.DEBUG)

    async def stop(self) -> None:
        if self.broker is not None:
            await discard(self.broker)


def _topic_names(subscriber: Any) -> list[str]:
    return list(subscriber.topic_names_for_subscribe)  # a Kafka subscriber's topics


async def discard(broker: KafkaBroker) -> None:
    """Stop a broker's clients, whatever state they are in."""
    subs = getattr(broker, "subscribers", ())  # (a test's stand-in broker has none)
    consumers = [c for s in subs if (c := getattr(s, "consumer", None))]
    with contextlib.suppress(Exception):
        await asyncio.wait_for(broker.stop(), 10)
    for consumer in consumers:
        _end_group_tasks(consumer)


def _end_group_tasks(consumer: Any) -> None:
    """A consumer whose stop was cut short (its coordinator gone mid-close) keeps its group
    tasks (aiokafka ends the heartbeat after the coordination task), logging "Heartbeat
    session expired" ten times a second for ever. aiokafka offers no public way to abandon one."""
    coordinator = getattr(consumer, "_coordinator", None)
    for name in ("_heartbeat_task", "_coordination_task", "_commit_refresh_task"):
        task = getattr(coordinator, name, None)
        if isinstance(task, asyncio.Task) and not task.done():
            task.cancel()


async def _undecoded(msg: Any) -> Any:
    """The record as it came: the consumer reads its CloudEvents headers and bytes itself."""
    return msg


def broker_security(settings: ServiceSettings) -> BaseSecurity | None:
    """FastStream's form of connection_options' security: TLS, and SCRAM when SASL_*."""
    context = tls_context(settings)
    if uses_sasl(settings):
        scram = SASLScram512 if settings.kafka_sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
        return scram(
            settings.kafka_sasl_username or "",
            settings.kafka_sasl_password or "",
            ssl_context=context,
            use_ssl=context is not None,
        )
    return BaseSecurity(ssl_context=context) if context else None
