"""Kafka topic names: the one place they are spelled."""

from typing import Final

COMPLAINT_EVENTS: Final = "complaints.events"
SLA_EVENTS: Final = "sla.events"
NOTIFY_EVENTS: Final = "notify.events"

# Which topic carries the events of each kind of stream.
STREAM_TOPICS: Final[dict[str, str]] = {
    "complaint": COMPLAINT_EVENTS,
    "sla": SLA_EVENTS,
    "notification": NOTIFY_EVENTS,
}

ALL_TOPICS: Final[tuple[str, ...]] = (COMPLAINT_EVENTS, SLA_EVENTS, NOTIFY_EVENTS)


def topic_for(stream_type: str) -> str:
    try:
        return STREAM_TOPICS[stream_type]
    except KeyError:
        raise ValueError(f"no topic is defined for stream type {stream_type!r}") from None
