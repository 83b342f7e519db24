"""Apache Kafka for real, beside the embedded Tansu broker: the broker's jars from Maven Central
(``org.apache.kafka:kafka_2.13``, a pinned version, checksums verified by Maven) in a cache
folder outside the repo, one or three combined broker+controller nodes in KRaft mode on
loopback ports with the production settings of docker-compose.yml's ``ha`` profile, and the
faults the tests need: stop, SIGKILL, SIGSTOP/SIGCONT, restart keeping the data.

    python -m complaint_desk.tools.devstack.apache_kafka up --brokers 3   (prints the servers)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .kafka_tls import make_certificates
from .lifeline import die_with_parent
from .postgres import free_port

VERSION = os.environ.get("DESK_KAFKA_VERSION", "4.1.1")
CACHE = Path(os.environ.get("DESK_KAFKA_CACHE", Path.home() / ".cache" / "complaint-desk"))
POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tw.facilities.desk</groupId>
  <artifactId>apache-kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


def provision(version: str = VERSION, cache: Path = CACHE) -> Path:
    """The folder of the broker's runtime jars, downloaded once (Maven, strict checksums)."""
    folder = cache / f"kafka-{version}"
    lib = folder / "lib"
    if (folder / ".complete").exists():
        return lib
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pom.xml").write_text(POM.format(version=version), encoding="utf-8")
    subprocess.run(
        ["mvn", "-q", "-B", "--strict-checksums", "dependency:copy-dependencies",
         f"-DoutputDirectory={lib}", "-DincludeScope=runtime"],
        cwd=folder, check=True, timeout=900,
    )  # fmt: skip
    (folder / ".complete").touch()
    return lib


