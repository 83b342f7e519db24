"""The runtime's Kafka clients: a start that fails half-way leaves no consumer behind, and a
rebuild never runs beside a first start still retrying (two members of each group in one
process, one of them holding partitions that nobody reads)."""

import asyncio
from typing import Any

import pytest

from complaint_desk.shared import kafka
from complaint_desk.shared.runtime import ServiceSpec, kafka_clients
from complaint_desk.shared.runtime.kafka_clients import KafkaClients
from complaint_desk.shared.runtime.runtime import ServiceRuntime
from complaint_desk.shared.settings import ServiceSettings


class FakeBroker:
    """Stands in for a FastStream broker: records whether it was started and stopped."""

    def __init__(self, fails: bool, gate: asyncio.Event | None = None) -> None:
        self.fails, self.gate = fails, gate
        self.started, self.stopped = asyncio.Event(), False

    async def start(self) -> None:
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fails:
            raise ConnectionError("the broker went away half-way")

    async def stop(self) -> None:
        self.stopped = True


def _clients(monkeypatch: pytest.MonkeyPatch, brokers: list[FakeBroker]) -> KafkaClients:
    async def no_topics(*_: Any, **__: Any) -> list[str]:
        return []

    real_sleep = asyncio.sleep

    async def no_wait(_: float) -> None:  # the retry's back-off, not waited for here
        await real_sleep(0)

    monkeypatch.setattr(kafka_clients, "ensure_topics", no_topics)
    runtime = ServiceRuntime(
        ServiceSpec("probe", "Probe", "", ServiceSettings(), subscribe=lambda b, r: None)
    )
    clients = runtime.kafka
    built = iter(brokers)
    monkeypatch.setattr(clients, "build_broker", lambda: next(built))
    monkeypatch.setattr(asyncio, "sleep", no_wait)
    return clients


async def test_a_broker_that_fails_to_start_is_stopped_before_the_next_try(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failed, good = FakeBroker(fails=True), FakeBroker(fails=False)
    clients = _clients(monkeypatch, [failed, good])

    await clients.start()

    assert failed.started.is_set() and failed.stopped
    assert clients.broker is good and not good.stopped and clients.ready


async def test_a_rebuild_cancels_a_first_start_still_retrying_and_stops_its_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = asyncio.Event()
    stuck, rebuilt = FakeBroker(fails=True, gate=gate), FakeBroker(fails=False)
    clients = _clients(monkeypatch, [stuck, rebuilt])
    starting = clients.begin()
    await stuck.started.wait()

    await clients.reset("topics missing")

    assert starting.cancelled()
    assert stuck.stopped
    assert clients.broker is rebuilt and not rebuilt.stopped


def test_each_of_several_brokers_is_a_host_of_its_own() -> None:
    # FastStream reads a comma-separated string as one host name, which no resolver knows:
    # every subscriber of a three-broker deployment would retry forever.
    settings = ServiceSettings(KAFKA_BOOTSTRAP_SERVERS="kafka-1:9092, kafka-2:9092,kafka-3:9092")
    runtime = ServiceRuntime(ServiceSpec("probe", "Probe", "", settings))

    broker = runtime.kafka.build_broker()

    hosts = ["kafka-1:9092", "kafka-2:9092", "kafka-3:9092"]
    assert broker.specification.url == hosts
    assert kafka.connection_options(settings)["bootstrap_servers"] == hosts
