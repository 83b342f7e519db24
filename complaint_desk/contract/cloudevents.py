"""CloudEvents 1.0 in Kafka binary mode: attributes in ``ce_*`` headers, the payload as JSON.

The record key is the stream id (the complaint id), so every event of one complaint lands on
one partition and keeps its order.
"""

import json
from collections.abc import Iterable, Mapping

from pydantic import ValidationError

from complaint_desk.contract.events import EventEnvelope

SPEC_VERSION = "1.0"
TYPE_PREFIX = "tw.facilities.complaints."
CONTENT_TYPE = "application/json"

# Envelope fields carried as CloudEvents extension attributes (lower-case alphanumerics only).
_EXTENSIONS = {
    "streamtype": "stream_type",
    "streamversion": "version",
    "siteid": "site_id",
    "actor": "actor",
    "correlationid": "correlation_id",
    "causationid": "causation_id",
    "relayedby": "relayed_by",
    "schemaversion": "schema_version",
    # CloudEvents' distributed-tracing extension: the W3C trace context.
    "traceparent": "traceparent",
}


class MalformedRecord(ValueError):
    """A Kafka record that is not a valid CloudEvent of our contract."""


def source_for(stream_type: str) -> str:
    return f"/facilities/{stream_type}"


def to_kafka(envelope: EventEnvelope) -> tuple[bytes, list[tuple[str, bytes]], bytes]:
    """(key, headers, value) of the Kafka record for an event."""
    headers: dict[str, str] = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": str(envelope.event_id),
        "ce_source": source_for(envelope.stream_type),
        "ce_type": TYPE_PREFIX + envelope.event_type,
        "ce_subject": str(envelope.stream_id),
        "ce_time": envelope.occurred_at.isoformat().replace("+00:00", "Z"),
        "content-type": CONTENT_TYPE,
    }
    for ext, field in _EXTENSIONS.items():
        value = getattr(envelope, field)
        if value is not None:
            headers[f"ce_{ext}"] = str(value)
    if envelope.position is not None:
        headers["ce_position"] = str(envelope.position)
    if envelope.traceparent:  # also as W3C's own header, which Kafka tracers read
        headers["traceparent"] = envelope.traceparent
    value = json.dumps(envelope.data, ensure_ascii=False, separators=(",", ":")).encode()
    return str(envelope.stream_id).encode(), [(k, v.encode()) for k, v in headers.items()], value


def from_kafka(
    headers: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]], value: bytes
) -> EventEnvelope:
    """Parse a record back into an envelope; :class:`MalformedRecord` says what is wrong."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    try:
        h = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in items}
    except UnicodeDecodeError as exc:
        raise MalformedRecord(f"a header is not UTF-8: {exc}") from None
    if h.get("ce_specversion") != SPEC_VERSION:
        raise MalformedRecord(f"ce_specversion is {h.get('ce_specversion')!r}, expected 1.0")
    ce_type = h.get("ce_type", "")
    if not ce_type.startswith(TYPE_PREFIX):
        raise MalformedRecord(f"ce_type {ce_type!r} is not one of ours")
    try:
        data = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRecord(f"payload is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedRecord("payload is not a JSON object")
    fields = {field: h.get(f"ce_{ext}") for ext, field in _EXTENSIONS.items()}
    try:
        return EventEnvelope.model_validate(
            {
                **fields,
                "event_id": h.get("ce_id"),
                "event_type": ce_type.removeprefix(TYPE_PREFIX),
                "stream_id": h.get("ce_subject"),
                "occurred_at": h.get("ce_time"),
                "position": h.get("ce_position"),
                "data": data,
            }
        )
    except ValidationError as exc:
        raise MalformedRecord(f"invalid CloudEvent attributes: {exc.errors()[:3]}") from None