@dataclass
class Node:
    node_id: int
    port: int
    controller_port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class KafkaCluster:
    """``brokers`` combined nodes; ``directory`` holds their configuration, data and logs."""

    directory: Path
    brokers: int = 3
    lib: Path = field(default_factory=provision)
    nodes: list[Node] = field(default_factory=list)
    # SASL_SSL with SCRAM and ACLs: the users and their passwords (``admin`` is the brokers'
    # own and the only super user). None: PLAINTEXT, no authorisation, as before.
    sasl_users: dict[str, str] | None = None
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        self.nodes = [
            Node(n, free_port(), free_port(), self.directory / f"node-{n}")
            for n in range(1, self.brokers + 1)
        ]
        if self.sasl_users is not None and "admin" not in self.sasl_users:
            raise ValueError("a SASL cluster needs its admin user")

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(n.address for n in self.nodes)

    def _java(self, *args: str) -> list[str]:
        return ["java", "-Xms256m", "-Xmx768m", "-cp", f"{self.lib}/*", *args]

    def _listener(self) -> str:
        return "PLAINTEXT" if self.sasl_users is None else "SASL_SSL"

    def _secure_properties(self) -> list[str]:
        if self.sasl_users is None:
            return []
        password = self.sasl_users["admin"]
        broker_pem = self.directory / "tls" / "broker.pem"
        return [
            "inter.broker.listener.name=SASL_SSL",
            "sasl.enabled.mechanisms=SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="admin" password="{password}";',
            "ssl.keystore.type=PEM", f"ssl.keystore.location={broker_pem}",
            "ssl.truststore.type=PEM", f"ssl.truststore.location={self.ca_file}",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            # ANONYMOUS is the controllers' own listener (plaintext, loopback); clients reach
            # only SASL_SSL, where nobody is anonymous.
            "super.users=User:admin;User:ANONYMOUS",
            "allow.everyone.if.no.acl.found=false",
        ]  # fmt: skip

    def _properties(self, node: Node) -> str:
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        replicas = min(3, self.brokers)
        name = self._listener()
        return "\n".join([
            "process.roles=broker,controller", f"node.id={node.node_id}",
            f"controller.quorum.voters={voters}",
            f"listeners={name}://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}",
            f"advertised.listeners={name}://127.0.0.1:{node.port}",
            "controller.listener.names=CONTROLLER",
            f"listener.security.protocol.map=CONTROLLER:PLAINTEXT,{name}:{name}",
            *self._secure_properties(),
            f"log.dirs={node.directory / 'data'}",
            # As docker-compose.yml's ha profile: replicated, two in sync for a write.
            f"default.replication.factor={replicas}",
            f"min.insync.replicas={min(2, replicas)}",
            f"offsets.topic.replication.factor={replicas}",
            f"transaction.state.log.replication.factor={replicas}",
            f"transaction.state.log.min.isr={min(2, replicas)}",
            "auto.create.topics.enable=false",
            "group.initial.rebalance.delay.ms=0",
            # The tests' consumers leave and rejoin in seconds (a 3 s session); Kafka's floor
            # is 6 s by default and refuses a shorter one with InvalidSessionTimeout.
            "group.min.session.timeout.ms=1000",
        ]) + "\n"  # fmt: skip

    def start(self, timeout: float = 90) -> KafkaCluster:
        cluster_id = subprocess.run(
            self._java("kafka.tools.StorageTool", "random-uuid"),
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        scram: list[str] = []
        if self.sasl_users is not None:
            self.ca_file, _ = make_certificates(self.directory / "tls")
            for user, password in sorted(self.sasl_users.items()):
                scram += ["--add-scram", f"SCRAM-SHA-512=[name={user},password={password}]"]
        for node in self.nodes:
            node.directory.mkdir(parents=True, exist_ok=True)
            (node.directory / "server.properties").write_text(self._properties(node))
            subprocess.run(
                self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c",
                           str(node.directory / "server.properties"), *scram),
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
        for node in self.nodes:
            self.start_node(node)
        for node in self.nodes:
            self._wait_listening(node, timeout)
        return self

    def start_node(self, node: Node) -> None:
        log = open(node.directory / "broker.log", "ab")  # noqa: SIM115 - the broker's own
        node.process = subprocess.Popen(
            self._java("kafka.Kafka", str(node.directory / "server.properties")),
            stdout=log, stderr=log, start_new_session=True,
            preexec_fn=die_with_parent,  # one libc call: safe between fork and exec
        )  # fmt: skip

    def _wait_listening(self, node: Node, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if node.process is None or node.process.poll() is not None:
                raise RuntimeError(f"broker {node.node_id} exited; see {node.directory}")
            try:
                with socket.create_connection(("127.0.0.1", node.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"broker {node.node_id} did not listen on {node.port}")

    def kill(self, index: int) -> None:
        """SIGKILL one node (its data stays for a restart)."""
        self._signal(index, signal.SIGKILL)
        process = self.nodes[index].process
        if process is not None:
            process.wait()

    def pause(self, index: int) -> None:
        self._signal(index, signal.SIGSTOP)

    def resume(self, index: int) -> None:
        self._signal(index, signal.SIGCONT)

    def restart(self, index: int, timeout: float = 90) -> None:
        """Stop one node (SIGTERM, a controlled shutdown) and start it on its own data."""
        node = self.nodes[index]
        if node.process is not None and node.process.poll() is None:
            node.process.terminate()
            try:
                node.process.wait(60)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()
        self.start_node(node)
        self._wait_listening(node, timeout)

    def _signal(self, index: int, sig: int) -> None:
        process = self.nodes[index].process
        if process is not None and process.poll() is None:
            process.send_signal(sig)

    def stop(self) -> None:
        for index, node in enumerate(self.nodes):
            self.resume(index)  # a paused node would not hear SIGTERM
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
        for node in self.nodes:
            if node.process is None:
                continue
            try:
                node.process.wait(60)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="apache_kafka", description="Apache Kafka for the tests / 測試用 Apache Kafka"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("provision", help="download the broker's jars / 下載 Kafka")
    up = commands.add_parser("up", help="start a cluster until interrupted / 啟動叢集")
    up.add_argument("--brokers", type=int, choices=[1, 3], default=3, help="how many / 幾台")
    up.add_argument("--dir", type=Path, default=Path(".data") / "kafka", help="its data / 資料")
    args = parser.parse_args(argv)
    if args.command == "provision":
        print(provision())
        return 0
    stop = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # waited for below, not acted on at once
    cluster = KafkaCluster(args.dir, args.brokers).start()
    print(cluster.bootstrap_servers, flush=True)
    try:
        signal.sigwait(stop)
    finally:
        cluster.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
