"""The Kafka grants follow what the services declare: each reads what its consumers read, joins
only its own groups and writes only the desk's topics; another system reads what is sent to it
and writes its own replies; the printed commands carry every grant."""

import itertools
import shlex

from complaint_desk.contract import topics
from complaint_desk.shared.kafka_acls import (
    WRITTEN_BY_THE_DESK,
    Grant,
    acl_commands,
    all_grants,
    service_grants,
)
from complaint_desk.tools.kafka_acls_command import service_specs

SPECS = {spec.name: spec for spec in service_specs()}


def _of(grants: list[Grant], operation: str, resource: str = "topic") -> set[str]:
    return {g.name for g in grants if g.operation == operation and g.resource == resource}


def test_a_service_reads_what_it_consumes_and_joins_only_its_own_groups() -> None:
    sla = service_grants(SPECS["sla"])
    assert _of(sla, "READ") == {
        topics.COMPLAINT_EVENTS,
        topics.INSPECTION_EVENTS,
        topics.PROBLEM_EVENTS,
    }
    assert [(g.name, g.prefixed) for g in sla if g.resource == "group"] == [("desk.sla.", True)]
    intake = service_grants(SPECS["intake"])
    assert {topics.WORK_ORDER_UPDATES, topics.COMPLAINT_COMMANDS} <= _of(intake, "READ")
    assert topics.WORK_ORDER_UPDATES not in _of(sla, "READ")


def test_services_write_the_desks_topics_and_never_another_systems_replies() -> None:
    for spec in SPECS.values():
        written = _of(service_grants(spec), "WRITE")
        assert written == set(WRITTEN_BY_THE_DESK)  # any service may lead the relay
        assert not written & {topics.WORK_ORDER_UPDATES, topics.PURCHASE_UPDATES,
                              topics.COMPLAINT_COMMANDS}  # fmt: skip


def test_another_system_reads_its_requests_and_writes_its_replies() -> None:
    grants = all_grants(list(SPECS.values()))
    maintenance = [g for g in grants if g.principal == "maintenance-system"]
    assert _of(maintenance, "READ") == {topics.WORK_ORDERS}
    assert _of(maintenance, "WRITE") == {topics.WORK_ORDER_UPDATES}


def test_the_printed_commands_carry_every_grant() -> None:
    grants = all_grants(list(SPECS.values()))
    printed = set()
    for line in acl_commands(grants, "kafka-1:9092", "/etc/kafka/admin.properties"):
        words = shlex.split(line)
        user = words[words.index("--allow-principal") + 1].removeprefix("User:")
        operation = words[words.index("--operation") + 1].upper()
        prefixed = "--resource-pattern-type" in words
        for flag, name in itertools.pairwise(words):
            if flag in ("--topic", "--group"):
                printed.add(Grant(user, operation, flag[2:], name, prefixed))
    assert printed == set(grants)
