"""Kafka with SASL/SCRAM over TLS and ACLs per principal, on three Apache Kafka brokers: the
four services, each with exactly the grants `kafka_acls` gives it, carry a complaint through a
maintenance work order (the maintenance system with its own principal); a principal without
grants, a service writing another system's topic, a wrong password and a plaintext client are
each refused."""

import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from complaint_desk.contract import topics
from complaint_desk.shared.kafka import connection_options
from complaint_desk.shared.kafka_acls import all_grants
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.tools.devstack.apache_kafka import KafkaCluster, provision
from complaint_desk.tools.devstack.postgres import EmbeddedPostgres, free_port
from complaint_desk.tools.devstack.stack import SERVICES, Stack
from complaint_desk.tools.kafka_acls_command import service_specs
from complaint_desk.tools.kafka_setup import set_up
from conftest import ARTIFACTS, eventually, postgres_data_dir
from tests.credentials import ADMIN, integration
from tests.e2e.conftest import FAST
from tests.e2e.desk import Desk, OtherSystem, later
from tests.receivers import HttpSink, SmtpSink

pytestmark = pytest.mark.e2e
USERS = ["admin", *SERVICES, "maintenance-system", "procurement-system", "command-sender",
         "stranger"]  # fmt: skip


@dataclass
class Secured:
    cluster: KafkaCluster
    passwords: dict[str, str]

    def settings(self, user: str, password: str | None = None) -> ServiceSettings:
        assert self.cluster.ca_file is not None
        return ServiceSettings(
            KAFKA_BOOTSTRAP_SERVERS=self.cluster.bootstrap_servers,
            KAFKA_SECURITY_PROTOCOL="SASL_SSL",
            KAFKA_SSL_CAFILE=str(self.cluster.ca_file),
            KAFKA_SASL_USERNAME=user,
            KAFKA_SASL_PASSWORD=password or self.passwords[user],
            KAFKA_REPLICATION_FACTOR="3",
        )

    def client(self, user: str, password: str | None = None) -> dict[str, Any]:
        """A client's security options (the brokers are given apart)."""
        options = connection_options(self.settings(user, password))
        del options["bootstrap_servers"]
        return options


@pytest.fixture(scope="module")
async def secured(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Secured]:
    if shutil.which("java") is None or shutil.which("mvn") is None:
        pytest.fail("a JDK and Maven are needed: the polyglot machine has both")
    passwords = {user: secrets.token_urlsafe(18) for user in USERS}
    folder = Path(tmp_path_factory.mktemp("kafka-sasl"))
    # Only the admin at format time, as compose's brokers; `desk kafka-setup`'s own code
    # creates everyone else (the stranger too, with no grants), the topics and the ACLs.
    admin_only = {"admin": passwords["admin"]}
    cluster = KafkaCluster(folder, 3, provision(), sasl_users=admin_only).start()
    try:
        found = Secured(cluster, passwords)
        others = {u: p for u, p in passwords.items() if u != "admin"}
        await set_up(found.settings("admin"), others, all_grants(service_specs()))
        yield found
    finally:
        cluster.destroy()


@dataclass
class SecureStack:
    stack: Stack
    database_url: str

    def url(self, service: str) -> str:
        return self.stack.url(service)


@pytest.fixture(scope="module")
def stack(secured: Secured) -> Iterator[SecureStack]:
    postgres = EmbeddedPostgres(postgres_data_dir("kafka-sasl"), free_port()).start()
    smtp, http = SmtpSink().start(), HttpSink().start()
    ports = {name: free_port() for name in SERVICES}
    assert secured.cluster.ca_file is not None
    env = FAST | {
        "NOTIFY_SMTP_PORT": str(smtp.port),
        "NOTIFY_SMS_GATEWAY_URL": http.sms_url,
        "NOTIFY_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['notify']}",
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SSL_CAFILE": str(secured.cluster.ca_file),
        "KAFKA_REPLICATION_FACTOR": "3",
        "KAFKA_IDEMPOTENT_PRODUCER": "true",
        "KAFKA_BROKER_LAG": "true",
    }
    log_dir = ARTIFACTS / "logs" / "test_kafka_security"
    shutil.rmtree(log_dir, ignore_errors=True)
    running = Stack(postgres.url, secured.cluster.bootstrap_servers, log_dir, ports, env)
    for name, service in running.services.items():  # each its own principal
        service.env = service.env | {
            "KAFKA_SASL_USERNAME": name,
            "KAFKA_SASL_PASSWORD": secured.passwords[name],
        }
    running.start(timeout=120)
    try:
        yield SecureStack(running, postgres.url)
    finally:
        running.stop()
        smtp.stop()
        http.stop()
        postgres.destroy()
        shutil.rmtree(postgres.data_dir.parent, ignore_errors=True)


