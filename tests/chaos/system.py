"""The system under fault: its own PostgreSQL and broker, the four services as processes, a
mail server and an HTTP receiver standing in for the outside world; and the faults."""

import asyncio
import os
import shutil
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from complaint_desk.tools.devstack.apache_kafka import KafkaCluster, provision
from complaint_desk.tools.devstack.broker import EmbeddedBroker
from complaint_desk.tools.devstack.postgres import EmbeddedPostgres, free_port
from complaint_desk.tools.devstack.stack import SERVICES, Stack
from conftest import ARTIFACTS
from tests.e2e.conftest import FAST as E2E_FAST
from tests.receivers import HttpSink, SmtpSink

# libfaketime (Debian's libfaketime) moves the SLA service's wall clock when this file says
# so, and leaves its monotonic clock (asyncio's timers) alone.
FAKETIME = next(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"), Path("/nonexistent"))

# The end-to-end tests' fast profile, without their seconds-long callback reminders (the
# workload records its callbacks itself), and with the relay's poll at a second.
FAST = {
    k: v
    for k, v in E2E_FAST.items()
    if k not in ("NOTIFY_CALLBACK_REMINDER_AFTER_SECONDS", "NOTIFY_CALLBACK_PHONE_AFTER_SECONDS")
} | {"OUTBOX_POLL_SECONDS": "1"}


@dataclass
class FaultRecord:
    name: str
    injected_at: float
    recovered_after: float | None = None


@dataclass
class ChaosSystem:
    postgres: EmbeddedPostgres
    broker: EmbeddedBroker | KafkaCluster
    stack: Stack
    smtp: SmtpSink
    http: HttpSink
    sla_clock: Path
    faults: list[FaultRecord] = field(default_factory=list)

    @property
    def database_url(self) -> str:
        return self.postgres.url

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap_servers

    def url(self, service: str) -> str:
        return self.stack.url(service)

    @classmethod
    def start(
        cls, name: str, extra_env: dict[str, str] | None = None, kafka_brokers: int = 0
    ) -> "ChaosSystem":
        """On the embedded broker, or on ``kafka_brokers`` Apache Kafka brokers with the
        production settings (replication 3, two in sync, idempotent producers)."""
        root = ARTIFACTS / "chaos" / name
        shutil.rmtree(root, ignore_errors=True)
        postgres = EmbeddedPostgres(root / "pg", free_port()).start()
        broker: EmbeddedBroker | KafkaCluster
        if kafka_brokers:
            broker = KafkaCluster(root / "kafka", kafka_brokers, provision()).start()
            extra_env = {
                "KAFKA_REPLICATION_FACTOR": str(min(3, kafka_brokers)),
                "KAFKA_IDEMPOTENT_PRODUCER": "true",
                "KAFKA_BROKER_LAG": "true",
                # Production's session (compose): with the embedded profile's 3 s, aiokafka's
                # members of the integration topics' groups spun on "session expired, marking
                # coordinator dead" after broker faults and never rejoined.
                "KAFKA_SESSION_TIMEOUT_MS": "10000",
                "KAFKA_HEARTBEAT_INTERVAL_MS": "3000",
            } | (extra_env or {})
        else:
            broker = EmbeddedBroker(free_port(), root / "broker.log").start()
        ports = {service: free_port() for service in SERVICES}
        smtp, http = SmtpSink().start(), HttpSink().start()
        env = (
            FAST
            | {
                "NOTIFY_SMTP_PORT": str(smtp.port),
                "NOTIFY_SMS_GATEWAY_URL": http.sms_url,
                "NOTIFY_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['notify']}",
            }
            | (extra_env or {})
        )
        stack = Stack(postgres.url, broker.bootstrap_servers, root / "logs", ports, env)
        clock_file = root / "sla-clock"
        if FAKETIME.exists():
            clock_file.write_text("+0\n")
            sla = stack.services["sla"]
            sla.env = sla.env | {
                "LD_PRELOAD": str(FAKETIME),
                "FAKETIME_TIMESTAMP_FILE": str(clock_file),
                "FAKETIME_NO_CACHE": "1",
                "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            }
        try:
            stack.start(timeout=120)
        except Exception:
            stack.stop()
            for part in (smtp, http, broker):
                part.stop()
            postgres.destroy()
            raise
        return cls(postgres, broker, stack, smtp, http, clock_file)

    def stop(self) -> None:
        for service in self.stack.services.values():
            if service.process is not None and service.process.poll() is None:
                os.kill(service.process.pid, signal.SIGCONT)  # a paused one cannot stop
        self.stack.stop()
        self.smtp.stop()
        self.http.stop()
        self.broker.stop()
        self.postgres.destroy()

    async def healthy(self) -> bool:
        async with httpx.AsyncClient(timeout=2) as client:
            for service in self.stack.services.values():
                try:
                    r = await client.get(f"{service.url}/health")
                except httpx.HTTPError:
                    return False
                if r.status_code != 200:
                    return False
        return True

    # -- the faults ---------------------------------------------------------------------------

    async def kill(self, service: str) -> None:
        """kill -9, then start it again (as a supervisor would)."""
        process = self.stack.services[service]
        await asyncio.to_thread(process.kill)
        await asyncio.to_thread(process.start)

    async def restart_broker(self) -> None:
        """The embedded broker keeps nothing: topics, records and offsets are gone."""
        assert isinstance(self.broker, EmbeddedBroker), "Apache Kafka has faults of its own"
        await asyncio.to_thread(self.broker.restart)

    async def restart_postgres(self) -> None:
        await asyncio.to_thread(self.postgres.stop, "immediate")
        await asyncio.sleep(1)
        await asyncio.to_thread(self.postgres.start)

    async def pause(self, service: str, seconds: float) -> None:
        """SIGSTOP past the consumer group's session timeout, then SIGCONT."""
        process = self.stack.services[service].process
        assert process is not None
        os.kill(process.pid, signal.SIGSTOP)
        await asyncio.sleep(seconds)
        os.kill(process.pid, signal.SIGCONT)

    @property
    def can_jump_clocks(self) -> bool:
        return FAKETIME.exists()

    async def jump_sla_clock(self, offset: str, seconds: float) -> None:
        """The SLA service's wall clock jumps by ``offset`` (e.g. +1h), and back after a while."""
        self.sla_clock.write_text(f"{offset}\n")
        await asyncio.sleep(seconds)
        self.sla_clock.write_text("+0\n")

    async def webhook_outage(self, name: str, seconds: float) -> None:
        self.http.behaviors[name] = "fail"
        await asyncio.sleep(seconds)
        self.http.behaviors[name] = "ok"

    async def inject(
        self,
        name: str,
        fault: Callable[[], Awaitable[None]],
        recovered: Callable[[], Awaitable[bool]],
        within: float = 120,
    ) -> FaultRecord:
        """Inject a fault and time the recovery: until every service is healthy again and
        ``recovered`` says the system works (a probe complaint became readable)."""
        record = FaultRecord(name, time.monotonic())
        self.faults.append(record)
        await fault()
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if await self.healthy() and await recovered():
                record.recovered_after = time.monotonic() - record.injected_at
                break
            await asyncio.sleep(0.25)
        return record


def artifacts(name: str) -> Path:
    return ARTIFACTS / "chaos" / name
