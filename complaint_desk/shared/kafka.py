"""Kafka plumbing: explicit topic creation and the producer settings every service uses."""

import contextlib
import logging
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from complaint_desk.contract.topics import ALL_TOPICS
from complaint_desk.shared.settings import ServiceSettings

log = logging.getLogger(__name__)


def tls_context(settings: ServiceSettings) -> ssl.SSLContext | None:
    """The TLS context for the brokers (with this client's certificate: mutual TLS), or None
    for plaintext."""
    if settings.kafka_security_protocol.upper() not in ("SSL", "SASL_SSL"):
        return None
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_ssl_certfile:
        context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile)
    return context


def connection_options(settings: ServiceSettings) -> dict[str, Any]:
    """What every aiokafka client of ours is given to reach the brokers."""
    context = tls_context(settings)
    options: dict[str, Any] = {"bootstrap_servers": settings.kafka_bootstrap_list}
    if context is not None:
        options |= {"security_protocol": "SSL", "ssl_context": context}
    if uses_sasl(settings):
        options |= {
            "security_protocol": "SASL_SSL" if context is not None else "SASL_PLAINTEXT",
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password,
        }
    return options


def uses_sasl(settings: ServiceSettings) -> bool:
    return settings.kafka_security_protocol.upper().startswith("SASL_")


async def ensure_topics(settings: ServiceSettings, names: Iterable[str] = ALL_TOPICS) -> list[str]:
    """Create the topics that are missing; returns the ones it created. Idempotent."""
    admin = AIOKafkaAdminClient(**connection_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        for name in missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(
                            name,
                            num_partitions=settings.kafka_topic_partitions,
                            replication_factor=settings.kafka_replication_factor,
                        )
                    ]
                )
        if missing:
            log.info("topics created", extra={"topics": missing})
        return missing
    finally:
        await admin.close()


async def missing_topics(settings: ServiceSettings, names: Iterable[str] = ALL_TOPICS) -> list[str]:
    admin = AIOKafkaAdminClient(**connection_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        return [n for n in names if n not in existing]
    finally:
        await admin.close()


def new_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    # acks=all so a record survives a broker failure in a replicated cluster. The embedded
    # broker has no idempotent producer, so correctness never relies on it: consumers dedupe.
    return AIOKafkaProducer(
        **connection_options(settings),
        acks="all",
        enable_idempotence=settings.kafka_idempotent_producer,
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=15000,
    )
