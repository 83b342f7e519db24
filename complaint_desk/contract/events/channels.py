"""Events of complaints that came, or were added to, from the complainant's own channels: the
status page, a reply by email, a co-complainant merged in (併案). On the complaint stream."""

from uuid import UUID

from pydantic import Field

from complaint_desk.contract.events.base import DomainEvent, event
from complaint_desk.contract.events.complaints import FILES_DOC, Channel
from complaint_desk.contract.events.files import AttachedFile


@event("complaint")
class ComplainantMessageAdded(DomainEvent):
    """The complainant added information (補充說明) or photos, from the status page or by
    replying to the desk's email: part of the contact log, shown on the timeline."""

    text: str
    via: Channel
    files: list[AttachedFile] = Field(default_factory=list, description=FILES_DOC)
    # A co-complainant's message, from the complaint of theirs that was merged here.
    from_complaint: UUID | None = None


@event("complaint")
class EscalationRequested(DomainEvent):
    """A deadline passed and the complainant asked for the supervisor (要求主管處理): the
    supervisor is told; the complaint stays where it is in the process."""

    reason: str | None = None
    overdue: list[str] = Field(default_factory=list, description="逾期的時效 / the clocks late")
    from_complaint: UUID | None = None  # asked by a co-complainant, from their merged one


@event("complaint")
class ComplaintMerged(DomainEvent):
    """The same problem is already in hand: this complaint was merged into ``into`` (併案).
    Its complainant follows that complaint as a co-complainant; its clocks pause; its events
    stay. Undone by MergeUndone."""

    into: UUID
    into_number: str
    stage: str = Field(description="合併前的階段 / the stage it had, to return to if undone")
    reason: str | None = None


@event("complaint")
class MergeUndone(DomainEvent):
    """The merge was a mistake: this complaint stands on its own again, at ``stage``."""

    into: UUID
    stage: str
    reason: str | None = None


@event("complaint")
class CoComplainantAdded(DomainEvent):
    """Another complainant reported the same problem (``merged``, now merged here): they get
    this complaint's updates and its callback. Their name, phone and email are sealed under
    the key of ``complainant_id``, as in ComplaintReceived."""

    merged: UUID
    merged_number: str
    complainant_id: UUID | None = None
    complainant_name: str
    department: str
    phone: str | None = None
    email: str | None = None
    channel: Channel


@event("complaint")
class CoComplainantRemoved(DomainEvent):
    """The merge of ``merged`` was undone: its complainant no longer follows this one."""

    merged: UUID
