"""The event contract shared by every service."""

from .base import (
    DomainEvent,
    EventEnvelope,
    Metadata,
    UnknownEventType,
    event,
    event_class,
    registered_event_types,
    upcast,
    upcaster,
    utcnow,
)
from .complaints import *  # noqa: F403 - the contract's event classes and vocabularies
from .complaints import Category, Channel, ComplaintReceived, Urgency
from .lifecycle import Status, status_after, status_after_type
from .notifications import *  # noqa: F403 - the notification events
from .sla import *  # noqa: F403 - the SLA events

__all__ = [
    "Category",
    "Channel",
    "ComplaintReceived",
    "DomainEvent",
    "EventEnvelope",
    "Metadata",
    "Status",
    "UnknownEventType",
    "Urgency",
    "event",
    "event_class",
    "registered_event_types",
    "status_after",
    "status_after_type",
    "upcast",
    "upcaster",
    "utcnow",
]
