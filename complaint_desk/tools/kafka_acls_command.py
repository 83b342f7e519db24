"""``desk kafka-acls``: the ACLs each principal needs on a secured Kafka (SASL/SCRAM over TLS),
printed as ``kafka-acls.sh`` commands for the admin of a cluster you run yourself (the compose
deployment's ``kafka-setup`` job applies the same grants itself). Derived from what the
services declare, so a new subscriber or topic cannot be forgotten."""

import argparse
import importlib

from complaint_desk.shared.kafka_acls import acl_commands, all_grants
from complaint_desk.shared.runtime import ServiceSpec
from complaint_desk.tools.devstack.stack import SERVICES


def service_specs() -> list[ServiceSpec]:
    """Each service's declaration, as its app builds it (nothing is started or connected)."""
    specs = []
    for name in SERVICES:
        app = importlib.import_module(f"complaint_desk.services.{name}.app").build_app()
        specs.append(app.state.runtime.spec)
    return specs


def run_kafka_acls(args: argparse.Namespace) -> int:
    for line in acl_commands(all_grants(service_specs()), args.bootstrap_server, args.config):
        print(line)
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "kafka-acls",
        help="print each principal's Kafka ACLs as kafka-acls.sh commands / 列出 Kafka 存取控制",
    )
    parser.add_argument("--bootstrap-server", default="kafka-1:9092",
                        help="a broker, host:port / Kafka 位址")  # fmt: skip
    parser.add_argument("--config", default="/etc/kafka/admin.properties",
                        help="the admin's client properties file / 管理者連線設定檔")  # fmt: skip
    parser.set_defaults(func=run_kafka_acls)
