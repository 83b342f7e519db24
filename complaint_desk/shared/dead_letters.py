"""The dead-letter store: a record no consumer can use, or an event whose effect keeps failing,
is kept in ``consumers.dead_letters`` with where it came from and why, so the partition moves
on and an operator can read it (``GET /dead-letters``)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import ValidationError

from complaint_desk.contract.events import EventEnvelope, UnknownEventType
from complaint_desk.shared import metrics
from complaint_desk.shared.queries import load

log = logging.getLogger(__name__)
Q = load(Path(__file__).parent / "sql" / "queries" / "consumers.sql")


@dataclass(frozen=True, slots=True)
class KafkaOrigin:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class DeadLetter:
    """A row of ``consumers.dead_letters``: what was parked, from where, and why."""

    consumer: str
    error: str
    event_id: UUID | None = None
    event_type: str | None = None
    stream_type: str | None = None
    stream_id: UUID | None = None
    version: int | None = None
    topic: str | None = None
    kafka_partition: int | None = None
    kafka_offset: int | None = None
    headers: dict[str, str] | None = None
    payload: bytes | None = None
    attempts: int = 1

    @classmethod
    def of_event(
        cls,
        consumer: str,
        event: EventEnvelope,
        origin: KafkaOrigin | None,
        error: str,
        attempts: int,
    ) -> DeadLetter:
        return cls(
            consumer=consumer,
            error=error,
            event_id=event.event_id,
            event_type=event.event_type,
            stream_type=event.stream_type,
            stream_id=event.stream_id,
            version=event.version,
            topic=origin.topic if origin else None,
            kafka_partition=origin.partition if origin else None,
            kafka_offset=origin.offset if origin else None,
            payload=_payload(event),
            attempts=attempts,
        )


PARKED_BYTES = 4096  # of a parked record's value, at most


def _storable(text: str) -> str:
    return text.replace("\x00", "\\u0000")


def _payload(event: EventEnvelope) -> bytes:
    return json.dumps(event.data, ensure_ascii=False).encode()


def describe(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return f"ValidationError: {error.errors()[:5]}"
    if isinstance(error, UnknownEventType):
        return f"UnknownEventType: {error}"
    return f"{type(error).__name__}: {error}"[:2000]


async def park_record(
    pool: asyncpg.Pool,
    consumer: str,
    headers: Sequence[tuple[str, bytes]],
    value: bytes | None,
    origin: KafkaOrigin | None,
    reason: str,
) -> None:
    """Keep a record that cannot be handled, with why, so the partition can move on."""
    # Kept as JSON, which cannot hold a NUL: anything a sender put in, made storable.
    header_map = {_storable(k)[:200]: _storable(v.decode(errors="replace"))[:2000]
                  for k, v in list(headers)[:50]}  # fmt: skip
    if value is not None and len(value) > PARKED_BYTES:
        # Whoever can write to a topic must not fill the dead-letter table: a prefix to read,
        # and the whole record's size and hash to recognise it by.
        digest = hashlib.sha256(value).hexdigest()
        reason = (
            f"{reason} [record of {len(value)} bytes, sha256 {digest}; first {PARKED_BYTES} kept]"
        )
        value = value[:PARKED_BYTES]
    letter = DeadLetter(
        consumer=consumer,
        event_type=header_map.get("ce_type"),
        topic=origin.topic if origin else None,
        kafka_partition=origin.partition if origin else None,
        kafka_offset=origin.offset if origin else None,
        headers=header_map,
        payload=value,
        error=reason[:2000],
    )
    await pool.execute(Q.park, *Q.args("park", letter))
    metrics.DEAD_LETTERED.labels(consumer).inc()
    metrics.CONSUMED.labels(consumer, "kafka", "parked").inc()
    log.error("record parked", extra={"consumer": consumer, "reason": reason[:200]})


async def park_message(pool: asyncpg.Pool, consumer: str, record: Any, reason: str) -> None:
    """:func:`park_record` for a record as aiokafka hands it over (a ConsumerRecord)."""
    await park_record(
        pool,
        consumer,
        list(record.headers or ()),
        record.value,
        KafkaOrigin(record.topic, record.partition, record.offset),
        reason,
    )
