"""The event contract shared by every service."""

from complaint_desk.contract.events.base import (
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
from complaint_desk.contract.events.channels import *  # noqa: F403 - the complainant's channels
from complaint_desk.contract.events.complaints import *  # noqa: F403 - the contract's event classes and vocabularies
from complaint_desk.contract.events.complaints import Category, Channel, ComplaintReceived, Urgency
from complaint_desk.contract.events.inspections import *  # noqa: F403 - preventive inspections
from complaint_desk.contract.events.lifecycle import Status, status_after, status_after_type
from complaint_desk.contract.events.notifications import *  # noqa: F403 - the notification events
from complaint_desk.contract.events.problems import *  # noqa: F403 - problem records
from complaint_desk.contract.events.registry import *  # noqa: F403 - places and equipment
from complaint_desk.contract.events.reports import *  # noqa: F403 - periodic reports
from complaint_desk.contract.events.sla import *  # noqa: F403 - the SLA events

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
