"""`make test-kafka`: the end-to-end tests again, on a three-broker Apache Kafka cluster (KRaft,
from Maven Central) with the production settings: replication 3, min.insync.replicas 2,
acks=all, idempotent producers, lag from the brokers. Tests that restart the embedded broker
skip themselves there (they need a broker of their own to empty).

`make test` runs every module so (about 15 min). ``--where-the-broker-matters`` takes, for a
quicker look, the modules whose outcome depends most on the broker: the lifecycle with the
other systems over Kafka, notifications, SLA and scale-out replicas in consumer groups, the
learning loop's integration topics and tracing through record headers (about 3 min)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from complaint_desk.tools.devstack.apache_kafka import KafkaCluster, provision

WHERE_THE_BROKER_MATTERS = [
    "tests/e2e/test_lifecycle.py",
    "tests/e2e/test_notify.py",
    "tests/e2e/test_sla_replicas.py",
    "tests/e2e/test_scale_out.py",
    "tests/e2e/test_problems.py",
    "tests/e2e/test_tracing.py",
]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--where-the-broker-matters"]:
        argv = WHERE_THE_BROKER_MATTERS + argv[1:]
    with tempfile.TemporaryDirectory(prefix="desk-kafka-") as folder:
        cluster = KafkaCluster(Path(folder), 3, provision()).start()
        try:
            env = {
                **os.environ,
                "TEST_KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap_servers,
                "KAFKA_REPLICATION_FACTOR": "3",
                "KAFKA_IDEMPOTENT_PRODUCER": "true",
                "KAFKA_BROKER_LAG": "true",
            }
            targets = argv or ["tests/e2e"]
            return subprocess.run(
                [sys.executable, "-m", "pytest", "-q", *targets], env=env, check=False
            ).returncode
        finally:
            cluster.destroy()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
