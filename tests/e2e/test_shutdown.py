"""Each service stops within Docker's grace (10 s after SIGTERM) even when what it depends on
is gone: the broker first, then PostgreSQL. This module's system is its own: it ends it."""

import asyncio
import signal
import subprocess

import pytest

from complaint_desk.tools.devstack.postgres import free_port
from complaint_desk.tools.devstack.stack import SERVICES, ServiceProcess

from .conftest import System

pytestmark = pytest.mark.e2e
GRACE = 10.0  # docker stop's default


def replicas(system: System, tag: str) -> list[ServiceProcess]:
    started = []
    for name in SERVICES:
        first = system.stack.services[name]
        replica = ServiceProcess(name, free_port(), first.env, first.log_dir / tag)
        replica.start()
        started.append(replica)
    for replica in started:
        replica.wait_healthy()
    return started


async def stopped_in_grace(services: list[ServiceProcess]) -> list[str]:
    """SIGTERM to each; the names of those still running after the grace."""
    for service in services:
        service.send_signal(signal.SIGTERM)
    late = []
    for service in services:
        assert service.process is not None
        try:
            await asyncio.to_thread(service.process.wait, GRACE)
        except subprocess.TimeoutExpired:
            late.append(service.name)
            service.kill()
    return late


async def test_a_service_stops_in_time_after_the_broker_is_gone(system: System) -> None:
    if system.broker is None:
        pytest.skip("the broker is not this test's to stop (TEST_KAFKA_BOOTSTRAP_SERVERS)")
    services = await asyncio.to_thread(replicas, system, "no-broker")
    await asyncio.to_thread(system.broker.stop)
    assert await stopped_in_grace(services) == []
    await asyncio.to_thread(system.broker.start)


async def test_a_service_stops_in_time_after_postgresql_is_gone(system: System) -> None:
    if system.postgres is None:
        pytest.skip("PostgreSQL is not this test's to stop (TEST_DATABASE_URL)")
    services = await asyncio.to_thread(replicas, system, "no-postgres")
    await asyncio.to_thread(system.postgres.stop, "immediate")
    assert await stopped_in_grace(services) == []
