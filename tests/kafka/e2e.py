"""`make test-kafka`: the end-to-end tests again, on a three-broker Apache Kafka cluster (KRaft,
from Maven Central) with the production settings: replication 3, min.insync.replicas 2,
acks=all, idempotent producers. Tests that restart the embedded broker skip themselves there
(they need a broker of their own to empty)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from complaint_desk.tools.devstack.apache_kafka import KafkaCluster, provision


def main(argv: list[str]) -> int:
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
