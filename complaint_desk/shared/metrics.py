"""Prometheus metrics shared by every service. Labels stay bounded: never ids or names."""

from collections.abc import Iterable, Sequence

from prometheus_client import Counter, Gauge, Histogram


def at_zero(counter: Counter, label_sets: Iterable[Sequence[str]]) -> None:
    """Create these series at 0. The alert rules use ``increase()``, and a series born at its
    first increment reads 1 from its first sample: no increase, so the first urgent breach,
    dead letter or refusal would never alert."""
    for labels in label_sets:
        counter.labels(*labels)


EVENTS_APPENDED = Counter(
    "desk_events_appended_total",
    "Events written to the event store (counted as written: a transaction that then rolls "
    "back counts them too)",
    ["stream_type", "event_type"],
)
OUTBOX_PUBLISHED = Counter("desk_outbox_published_total", "Outbox records acknowledged by Kafka")
OUTBOX_PUBLISH_SECONDS = Histogram(
    "desk_outbox_publish_batch_seconds", "Time to publish one outbox batch to Kafka"
)
OUTBOX_BACKLOG = Gauge("desk_outbox_backlog", "Events appended but not yet published to Kafka")
OUTBOX_OLDEST_AGE = Gauge(
    "desk_outbox_oldest_age_seconds", "Age of the oldest event not yet published to Kafka"
)
CONSUMED = Counter(
    "desk_consumer_events_total",
    "Events seen by a consumer, by where they came from and what happened",
    ["consumer", "source", "outcome"],
)
DEAD_LETTERED = Counter(
    "desk_dead_lettered_total", "Messages parked in the dead-letter store", ["consumer"]
)
CONSUMER_LAG = Gauge(
    "desk_consumer_lag_events",
    "Events in the event store a consumer's catch-up has not yet passed",
    ["consumer"],
)
CONSUMER_BROKER_LAG = Gauge(
    "desk_consumer_broker_lag_records",
    "Records on Kafka past a consumer group's committed offset (Apache Kafka: KAFKA_BROKER_LAG)",
    ["group", "topic"],
)
BROKER_RESETS = Counter(
    "desk_broker_resets_total", "Times a service rebuilt its Kafka clients after a broker reset"
)
HTTP_REQUESTS = Counter("desk_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_RATE_LIMITED = Counter(
    "desk_http_rate_limited_total", "Requests refused with 429: a client over its rate limit"
)
AUTH_REFUSED = Counter(
    "desk_auth_refused_total",
    "Requests and inbound messages refused: no or a bad credential or signature, or no right",
    ["channel", "reason"],
)
HTTP_SECONDS = Histogram("desk_http_request_seconds", "HTTP request latency", ["method", "route"])
COMPLAINTS_RECEIVED = Counter(
    "desk_complaints_received_total",
    "Complaints received (severity is only known once classified: urgency here)",
    ["site", "category", "urgency"],
)
COMPLAINTS_CLOSED = Counter(
    "desk_complaints_closed_total", "Complaints closed", ["site", "severity", "category"]
)
