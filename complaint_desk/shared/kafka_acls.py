"""What each principal may do on Kafka, from what the services declare: a service reads the
topics its projectors and subscribers read, joins only its own consumer groups
(``desk.<service>.``), and writes the desk's topics (whichever service leads the outbox relay
publishes the whole log, so each may have to). Another system reads what is sent to it and
writes only its own replies. Anyone else: nothing. ``desk kafka-setup`` applies them (the
compose job); ``desk kafka-acls`` prints them as ``kafka-acls.sh`` commands."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from complaint_desk.contract import topics
from complaint_desk.shared.runtime.spec import ServiceSpec


@dataclass(frozen=True, order=True)
class Grant:
    principal: str  # the SCRAM user name (Kafka's principal User:<name>)
    operation: str  # READ, WRITE or DESCRIBE
    resource: str  # topic or group
    name: str
    prefixed: bool = False  # the name is a prefix (a service's consumer groups)


# The desk writes these (the relay: every stream's topic and each request to another system).
WRITTEN_BY_THE_DESK = sorted(
    set(topics.STREAM_TOPICS.values()) | set(topics.INTEGRATION_TOPICS.values())
)

# The other systems, each with the topics it reads and writes.
OTHER_SYSTEMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "maintenance-system": ((topics.WORK_ORDERS,), (topics.WORK_ORDER_UPDATES,)),
    "procurement-system": ((topics.PURCHASE_REQUESTS,), (topics.PURCHASE_UPDATES,)),
    "command-sender": ((topics.COMMAND_RESULTS,), (topics.COMPLAINT_COMMANDS,)),
}


def service_grants(spec: ServiceSpec) -> list[Grant]:
    user = spec.name
    read = {topics.topic_for(t) for p in spec.projectors for t in p.stream_types}
    read |= {i.topic for i in spec.inbound}
    grants = [Grant(user, "DESCRIBE", "topic", t) for t in topics.ALL_TOPICS]
    grants += [Grant(user, "READ", "topic", t) for t in sorted(read)]
    grants += [Grant(user, "WRITE", "topic", t) for t in WRITTEN_BY_THE_DESK]
    grants.append(Grant(user, "READ", "group", f"desk.{spec.name}.", prefixed=True))
    return sorted(grants)


def other_system_grants(user: str, reads: Iterable[str], writes: Iterable[str]) -> list[Grant]:
    grants = [Grant(user, "READ", "topic", t) for t in reads]
    grants += [Grant(user, "WRITE", "topic", t) for t in writes]
    grants.append(Grant(user, "READ", "group", f"{user}.", prefixed=True))
    return sorted(grants)


def all_grants(specs: Sequence[ServiceSpec]) -> list[Grant]:
    grants = [g for spec in specs for g in service_grants(spec)]
    for user, (reads, writes) in OTHER_SYSTEMS.items():
        grants += other_system_grants(user, reads, writes)
    return grants


def acl_commands(grants: Iterable[Grant], bootstrap: str, config: str) -> list[str]:
    """``kafka-acls.sh`` commands for the grants, one per principal, operation and resource
    kind (run as the brokers' admin user, its client properties in ``config``)."""
    grouped: dict[tuple[str, str, str, bool], list[str]] = {}
    for g in grants:
        grouped.setdefault((g.principal, g.operation, g.resource, g.prefixed), []).append(g.name)
    lines = []
    for (user, operation, resource, prefixed), names in sorted(grouped.items()):
        words = ["kafka-acls.sh", "--bootstrap-server", bootstrap, "--command-config", config]
        words += ["--add", "--allow-principal", f"User:{user}", "--operation", operation.title()]
        if prefixed:
            words += ["--resource-pattern-type", "prefixed"]
        for name in names:
            words += [f"--{resource}", name]
        lines.append(shlex.join(words))
    return lines
