"""Events of the SLA streams, owned by the sla service. A complaint's clocks live in stream
type ``sla`` under the complaint's id; policy and calendar changes in their own streams."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from complaint_desk.contract.events.base import DomainEvent, event
from complaint_desk.contract.events.complaints import Severity


class ClockKind(StrEnum):
    RESPONSE = "response"  # until first contact 響應時效
    RESOLUTION = "resolution"  # until resolved 解決時效
    REVIEW = "review"  # a supervisor's review, until concluded 復核時效


@event("sla")
class SlaClockStarted(DomainEvent):
    clock: ClockKind
    cycle: int
    level: Severity
    calendar: str
    target_seconds: float
    started_at: datetime
    due_at: datetime


@event("sla")
class SlaPaused(DomainEvent):
    clock: ClockKind
    cycle: int
    reason: str
    paused_at: datetime


@event("sla")
class SlaResumed(DomainEvent):
    clock: ClockKind
    cycle: int
    resumed_at: datetime
    due_at: datetime


@event("sla")
class SlaRecalculated(DomainEvent):
    """The clock was re-targeted (severity, policy or calendar changed); time already
    elapsed and pauses are kept."""

    clock: ClockKind
    cycle: int
    level: Severity
    calendar: str
    target_seconds: float
    due_at: datetime | None
    reason: str


@event("sla")
class SlaWarningReached(DomainEvent):
    """A share of a clock's time is used: ``due_at`` is when this warning fell due,
    ``deadline`` when the clock breaches (None in events recorded before it was kept)."""

    clock: ClockKind
    cycle: int
    fraction: float
    notify: str
    due_at: datetime
    reached_at: datetime
    level: Severity | None = None
    deadline: datetime | None = None


@event("sla")
class SlaBreached(DomainEvent):
    clock: ClockKind
    cycle: int
    notify: str
    due_at: datetime
    reached_at: datetime
    level: Severity | None = None


@event("sla")
class SlaMet(DomainEvent):
    clock: ClockKind
    cycle: int
    met_at: datetime
    elapsed_seconds: float
    target_seconds: float
    breached: bool


@event("sla")
class SlaStopped(DomainEvent):
    """The clock stopped without being met: referred elsewhere or closed."""

    clock: ClockKind
    cycle: int
    stopped_at: datetime
    reason: str


@event("sla_config")
class SlaPolicyChanged(DomainEvent):
    site: str
    category: str | None
    policy: dict[str, Any]


@event("sla_config")
class SlaCalendarChanged(DomainEvent):
    site: str
    calendar: dict[str, Any]
