"""The compose file's broker, run as its image would run it, on Apache Kafka from Maven
Central (there is no Docker engine here): ``deploy/kafka/start.sh`` formats the storage with
the admin's SCRAM credential and starts a broker whose properties are the compose service's
environment rendered by the image's own rules; the compose ``kafka-setup`` job's command
(``desk kafka-setup``, with that job's environment) creates the principals, topics and ACLs;
then a service signs in with its compose environment and works within its grants only."""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from complaint_desk.contract import topics
from complaint_desk.shared.kafka import connection_options
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.tools.devstack.apache_kafka import provision
from complaint_desk.tools.devstack.kafka_tls import make_certificates
from complaint_desk.tools.devstack.postgres import free_port

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
# As the apache/kafka image's `utility render-properties` (docker/resources/utility): these
# are not properties, and an entry whose value holds another `=` is dropped.
NOT_PROPERTIES = {
    "KAFKA_VERSION", "KAFKA_HEAP_OPT", "KAFKA_LOG4J_OPTS", "KAFKA_OPTS", "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS", "KAFKA_TOOLS_LOG4J_LOGLEVEL",
}  # fmt: skip


def property_name(variable: str) -> str:
    """The image's ConvertKey: ``_`` is ``.``, ``__`` is ``_``, ``___`` is ``-``."""
    dotted = re.sub(r"(?<=[^_])_(?=[^_])", ".", variable[len("KAFKA_") :])
    return dotted.replace("___", "-").replace("__", "_").lower()


def rendered_properties(environment: dict[str, str]) -> str:
    lines = [
        f"{property_name(k)}={v}"
        for k, v in sorted(environment.items())
        if k.startswith("KAFKA_") and k not in NOT_PROPERTIES and "=" not in v
    ]
    return "\n".join(lines) + "\n"


def interpolate(value: object, variables: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in variables and variables[name] != "":
            return variables[name]
        if op == ":?":
            raise AssertionError(f"compose needs {name}: {rest}")
        return rest if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", one, str(value))


@dataclass
class ComposeBroker:
    folder: Path
    port: int
    variables: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def service_env(self, service: str, prefix: str = "") -> dict[str, str]:
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        env = {k: interpolate(v, self.variables)
               for k, v in compose["services"][service]["environment"].items()
               if k.startswith(prefix)}  # fmt: skip
        return {k: self._local(v) for k, v in env.items()}

    def _local(self, value: str) -> str:
        """Compose's names and files as they are here: the broker on loopback, the secrets."""
        value = value.replace("/run/secrets/kafka_broker_pem", str(self.folder / "broker.pem"))
        value = value.replace("/run/secrets/kafka_ca_pem", str(self.folder / "ca.pem"))
        value = value.replace("/var/lib/kafka/data", str(self.folder / "data"))
        value = value.replace("CLIENTS://:9092", f"CLIENTS://127.0.0.1:{self.port}")
        value = value.replace("CONTROLLER://:9093", f"CONTROLLER://127.0.0.1:{self.port + 1}")
        value = value.replace("1@kafka:9093", f"1@127.0.0.1:{self.port + 1}")
        return value.replace("kafka:9092", f"127.0.0.1:{self.port}")

    def start(self, lib: Path) -> None:
        """The broker's entrypoint as compose gives it: start.sh, then the image's start."""
        env = self.service_env("kafka")
        home = self.folder / "kafka-home"
        (home / "bin").mkdir(parents=True, exist_ok=True)
        tool = home / "bin" / "kafka-storage.sh"
        tool.write_text(f'#!/bin/sh\nexec java -cp "{lib}/*" kafka.tools.StorageTool "$@"\n')
        tool.chmod(0o755)
        (self.folder / "server.properties").write_text(rendered_properties(env))
        image_start = (f'exec java $KAFKA_OPTS -Xmx512m -cp "{lib}/*" kafka.Kafka '
                       f'{self.folder / "server.properties"}')  # fmt: skip
        log = open(self.folder / "broker.log", "ab")  # noqa: SIM115 - the broker's own
        self.process = subprocess.Popen(
            ["bash", str(ROOT / "deploy" / "kafka" / "start.sh"), "bash", "-c", image_start],
            env={"PATH": os.environ["PATH"], "KAFKA_HOME": str(home), **env},
            stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.folder / "broker.log").read_text()[-3000:]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("the compose broker did not listen")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def kafka_setup(self) -> subprocess.CompletedProcess[str]:
        """The compose job: its command with its environment."""
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        command = compose["services"]["kafka-setup"]["command"]
        assert command[:2] == ["python", "-m"]
        return subprocess.run(
            [sys.executable, *command[1:]], capture_output=True, text=True, timeout=180,
            env={"PATH": os.environ["PATH"], **self.service_env("kafka-setup")},
        )  # fmt: skip


def free_pair() -> int:
    """Two free ports in a row (the compose broker's listener and its controller's)."""
    while True:
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeBroker]:
    if shutil.which("java") is None or shutil.which("mvn") is None:
        pytest.fail("a JDK and Maven are needed: the polyglot machine has both")
    lib = provision()
    folder = Path(tmp_path_factory.mktemp("compose-kafka"))
    make_certificates(folder, ["127.0.0.1"])  # as `desk kafka-certificates` makes them
    names = ["ADMIN", "INTAKE", "SLA", "NOTIFY", "PROJECTIONS", "MAINTENANCE_SYSTEM"]
    variables = {f"KAFKA_PASSWORD_{n}": secrets.token_hex(12) for n in names}
    variables["KAFKA_ADMIN_PASSWORD"] = variables.pop("KAFKA_PASSWORD_ADMIN")
    found = ComposeBroker(folder, free_pair(), variables)
    found.start(lib)
    try:
        yield found
    finally:
        found.stop()


