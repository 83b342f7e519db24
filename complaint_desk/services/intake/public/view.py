"""What the complainant's status page shows of their complaint: pure, from its events.

Only what is theirs to know: the stage in the guide's words, the agreed plan and when it is
due, the progress reported, the handling summary and the callback, and their own messages.
Never staff notes, evidence, who handled it, nor anyone else (co-complainants included)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import EventEnvelope, Status
from complaint_desk.contract.process import Progress, advance
from complaint_desk.contract.words import CATEGORY_WORDS

Words = tuple[str, str]  # (Traditional Chinese, English)

STAGE_WORDS: dict[Status, Words] = {
    Status.RECEIVED: ("已受理，值班人員將與您聯繫", "Received: a duty officer will contact you"),
    Status.CONTACTED: ("值班人員已與您聯繫，正在調查", "Contacted: being looked into"),
    Status.CLASSIFIED: ("已調查核實，正在制定處理方案", "Investigated: a plan is being made"),
    Status.RESOLUTION_PROPOSED: ("已提出處理方案，待您確認", "A plan awaits your agreement"),
    Status.ESCALATED: ("您對方案有異議，已由主管協調", "A supervisor coordinates the plan"),
    Status.RESOLUTION_AGREED: ("處理方案已確認", "The plan is agreed"),
    Status.IN_PROGRESS: ("處理中", "Being handled"),
    Status.RESOLVED: ("已處理完成，將向您回訪", "Handled: we will ask you how it went"),
    Status.UNDER_REVIEW: ("主管復核中", "A supervisor is reviewing it"),
    Status.CLOSED: ("已處理完畢並歸檔", "Handled and archived"),
    Status.REFERRED: ("非後勤管轄，已轉介", "Outside logistics: referred"),
    Status.MERGED: ("與另一件相同問題的投訴併案處理", "Handled together with the same problem"),
    Status.WAITING: ("等待中", "Waiting"),
}  # fmt: skip

WAIT_WORDS: dict[str, Words] = {
    "complainant": ("等待您的回覆", "waiting for you"),
    "third_party": ("等待第三方", "waiting for a third party"),
    "parts": ("等待配件", "waiting for parts"),
}
ASSIGNEE_WORDS: dict[str, Words] = {
    "maintenance": ("維修團隊", "the maintenance team"),
    "procurement": ("採購部門", "procurement"),
    "third_party": ("外部廠商", "a contractor"),
    "person": ("負責同仁", "a colleague"),
}


@dataclass(frozen=True)
class Step:
    at: datetime
    words: Words
    detail: str | None = None  # text as written (a plan, a progress note, their message)
    photos: int = 0
    mine: bool = False  # the complainant's own message


@dataclass
class PublicView:
    complaint_id: UUID
    number: str = ""
    site: str = ""
    location: str = ""
    category: str = "other"
    received_at: datetime | None = None
    progress: Progress = field(default_factory=Progress)
    plan: str | None = None
    plan_due: datetime | None = None
    plan_agreed: bool = False
    resolved_summary: str | None = None
    improvement: str | None = None
    satisfied: bool | None = None
    merged_into: UUID | None = None
    merged_into_number: str | None = None
    waiting_reason: str | None = None
    steps: list[Step] = field(default_factory=list)
    escalation_requested: bool = False

    @property
    def stage_words(self) -> Words:
        words = STAGE_WORDS[self.progress.shown]
        if self.progress.shown is Status.WAITING and self.waiting_reason in WAIT_WORDS:
            return WAIT_WORDS[self.waiting_reason]
        return words

    @property
    def category_words(self) -> Words:
        return CATEGORY_WORDS.get(self.category, CATEGORY_WORDS["other"])


def fold(
    complaint_id: UUID, events: Iterable[EventEnvelope], reader: UUID | None = None
) -> PublicView:
    """The view of a complaint for the complainant of ``reader`` (this complaint's own, or a
    co-complainant's merged one): of the messages, only their own."""
    view = PublicView(complaint_id)
    reader = reader or complaint_id
    proposals: dict[str, dict[str, Any]] = {}
    for e in events:
        d = e.data
        view.progress = advance(view.progress, e.event_type, d)
        if e.event_type == "ComplainantMessageAdded":
            author = d.get("from_complaint") or complaint_id
            if str(author) != str(reader):
                continue
        say = _saying(view, e, d, proposals)
        if say is not None:
            view.steps.append(say)
    return view


def _saying(
    view: PublicView, e: EventEnvelope, d: dict[str, Any], proposals: dict[str, dict[str, Any]]
) -> Step | None:
    at = e.occurred_at
    match e.event_type:
        case "ComplaintReceived":
            view.number, view.site, view.location = d["number"], d["site"], d["location"]
            view.category = d["category"]
            view.received_at = datetime.fromisoformat(str(d["received_at"]))
            photos = len(d.get("files") or [])
            return Step(at, ("已受理登記", "Received and recorded"), photos=photos)
        case "SafetyEscalated":
            return Step(at, ("安全問題已立即上報", "Reported upward at once as a safety problem"))
        case "ComplaintAcknowledged":
            return Step(at, ("值班人員已與您聯繫", "A duty officer contacted you"))
        case "ComplaintClassified":
            return Step(at, ("已調查核實", "Investigated"))
        case "ComplaintReferred":
            return Step(at, ("已轉介", "Referred"), detail=d.get("referred_to"))
        case "ResolutionProposed":
            proposals[str(d["resolution_id"])] = d
            if d.get("needs_approval"):
                return None  # the supervisor approves it first: not theirs to see yet
            return Step(at, ("已提出處理方案", "A plan was proposed"), detail=d["summary"])
        case "ResolutionApproved":
            plan = proposals.get(str(d["resolution_id"]), {})
            return Step(at, ("已提出處理方案", "A plan was proposed"), detail=plan.get("summary"))
        case "ResolutionAccepted":
            plan = proposals.get(str(d["resolution_id"]), {})
            view.plan, view.plan_agreed = plan.get("summary"), True
            due = plan.get("deadline") or plan.get("expected_arrival")
            view.plan_due = datetime.fromisoformat(str(due)) if due else None
            return Step(at, ("處理方案已確認", "The plan was agreed"), detail=view.plan)
        case "ResolutionDisputed":
            return Step(at, ("您對方案有異議，已上報主管", "Disputed: a supervisor coordinates"))
        case "TaskAssigned":
            who = ASSIGNEE_WORDS.get(d["assignee_kind"], ASSIGNEE_WORDS["person"])
            return Step(at, (f"已交由{who[0]}處理", f"Given to {who[1]}"))
        case "TaskProgressed":
            return Step(at, ("處理進度", "Progress"), detail=d.get("note"))
        case "TaskCompleted":
            return Step(at, ("工作已完成", "Work done"), detail=d.get("note"))
        case "WaitingStarted":
            view.waiting_reason = d["reason"]
            return Step(at, WAIT_WORDS.get(d["reason"], ("等待中", "Waiting")))
        case "WaitingEnded":
            view.waiting_reason = None
            return Step(at, ("恢復處理", "Handling resumed"))
        case "ComplaintResolved":
            view.resolved_summary, view.improvement = d["summary"], d.get("improvement")
            return Step(at, ("已處理完成", "Handled"), detail=d["summary"])
        case "CallbackRecorded":
            view.satisfied = bool(d["satisfied"])
            words = ("回訪：您表示滿意", "Callback: you were satisfied") if d["satisfied"] else (
                "回訪：您表示不滿意", "Callback: you were not satisfied")  # fmt: skip
            return Step(at, words)
        case "ReviewOpened":
            return Step(at, ("主管復核中", "A supervisor reviews it"))
        case "ReviewConcluded":
            return Step(at, ("主管已完成復核", "The supervisor concluded the review"))
        case "ComplaintClosed":
            return Step(at, ("已歸檔", "Archived"))
        case "ComplaintReopened":
            view.resolved_summary = view.improvement = view.satisfied = None
            return Step(at, ("重新處理", "Reopened"))
        case "ComplainantMessageAdded":
            photos = len(d.get("files") or [])
            return Step(at, ("您的補充說明", "Your message"), d["text"], photos, mine=True)
        case "EscalationRequested":
            view.escalation_requested = True
            return Step(at, ("已要求主管處理", "The supervisor was asked to step in"))
        case "ComplaintMerged":
            view.merged_into, view.merged_into_number = UUID(str(d["into"])), d["into_number"]
            return Step(at, ("已併案處理", "Merged with the same problem"), d["into_number"])
        case "MergeUndone":
            view.merged_into = view.merged_into_number = None
            return Step(at, ("取消併案，個別處理", "Handled on its own again"))
    return None


def overdue(view: PublicView, sla_events: Sequence[EventEnvelope], now: datetime) -> list[str]:
    """What is late now: a clock breached and still running, or the agreed plan past its
    deadline before the work was done."""
    late: dict[tuple[str, int], bool] = {}
    for e in sla_events:
        key = (str(e.data.get("clock")), int(e.data.get("cycle", 0) or 0))
        if e.event_type == "SlaBreached":
            late[key] = True
        elif e.event_type in ("SlaMet", "SlaStopped"):
            late[key] = False
    found = sorted({clock for (clock, _), is_late in late.items() if is_late})
    if not view.progress.in_hand:
        return []
    unfinished = view.progress.stage not in (Status.RESOLVED, Status.UNDER_REVIEW)
    if view.plan_agreed and view.plan_due and view.plan_due < now and unfinished:
        found.append("plan")
    return found
