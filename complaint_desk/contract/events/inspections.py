"""Preventive inspections (定期巡檢, stream type ``inspection``): a schedule per piece of
equipment or place (its own stream, owned by intake), and each visit it falls due for (a
stream per visit: the work order's ``task_id``). The sla service keeps their durable timers:
it requests each visit's work order once per due time, and records a visit missed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from complaint_desk.contract.events.base import DomainEvent, event
from complaint_desk.contract.events.complaints import WorkOrderRequested
from complaint_desk.contract.events.problems import InspectionPlan


@event("inspection")
class InspectionScheduled(DomainEvent):
    """A recurring inspection of a piece of equipment or a place, by a maintenance team."""

    site: str
    plan: InspectionPlan
    description: str
    location: str = Field(description="地點 / where the crew goes, in words")
    asset: str | None = None
    place: str | None = None
    team: str | None = Field(None, description="維修班組 / the maintenance team")
    problem_id: UUID | None = Field(None, description="問題紀錄 / the problem it improves")
    action_id: UUID | None = None


@event("inspection")
class InspectionScheduleEnded(DomainEvent):
    reason: str


@event("inspection")
class InspectionWorkOrderRequested(WorkOrderRequested):
    """On the visit's own stream: maintenance is asked to inspect, once per due time. The
    same fields as a complaint's work order (``task_id`` is the visit), with its schedule."""

    schedule_id: UUID
    miss_at: datetime = Field(description="逾期 / when it counts as missed")


@event("inspection")
class InspectionCompleted(DomainEvent):
    """The maintenance system reported the visit done."""

    schedule_id: UUID
    note: str | None = None


@event("inspection")
class InspectionMissed(DomainEvent):
    """The visit was not reported done in its grace time."""

    schedule_id: UUID
    due_at: datetime
    site: str
    location: str
