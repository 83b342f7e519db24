"""`desk kafka-setup` waits for brokers that are still starting, and gives up in time."""

import pytest
from confluent_kafka import KafkaException

from complaint_desk.tools.kafka_setup import PrincipalPasswords, retrying


async def test_it_tries_again_while_kafka_refuses_then_gives_up_in_time() -> None:
    now = [0.0]
    calls = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    async def refused() -> str:
        calls.append(now[0])
        raise KafkaException("no quorum yet")

    with pytest.raises(KafkaException):
        await retrying(refused, 7, sleep=sleep, clock=lambda: now[0])
    assert calls == [0.0, 2.0, 4.0, 6.0, 8.0]

    async def ready_on_the_third() -> str:
        calls.append(now[0])
        if len(calls) < 8:
            raise OSError("connection refused")
        return "done"

    assert await retrying(ready_on_the_third, 60, sleep=sleep, clock=lambda: now[0]) == "done"


def test_an_empty_password_is_no_principal_and_a_short_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_PASSWORD_INTAKE", "a" * 24)
    monkeypatch.setenv("KAFKA_PASSWORD_MAINTENANCE_SYSTEM", "")
    assert PrincipalPasswords().passwords() == {"intake": "a" * 24}
    monkeypatch.setenv("KAFKA_PASSWORD_SLA", "short")
    with pytest.raises(ValueError, match="sla"):
        PrincipalPasswords()


def test_every_principal_the_acls_name_can_be_given_a_password() -> None:
    from complaint_desk.shared.kafka_acls import OTHER_SYSTEMS
    from complaint_desk.tools.devstack.stack import SERVICES

    named = {n.replace("_", "-") for n in PrincipalPasswords.model_fields}
    assert named == {*SERVICES, *OTHER_SYSTEMS}
