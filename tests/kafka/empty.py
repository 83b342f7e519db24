"""A cluster shared by the end-to-end modules starts each one as the embedded broker does:
without the desk's topics and consumer groups. Otherwise a module's records that its groups
had not committed reach the next module's new database, as records not from its log (and are
parked as such: `test_scale_out` after `test_sla_replicas` saw one)."""

import contextlib
import time

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient  # type: ignore[attr-defined]

from complaint_desk.contract.topics import ALL_TOPICS


def empty_the_cluster(bootstrap: str, within: float = 60) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    listed = admin.list_consumer_groups(request_timeout=30).result()
    groups = [g.group_id for g in listed.valid]
    if groups:
        for future in admin.delete_consumer_groups(groups, request_timeout=30).values():
            # A group whose members have not left yet stays: its topics go below.
            with contextlib.suppress(KafkaException):
                future.result()
    doomed = set(ALL_TOPICS) & set(admin.list_topics(timeout=30).topics)
    if not doomed:
        return
    for future in admin.delete_topics(sorted(doomed), operation_timeout=30).values():
        future.result()
    deadline = time.monotonic() + within
    while doomed & set(admin.list_topics(timeout=30).topics):
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics not deleted: {sorted(doomed)}")
        time.sleep(0.2)  # the controller's deletion, polled: there is nothing to wait on