async def works(env: dict[str, str], topic: str, group: str, *, write: bool) -> bool:
    options = connection_options(ServiceSettings(**env)) | {"request_timeout_ms": 10_000}
    try:
        if write:
            producer = AIOKafkaProducer(**options, acks="all")
            try:
                await producer.start()
                await producer.send_and_wait(topic, b"{}")
            finally:
                await producer.stop()
        else:
            consumer = AIOKafkaConsumer(topic, group_id=group, auto_offset_reset="earliest",
                                        **options)  # fmt: skip
            try:
                await consumer.start()
                await consumer.getmany(timeout_ms=5000)
                await consumer.commit()  # the group's offsets: a grant of its own
            finally:
                await consumer.stop()
    except KafkaError:
        return False
    return True


async def test_the_setup_job_readies_the_compose_broker_for_each_service(
    broker: ComposeBroker,
) -> None:
    done = broker.kafka_setup()
    assert done.returncode == 0, done.stdout + done.stderr
    assert topics.COMPLAINT_EVENTS in done.stdout, done.stdout  # the job created the topics
    intake = broker.service_env("intake", "KAFKA_")  # how it reaches the brokers
    assert intake["KAFKA_SASL_USERNAME"] == "intake"
    assert await works(intake, topics.COMPLAINT_EVENTS, "", write=True), "its own writes"
    assert await works(intake, topics.WORK_ORDER_UPDATES, "desk.intake.replies", write=False)
    assert not await works(intake, topics.COMPLAINT_EVENTS, "desk.sla.clocks", write=False), (
        "nor joins another service's group"
    )
    assert not await works(intake, topics.WORK_ORDER_UPDATES, "", write=True), (
        "nor writes another system's replies"
    )
    wrong = intake | {"KAFKA_SASL_PASSWORD": "0" * 24}
    assert not await works(wrong, topics.COMPLAINT_EVENTS, "", write=True)


async def test_a_restarted_broker_keeps_its_credentials_and_the_job_runs_again(
    broker: ComposeBroker,
) -> None:
    broker.stop()
    broker.start(provision())  # start.sh again: the storage is formatted already
    again = broker.kafka_setup()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "—" in again.stdout.split("topics created")[1].splitlines()[0], "nothing new"
    sla = broker.service_env("sla", "KAFKA_")
    assert await works(sla, topics.COMPLAINT_EVENTS, "desk.sla.probe", write=False)


def test_properties_render_as_the_image_renders_them() -> None:
    assert property_name("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP") == "listener.security.protocol.map"
    assert property_name("KAFKA_LISTENER_NAME_CLIENTS_SCRAM___SHA___512_X") == (
        "listener.name.clients.scram-sha-512.x"
    )
    assert "jaas" not in rendered_properties({"KAFKA_SASL_JAAS_CONFIG": 'a username="b";'})
