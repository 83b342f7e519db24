"""Messages other systems send us: maintenance and procurement answering the work orders and
purchases we requested, and commands from any integrated system. Plain JSON on their topics
(CloudEvents headers are welcome, not required)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

MessageId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
FILES = (
    "photos or documents (the after-photo, a delivery note) uploaded first through intake's "
    "POST /complaints/{id}/attachments, by their ids"
)
REPORTED_BY = (
    "who did or reported it (the technician, the buyer): recorded as the actor, relayed by "
    "the sending system"
)


class WorkOrderStatus(StrEnum):
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PurchaseStatus(StrEnum):
    ORDERED = "ordered"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class WorkOrderUpdate(BaseModel):
    """The maintenance system's news about a work order we requested (WorkOrderRequested).
    Send each update once with its own ``message_id``; duplicates and late arrivals are
    tolerated."""

    model_config = ConfigDict(extra="ignore")

    message_id: MessageId
    complaint_id: UUID | None = Field(None, description="optional: the task id names it")
    task_id: UUID
    status: WorkOrderStatus
    note: Note | None = None
    work_order_ref: MessageId | None = Field(None, description="the maintenance system's own id")
    reported_by: Person | None = Field(None, description=REPORTED_BY)
    files: list[UUID] = Field(default_factory=list, max_length=20, description=FILES)
    occurred_at: AwareDatetime


class PurchaseUpdate(BaseModel):
    """The procurement system's news about a purchase we requested (PurchaseRequested)."""

    model_config = ConfigDict(extra="ignore")

    message_id: MessageId
    complaint_id: UUID | None = Field(None, description="optional: the task id names it")
    task_id: UUID
    status: PurchaseStatus
    note: Note | None = None
    expected_arrival: datetime | None = None
    purchase_ref: MessageId | None = None
    reported_by: Person | None = Field(None, description=REPORTED_BY)
    files: list[UUID] = Field(default_factory=list, max_length=20, description=FILES)
    occurred_at: AwareDatetime


class ComplaintCommand(BaseModel):
    """A command on a complaint from another system: the same commands as intake's HTTP API
    (``command`` is the path after ``/complaints/{id}/``, e.g. ``acknowledge`` or
    ``tasks/complete``), validated the same way. A refused one is answered with a
    CommandRejected event on ``complaints.command-results``."""

    model_config = ConfigDict(extra="forbid")

    command_id: MessageId
    command: Annotated[str, StringConstraints(max_length=40)]
    complaint_id: UUID
    task_id: UUID | None = None
    actor: MessageId
    expected_version: int | None = Field(None, ge=0)
    payload: dict[str, Any] = Field(default_factory=dict)
