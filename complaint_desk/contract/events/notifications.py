"""Events of the notification stream (stream type ``notification``, under the complaint's id),
owned by notify: every message about a complaint appears in its timeline."""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from complaint_desk.contract.events.base import DomainEvent, event
from complaint_desk.contract.events.complaints import SatisfactionReason


@event("notification")
class NotificationQueued(DomainEvent):
    delivery_id: UUID
    channel: str
    recipient: str  # a role or a subscription, never an address
    kind: str
    cause_event_type: str
    not_before: datetime
    instead_of: str | None = None  # the role it was for, when nobody held that role


@event("notification")
class NotificationUnrouted(DomainEvent):
    """Nobody to tell (無人可通知): no directory entry for the role at the complaint's site,
    nor for every site, nor for anyone along its fallback chain (``tried``). An alarm."""

    role: str
    kind: str
    site: str
    tried: list[str]


@event("notification")
class NotificationDelivered(DomainEvent):
    delivery_id: UUID
    channel: str
    attempts: int


@event("notification")
class NotificationFailed(DomainEvent):
    delivery_id: UUID
    channel: str
    attempts: int
    error: str
    retry_at: datetime


@event("notification")
class NotificationDeadLettered(DomainEvent):
    delivery_id: UUID
    channel: str
    attempts: int
    error: str


@event("notification")
class CallbackRequested(DomainEvent):
    """The complainant was sent a link to say whether they are satisfied (回訪)."""

    cycle: int
    channel: str
    expires_at: datetime


@event("notification")
class CallbackReminderSent(DomainEvent):
    cycle: int


@event("notification")
class CallbackPhoneCallRequested(DomainEvent):
    """No answer to the link or the reminder: the officer is asked to call by phone."""

    cycle: int


@event("notification")
class CallbackAnswered(DomainEvent):
    cycle: int
    satisfied: bool
    comments: str | None = None
    channel: str
    rating: int | None = None
    reasons: list[SatisfactionReason] = Field(default_factory=list)
    suggestions: str | None = None
