"""The complaint's status machine: which stage each event leads to, and the level a complaint
has before anyone classifies it. Pure, and shared by the aggregate (intake), the clocks (sla)
and the read models (projections), so they can never disagree.

A complaint's *stage* follows the guide's steps; while it waits (for parts, a contractor, the
complainant) its *status* is ``waiting`` and its stage is kept, to return to when it resumes."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from complaint_desk.contract.events.base import DomainEvent
from complaint_desk.contract.events.complaints import (
    Category,
    ReviewOutcome,
    Severity,
    Urgency,
)


class Status(StrEnum):
    NEW = "new"
    RECEIVED = "received"  # 已受理
    CONTACTED = "contacted"  # 已聯繫
    CLASSIFIED = "classified"  # 已分類
    RESOLUTION_PROPOSED = "resolution_proposed"  # 方案待確認
    ESCALATED = "escalated"  # 已上報主管
    RESOLUTION_AGREED = "resolution_agreed"  # 方案已同意
    IN_PROGRESS = "in_progress"  # 處理中
    RESOLVED = "resolved"  # 已解決，待回訪
    UNDER_REVIEW = "under_review"  # 主管復核中
    CLOSED = "closed"  # 已歸檔
    REFERRED = "referred"  # 非後勤管轄，已轉介
    MERGED = "merged"  # 已併案: the same problem is handled in another complaint
    WAITING = "waiting"  # 等待中: a status, never a stage


# No work is done here on these (a referred complaint may still be closed or taken back).
TERMINAL = frozenset({Status.CLOSED, Status.REFERRED, Status.MERGED})

STATUS_ZH = {
    Status.NEW: "新建",
    Status.RECEIVED: "已受理",
    Status.CONTACTED: "已聯繫",
    Status.CLASSIFIED: "已分類",
    Status.RESOLUTION_PROPOSED: "方案待確認",
    Status.ESCALATED: "已上報主管",
    Status.RESOLUTION_AGREED: "方案已同意",
    Status.IN_PROGRESS: "處理中",
    Status.RESOLVED: "已解決",
    Status.UNDER_REVIEW: "主管復核中",
    Status.CLOSED: "已歸檔",
    Status.REFERRED: "已轉介",
    Status.MERGED: "已併案",
    Status.WAITING: "等待中",
}

# Where a complaint may be classified (again): before any plan.
BEFORE_CLASSIFICATION = frozenset({Status.RECEIVED, Status.CONTACTED})


def shown_status(stage: Status, waiting: bool) -> Status:
    """The status a person sees: ``waiting`` while the complaint waits, else its stage."""
    return Status.WAITING if waiting and stage not in TERMINAL else stage


def provisional_level(category: Category, urgency: Urgency) -> Severity:
    """The level a complaint has until the duty officer classifies it: safety problems and
    critical urgency are urgent at once, as the process requires; high urgency and hygiene
    are important; the rest general."""
    if category is Category.SAFETY or urgency is Urgency.CRITICAL:
        return Severity.L1
    if urgency is Urgency.HIGH or category is Category.HYGIENE:
        return Severity.L2
    return Severity.L3


# The stages an undone merge may return to.
_RETURNABLE = frozenset(s.value for s in Status) - {"new", "waiting", "merged"}


def status_after(status: Status, event: DomainEvent) -> Status:
    """The status once ``event`` has happened to a complaint in ``status``."""
    return status_after_type(status, event.event_type, outcome_of(event.event_type, vars(event)))


def outcome_of(event_type: str, data: Mapping[str, Any]) -> str | None:
    """What of an event's fields the machine reads besides its type: a review's outcome, or
    the stage an undone merge returns to."""
    if event_type == "ReviewConcluded":
        return str(data.get("outcome"))
    if event_type == "MergeUndone":
        return str(data.get("stage"))
    return None


def status_after_type(status: Status, event_type: str, outcome: str | None = None) -> Status:
    """The same machine keyed by event type (``outcome``: see :func:`outcome_of`), for read
    models that fold stored events without validating each one."""
    match event_type:
        case "ComplaintReceived":
            return Status.RECEIVED
        case "ComplaintAcknowledged" if status is Status.RECEIVED:
            return Status.CONTACTED
        case "ComplaintClassified" if status in BEFORE_CLASSIFICATION | {
            Status.CLASSIFIED,
            Status.REFERRED,
        }:
            return Status.CLASSIFIED
        case "ComplaintReferred":
            return Status.REFERRED
        case "ResolutionProposed":
            return Status.RESOLUTION_PROPOSED
        case "ResolutionDisputed":
            return Status.ESCALATED
        case "ResolutionAccepted":
            return Status.RESOLUTION_AGREED
        case "TaskAssigned" if status in (Status.CLASSIFIED, Status.RESOLUTION_AGREED):
            return Status.IN_PROGRESS
        case "ComplaintResolved":
            return Status.RESOLVED
        case "ReviewOpened":
            return Status.UNDER_REVIEW
        case "ReviewConcluded" if outcome == ReviewOutcome.UPHELD:
            return Status.RESOLVED
        case "ReviewConcluded" if outcome == ReviewOutcome.FURTHER_ACTION:
            return Status.IN_PROGRESS
        case "ComplaintClosed":
            return Status.CLOSED
        case "ComplaintReopened":
            return Status.IN_PROGRESS
        case "ComplaintMerged":
            return Status.MERGED
        case "MergeUndone" if status is Status.MERGED and outcome in _RETURNABLE:
            return Status(str(outcome))
    return status
