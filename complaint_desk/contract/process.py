"""Which lifecycle commands apply to a complaint as it stands: the one guard intake checks each
command against, and the list the console offers (``allowed_commands`` on a complaint's
detail). Pure, and folded from the same events by both, so the console never offers a step
intake would refuse.

A command is named as intake's API names it (``resolution/accept``, ``tasks/complete``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from complaint_desk.contract.events.lifecycle import (
    BEFORE_CLASSIFICATION,
    TERMINAL,
    Status,
    outcome_of,
    shown_status,
    status_after_type,
)


@dataclass(frozen=True, slots=True)
class Progress:
    """What the guards need to know of a complaint, folded from its events."""

    stage: Status = Status.NEW
    waiting: bool = False
    acknowledged: bool = False
    safety_escalated: bool = False
    classified: bool = False
    plan_needs_approval: bool = False
    open_tasks: frozenset[str] = field(default_factory=frozenset)
    closed_at: datetime | None = None
    personal_data_erased: bool = False

    @property
    def shown(self) -> Status:
        return shown_status(self.stage, self.waiting)

    @property
    def in_hand(self) -> bool:
        """Received and not yet archived or referred: the desk is working on it."""
        return self.stage not in TERMINAL and self.stage is not Status.NEW


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def advance(progress: Progress, event_type: str, data: Mapping[str, Any]) -> Progress:
    """The progress once an event of ``event_type`` with ``data`` (its fields, as a model's or
    as stored JSON) has happened."""
    outcome = outcome_of(event_type, data)
    p = replace(progress, stage=status_after_type(progress.stage, event_type, outcome))
    match event_type:
        case "SafetyEscalated":
            return replace(p, safety_escalated=True)
        case "ComplaintAcknowledged":
            return replace(p, acknowledged=True)
        case "ComplaintClassified":
            return replace(p, classified=True)
        case "ResolutionProposed":
            return replace(p, plan_needs_approval=bool(data.get("needs_approval")))
        case "ResolutionApproved":
            return replace(p, plan_needs_approval=False)
        case "TaskAssigned":
            return replace(p, open_tasks=p.open_tasks | {str(data["task_id"])})
        case "TaskCompleted" | "TaskCancelled":
            return replace(p, open_tasks=p.open_tasks - {str(data["task_id"])})
        case "WaitingStarted":
            return replace(p, waiting=True)
        case "WaitingEnded":
            return replace(p, waiting=False)
        case "ComplaintClosed":
            return replace(p, closed_at=_moment(data["closed_at"]))
        case "ComplaintReopened":
            return replace(p, safety_escalated=False)
        case "PersonalDataErased":
            return replace(p, personal_data_erased=True)
    return p


@dataclass(frozen=True, slots=True)
class Policy:
    """What the guards need besides the complaint: the time and the organisation's rules."""

    now: datetime | None = None  # None: no step that depends on the time is asked about
    reopen_window_days: int = 30


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a command does not apply. Empty reasons: its stage alone rules it out."""

    reason: str = ""
    reason_zh: str = ""


Guard = Callable[[Progress, Policy], Refused | None]
_BY_STAGE = Refused()


def _in(*stages: Status) -> Guard:
    allowed = frozenset(stages)
    return lambda p, _: None if p.stage in allowed else _BY_STAGE


def _in_hand(p: Progress, _: Policy) -> Refused | None:
    return None if p.in_hand else _BY_STAGE


def _all(*guards: Guard) -> Guard:
    def check(p: Progress, policy: Policy) -> Refused | None:
        for guard in guards:
            if (refused := guard(p, policy)) is not None:
                return refused
        return None

    return check


def _unless(test: Callable[[Progress], bool], reason: str, reason_zh: str) -> Guard:
    refused = Refused(reason, reason_zh)
    return lambda p, _: refused if test(p) else None


def _within_reopen_window(p: Progress, policy: Policy) -> Refused | None:
    if policy.now is None:
        raise ValueError("whether a complaint may be reopened depends on the time")
    assert p.closed_at is not None
    days = policy.reopen_window_days
    if policy.now - p.closed_at > timedelta(days=days):
        return Refused(f"closed more than {days} days ago", f"歸檔已超過 {days} 天")
    return None


_TASK_STAGES = (
    Status.CLASSIFIED,
    Status.RESOLUTION_PROPOSED,
    Status.ESCALATED,
    Status.RESOLUTION_AGREED,
    Status.IN_PROGRESS,
)


def _no_open_task(p: Progress, _: Policy) -> Refused | None:
    n = len(p.open_tasks)
    return Refused(f"{n} task(s) still open", f"尚有 {n} 項任務未完成") if n else None


_has_open_task = _unless(lambda p: not p.open_tasks, "no task is open", "沒有未完成的任務")
_approved = _unless(
    lambda p: p.plan_needs_approval, "a supervisor approves it first", "須先經主管核准"
)

# Every lifecycle command and what its complaint must be for it to apply. What depends on the
# command's own fields (the task it names, the severity it sets) intake checks besides.
GUARDS: dict[str, Guard] = {
    "acknowledge": _all(
        _in_hand, _unless(lambda p: p.acknowledged, "already acknowledged", "已聯繫過投訴人")
    ),
    "escalate-safety": _all(
        _in_hand, _unless(lambda p: p.safety_escalated, "already escalated", "已上報安全問題")
    ),
    "owner": _in_hand,
    "evidence": _in_hand,
    "notes": _in(*(s for s in Status if s is not Status.NEW)),
    "classify": _in(*BEFORE_CLASSIFICATION, Status.CLASSIFIED, Status.REFERRED),
    "severity": _all(
        _in_hand, _unless(lambda p: not p.classified, "classify it first", "請先分類")
    ),
    "resolution": _in(Status.CLASSIFIED, Status.RESOLUTION_PROPOSED, Status.ESCALATED),
    "resolution/approve": _all(
        _in(Status.RESOLUTION_PROPOSED),
        _unless(lambda p: not p.plan_needs_approval, "it needs no approval", "此方案無須核准"),
    ),
    "resolution/accept": _all(_in(Status.RESOLUTION_PROPOSED), _approved),
    "resolution/dispute": _all(_in(Status.RESOLUTION_PROPOSED), _approved),
    "report": _in(
        Status.RESOLUTION_AGREED, Status.IN_PROGRESS, Status.RESOLVED, Status.UNDER_REVIEW
    ),
    "tasks": _in(*_TASK_STAGES),
    "tasks/progress": _all(_in_hand, _has_open_task),
    "tasks/complete": _all(_in_hand, _has_open_task),
    "tasks/cancel": _all(_in_hand, _has_open_task),
    "wait": _all(
        _in_hand,
        _unless(lambda p: p.stage in (Status.RESOLVED, Status.UNDER_REVIEW), "", ""),
        _unless(lambda p: p.waiting, "already waiting", "已在等待中"),
    ),
    "resume": _all(_in_hand, _unless(lambda p: not p.waiting, "it is not waiting", "並未在等待")),
    "resolve": _all(
        _in(Status.CLASSIFIED, Status.RESOLUTION_AGREED, Status.IN_PROGRESS),
        _no_open_task,
        _unless(lambda p: p.waiting, "it is waiting", "仍在等待中"),
    ),
    "callbacks": _in(Status.RESOLVED),
    "review/conclude": _in(Status.UNDER_REVIEW),
    "close": _in(Status.RESOLVED, Status.REFERRED),
    "reopen": _all(_in(Status.CLOSED), _within_reopen_window),
    "merge": _in_hand,
    "merge/undo": _in(Status.MERGED),
    "message": _in(*(s for s in Status if s is not Status.NEW)),
    "asset": _in(*(s for s in Status if s not in (Status.NEW, Status.MERGED))),
    "escalation-request": _in_hand,
    "erase-personal-data": _unless(
        lambda p: p.personal_data_erased, "its personal data is erased already", "個人資料已清除"
    ),
}


def refusal(command: str, progress: Progress, policy: Policy) -> Refused | None:
    """Why ``command`` does not apply to a complaint with ``progress`` (None: it applies)."""
    return GUARDS[command](progress, policy)


def allowed_commands(progress: Progress, policy: Policy) -> list[str]:
    """The commands that apply, in the order of the guide's steps."""
    return [name for name, guard in GUARDS.items() if guard(progress, policy) is None]


def fold(history: Iterable[tuple[str, Mapping[str, Any]]]) -> Progress:
    """The progress after a complaint's events, as ``(event_type, data)`` in version order."""
    progress = Progress()
    for event_type, data in history:
        progress = advance(progress, event_type, data)
    return progress


__all__ = [
    "GUARDS",
    "Policy",
    "Progress",
    "Refused",
    "advance",
    "allowed_commands",
    "fold",
    "refusal",
]