async def test_each_service_works_with_exactly_its_grants(
    secured: Secured, stack: SecureStack
) -> None:
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as client:
        desk = Desk(client, stack.url("intake"), stack.url("projections"))
        c = await desk.receive(category="repair_delay")
        cid = c["id"]
        await desk.act(cid, "classify", responsibility="logistics", severity="L2")
        await desk.act(cid, "resolution", kind="repair", summary="repair", deadline=later(2))
        await desk.act(cid, "resolution/accept")
        assigned = await desk.act(
            cid, "tasks", assignee_kind="maintenance", assignee="maintenance team A",
            description="repair the water dispenser", due_at=later(2),
        )  # fmt: skip
        task_id = str(assigned["created_id"])
        signer = await integration(
            stack.database_url, "maintenance-system", event_types=["WorkOrderUpdate"]
        )
        maintenance = OtherSystem(
            secured.cluster.bootstrap_servers, topics.WORK_ORDERS, topics.WORK_ORDER_UPDATES,
            signer, **secured.client("maintenance-system"),
        )  # fmt: skip
        async with maintenance:
            await maintenance.request_for(task_id)  # relayed by the desk, read by maintenance
            await maintenance.send(cid, task_id, "completed", note="filter replaced")
            await desk.wait_for(cid, "TaskCompleted")  # intake's subscriber, its own group
        row = await desk.register_row(cid)
        assert row["status"] != "received"

        async def lag_from_the_brokers() -> str | None:
            text = (await client.get(f"{stack.url('projections')}/metrics")).text
            ok = 'desk_consumer_broker_lag_records{group="desk.projections.events"'
            return text if ok in text else None

        assert await eventually(lag_from_the_brokers, within=30), "its groups' offsets read"


async def refused(secured: Secured, user: str, topic: str, *, write: bool = False,
                  group: str | None = None, password: str | None = None) -> bool:  # fmt: skip
    """Whether ``user`` fails to write (or read, in ``group``) ``topic``."""
    options = secured.client(user, password) | {
        "bootstrap_servers": secured.cluster.bootstrap_servers,
        "request_timeout_ms": 10_000,
    }
    try:
        if write:
            producer = AIOKafkaProducer(**options)
            await producer.start()
            try:
                await producer.send_and_wait(topic, b"{}")
            finally:
                await producer.stop()
        else:
            consumer = AIOKafkaConsumer(topic, group_id=group, auto_offset_reset="earliest",
                                        **options)  # fmt: skip
            await consumer.start()
            try:
                await consumer.getmany(timeout_ms=5000)
                await consumer.getmany(timeout_ms=2000)
            finally:
                await consumer.stop()
    except KafkaError:
        return True
    return False


async def test_whoever_lacks_a_grant_is_refused(secured: Secured) -> None:
    events = topics.COMPLAINT_EVENTS
    assert await refused(secured, "stranger", events), "no grant: no complaint read"
    assert await refused(secured, "stranger", events, write=True), "nor written"
    assert await refused(secured, "notify", topics.WORK_ORDER_UPDATES, write=True), (
        "a service does not write another system's replies"
    )
    assert await refused(secured, "maintenance-system", events), "another system: its own only"
    assert await refused(secured, "sla", events, group="desk.intake.archivist"), (
        "nor joins another service's group"
    )
    assert await refused(secured, "intake", events, password="not-its-password")
    assert not await refused(secured, "sla", events, group="desk.sla.probe"), "the control"


async def test_a_plaintext_client_gets_nothing(secured: Secured) -> None:
    consumer = AIOKafkaConsumer(
        topics.COMPLAINT_EVENTS, bootstrap_servers=secured.cluster.bootstrap_servers,
        request_timeout_ms=5000, auto_offset_reset="earliest",
    )  # fmt: skip
    with pytest.raises(KafkaError):
        await consumer.start()
        try:
            await consumer.getmany(timeout_ms=3000)
        finally:
            await consumer.stop()
