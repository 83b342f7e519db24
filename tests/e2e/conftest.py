"""The whole system as separate processes, on a PostgreSQL and a broker of its own, so these
tests may restart either without disturbing the rest of the suite."""

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from complaint_desk.shared import db
from complaint_desk.tools.cli import all_migrations
from complaint_desk.tools.devstack.broker import EmbeddedBroker
from complaint_desk.tools.devstack.postgres import EmbeddedPostgres, free_port
from complaint_desk.tools.devstack.stack import SERVICES, Stack
from conftest import ARTIFACTS, postgres_data_dir
from tests import credentials
from tests.kafka.empty import empty_the_cluster
from tests.receivers import HttpSink, SmtpSink


@dataclass
class System:
    stack: Stack
    postgres: EmbeddedPostgres | None
    broker: EmbeddedBroker | None
    database_url: str
    bootstrap_servers: str
    smtp: SmtpSink
    http: HttpSink

    def url(self, service: str) -> str:
        return self.stack.url(service)


FAST = {
    "CATCHUP_GRACE_SECONDS": "2",
    "CATCHUP_INTERVAL_SECONDS": "1",
    "KAFKA_TOPIC_PARTITIONS": "3",
    "KAFKA_SESSION_TIMEOUT_MS": "3000",
    "KAFKA_FETCH_MAX_WAIT_MS": "50",
    "LOG_LEVEL": "INFO",
    "NOTIFY_ALLOW_LOOPBACK": "true",
    "NOTIFY_CALLBACK_DELAY_SECONDS": "1",
    "NOTIFY_CALLBACK_REMINDER_AFTER_SECONDS": "2",
    "NOTIFY_CALLBACK_PHONE_AFTER_SECONDS": "2",
    # Periodic reports only where a module asks for them (each is a PDF to draw).
    "PROJECTIONS_REPORT_KINDS": "[]",
    **credentials.ENV,
}


@pytest.fixture(scope="module")
def system(request: pytest.FixtureRequest) -> Iterator[System]:
    external_db = os.environ.get("TEST_DATABASE_URL")
    external_kafka = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
    postgres = None
    if external_db:
        database_url = external_db
    else:
        postgres = EmbeddedPostgres(postgres_data_dir("e2e"), free_port()).start()
        database_url = postgres.url
    broker = None
    if external_kafka:
        bootstrap = external_kafka
        empty_the_cluster(bootstrap)  # as a module's own embedded broker starts
    else:
        broker = EmbeddedBroker(free_port()).start()
        bootstrap = broker.bootstrap_servers
    log_dir = ARTIFACTS / "logs" / Path(request.node.name).stem
    shutil.rmtree(log_dir, ignore_errors=True)
    ports = {name: free_port() for name in SERVICES}
    smtp, http = SmtpSink().start(), HttpSink().start()
    receivers = {
        "NOTIFY_SMTP_PORT": str(smtp.port),
        "NOTIFY_SMS_GATEWAY_URL": http.sms_url,
        "NOTIFY_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['notify']}",
    }
    # A module may set SYSTEM_ENV for settings of its own system (e.g. a small rate limit).
    own = getattr(request.module, "SYSTEM_ENV", {})
    stack = Stack(
        database_url, bootstrap, log_dir, ports=ports, extra_env={**FAST, **receivers, **own}
    )
    stack.start()
    try:
        yield System(stack, postgres, broker, database_url, bootstrap, smtp, http)
    finally:
        stack.stop()
        smtp.stop()
        http.stop()
        if broker:
            broker.stop()
        if postgres:
            postgres.destroy()
            shutil.rmtree(postgres.data_dir.parent, ignore_errors=True)


@pytest.fixture(scope="module")
async def system_db(system: System) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.create_pool(system.database_url, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        await db.migrate(conn, all_migrations())
    try:
        yield pool
    finally:
        await pool.close()
