"""The event contract shared by every service."""

from .base import (
    DomainEvent,
    EventEnvelope,
    Metadata,
    UnknownEventType,
    event,
    event_class,
    registered_event_types,
    utcnow,
)
from .complaints import Category, Channel, ComplaintReceived, Urgency

__all__ = [
    "Category",
    "Channel",
    "ComplaintReceived",
    "DomainEvent",
    "EventEnvelope",
    "Metadata",
    "UnknownEventType",
    "Urgency",
    "event",
    "event_class",
    "registered_event_types",
    "utcnow",
]
