"""The complaint aggregate: pure logic, no I/O. Each command is checked against the state
rebuilt from the complaint's events, then records new events for the handler to save.

Over 300 lines: one aggregate, the whole process of one complaint; its rules read each other's
state (a task gates resolution, a review reopens a cycle), and split they would share it by
reaching into one another."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from complaint_desk.contract.events import DomainEvent, Status
from complaint_desk.contract.events.channels import (
    CoComplainantAdded,
    CoComplainantRemoved,
    ComplainantMessageAdded,
    ComplaintMerged,
    EscalationRequested,
    MergeUndone,
)
from complaint_desk.contract.events.complaints import (
    AssigneeKind,
    CallbackRecorded,
    Category,
    ComplaintAcknowledged,
    ComplaintClassified,
    ComplaintClosed,
    ComplaintReceived,
    ComplaintReferred,
    ComplaintReopened,
    ComplaintResolved,
    EvidenceRecorded,
    HandlingReportFiled,
    InternalNoteAdded,
    LateCallbackAnswerRecorded,
    OwnerAssigned,
    PersonalDataErased,
    PurchaseRequested,
    RepeatComplaintDetected,
    RepeatReason,
    ResolutionAccepted,
    ResolutionApproved,
    ResolutionDisputed,
    ResolutionProposed,
    Responsibility,
    ReviewConcluded,
    ReviewOpened,
    ReviewOutcome,
    SafetyEscalated,
    Severity,
    SeverityChanged,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskProgressed,
    TemporaryMeasure,
    WaitingEnded,
    WaitingStarted,
    WorkOrderRequested,
)
from complaint_desk.contract.events.files import AttachedFile, Signature
from complaint_desk.contract.events.lifecycle import provisional_level
from complaint_desk.contract.events.registry import AssetLinked
from complaint_desk.contract.process import Policy, Progress, advance, refusal

from . import commands as c
from .refusals import (
    DueInThePast,
    IllegalTransition,
    MergeRefused,
    NotForThisActor,
    NothingOverdue,
    TaskNotFound,
)

# The guards of every command but reopen: none depends on the time.
ANY_TIME = Policy()


class TaskState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


TASK_STATE_ZH = {
    TaskState.OPEN: "尚未開始",
    TaskState.IN_PROGRESS: "進行中",
    TaskState.COMPLETED: "已完成",
    TaskState.CANCELLED: "已取消",
}


@dataclass
class Task:
    id: UUID
    assignee_kind: AssigneeKind
    assignee: str
    state: TaskState = TaskState.OPEN
    external_status: str | None = None

    @property
    def is_open(self) -> bool:
        return self.state in (TaskState.OPEN, TaskState.IN_PROGRESS)


def _answer(command: c.RecordCallback) -> dict[str, Any]:
    """What the complainant said, as the events record it."""
    return command.model_dump(include={"satisfied", "rating", "reasons", "comments", "suggestions"})


REPORT_FIELDS = {
    "responsible_party", "solution", "completion_due", "signed_by_officer",
    "signed_by_complainant",
}  # fmt: skip


def _still_to_come(task: c.NewTask, now: datetime) -> None:
    if task.due_at <= now:
        raise DueInThePast(task.due_at.isoformat())


def complaint_number(site: str, local_day: str, sequence: int) -> str:
    """The register's human number: site, local day, and the day's sequence, e.g.
    ``HQ-20261129-0007``."""
    return f"{site}-{local_day}-{sequence:04d}"


def local_day(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")


@dataclass
class Complaint:
    id: UUID
    version: int = 0
    # Where it stands in the process, as the guards of every command see it.
    progress: Progress = field(default_factory=Progress)
    number: str | None = None
    site: str | None = None
    location: str | None = None
    category: Category | None = None
    severity: Severity | None = None
    responsibility: Responsibility | None = None
    resolution_id: UUID | None = None
    tasks: dict[UUID, Task] = field(default_factory=dict)
    cycle: int = 1
    complainant_id: UUID | None = None
    owner: str | None = None
    about_staff: str | None = None
    # The level the clocks run on: provisional, L1 on a safety escalation, else classified.
    level: Severity | None = None
    received_at: datetime | None = None
    description: str | None = None
    reports: int = 0  # handling reports filed: each new one is a new version, the old kept
    # The complainant as received (name, phone and email sealed): a merge hands it on.
    contact: dict[str, Any] = field(default_factory=dict)
    merged_into: UUID | None = None
    # Complaints merged into this one (併案), each with its complainant's id.
    co_complainants: dict[UUID, UUID | None] = field(default_factory=dict)
    _merge_stage: str | None = None
    # Whether it was in hand as loaded (None: new): the index changes only when that does.
    in_hand_when_loaded: bool | None = None
    pending: list[DomainEvent] = field(default_factory=list)

    # -- rebuilding ---------------------------------------------------------------------------

    @classmethod
    def rebuild(cls, complaint_id: UUID, history: Iterable[DomainEvent]) -> Complaint:
        complaint = cls(complaint_id)
        for event in history:
            complaint._apply(event)
            complaint.version += 1
        complaint.in_hand_when_loaded = complaint.progress.in_hand
        return complaint

    @property
    def saved_version(self) -> int:
        """The version of the stream before the pending events."""
        return self.version - len(self.pending)

    @property
    def status(self) -> Status:
        """The stage of the process it has reached (kept while it waits)."""
        return self.progress.stage

    @property
    def shown(self) -> Status:
        """The status a person sees: the stage, or waiting."""
        return self.progress.shown

    @property
    def waiting(self) -> bool:
        return self.progress.waiting

    @property
    def acknowledged(self) -> bool:
        return self.progress.acknowledged

    @property
    def safety_escalated(self) -> bool:
        return self.progress.safety_escalated

    @property
    def plan_needs_approval(self) -> bool:
        return self.progress.plan_needs_approval

    @property
    def closed_at(self) -> datetime | None:
        return self.progress.closed_at

    @property
    def personal_data_erased(self) -> bool:
        return self.progress.personal_data_erased

    @property
    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks.values() if t.is_open]

    def _record(self, *events: DomainEvent) -> None:
        for event in events:
            self._apply(event)
            self.version += 1
            self.pending.append(event)

    def _apply(self, event: DomainEvent) -> None:
        self.progress = advance(self.progress, event.event_type, vars(event))
        match event:
            case ComplaintReceived():
                self.number, self.site = event.number, event.site
                self.location, self.category = event.location, event.category
                self.complainant_id = event.complainant_id
                self.owner, self.about_staff = event.receiving_officer, event.about_staff
                self.level = provisional_level(event.category, event.urgency)
                self.received_at, self.description = event.received_at, event.description
                self.contact = event.model_dump(
                    include={"complainant_name", "department", "phone", "email", "channel"}
                )
            case ComplaintMerged():
                self.merged_into, self._merge_stage = event.into, event.stage
            case MergeUndone():
                self.merged_into = self._merge_stage = None
            case CoComplainantAdded():
                self.co_complainants[event.merged] = event.complainant_id
            case CoComplainantRemoved():
                self.co_complainants.pop(event.merged, None)
            case OwnerAssigned():
                self.owner = event.owner
            case SafetyEscalated():
                self.level = Severity.L1
            case ComplaintClassified():
                self.responsibility, self.severity = event.responsibility, event.severity
                self.level = event.severity
                self.category = event.category
            case SeverityChanged():
                self.severity = self.level = event.severity
            case ResolutionProposed():
                self.resolution_id = event.resolution_id
            case TaskAssigned():
                self.tasks[event.task_id] = Task(event.task_id, event.assignee_kind, event.assignee)
            case TaskProgressed():
                task = self.tasks[event.task_id]
                task.state = TaskState.IN_PROGRESS
                task.external_status = event.external_status or task.external_status
            case TaskCompleted():
                self.tasks[event.task_id].state = TaskState.COMPLETED
            case TaskCancelled():
                self.tasks[event.task_id].state = TaskState.CANCELLED
            case ComplaintReopened():
                self.cycle = event.cycle
            case HandlingReportFiled():
                self.reports += 1

    # -- guards -------------------------------------------------------------------------------

    def check(self, command: str) -> None:
        """Raises :class:`IllegalTransition` if ``command`` does not apply now."""
        self._check(command)

    def _check(self, command: str, policy: Policy = ANY_TIME) -> None:
        """Whether ``command`` applies to the complaint as it stands: the same guard that
        decides which commands the console offers."""
        refused = refusal(command, self.progress, policy)
        if refused is not None:
            raise IllegalTransition(command, self.shown, refused.reason, refused.reason_zh)

    def _impartial(self, person: str, command: str, command_zh: str) -> None:
        """Objectivity (ISO 10002): the staff member a complaint is about stays out of it."""
        if self.about_staff and person.casefold() == self.about_staff.casefold():
            raise NotForThisActor(
                "conflict_of_interest",
                f"{person} is the staff member this complaint is about and may not {command} it",
                f"{person} 是本投訴所涉及的員工，不可{command_zh}此投訴",
            )

    def _task(self, command: str, task_id: UUID) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            raise TaskNotFound(str(task_id))
        if not task.is_open:
            raise IllegalTransition(
                command,
                self.shown,
                f"task is {task.state.value}",
                f"任務{TASK_STATE_ZH[task.state]}",
            )
        self._check(command)
        return task

    # -- commands -----------------------------------------------------------------------------

    @classmethod
    def receive(
        cls,
        complaint_id: UUID,
        command: c.ReceiveComplaint,
        *,
        number: str,
        now: datetime,
        repeats: dict[UUID, set[RepeatReason]] | None = None,
        repeat_window_days: int = 30,
        complainant_id: UUID | None = None,
        files: Sequence[AttachedFile] = (),
    ) -> Complaint:
        """``command`` with its personal fields already sealed under ``complainant_id``'s key
        (the handler does that: it needs the key store)."""
        complaint = cls(complaint_id, about_staff=command.about_staff)
        assert command.receiving_officer is not None
        complaint._impartial(command.receiving_officer, "own", "負責")
        fields = command.model_dump(exclude={"temporary_measures", "measures_note", "major_fault"})
        complaint._record(
            ComplaintReceived(
                number=number,
                received_at=now,
                complainant_id=complainant_id,
                files=list(files),
                **fields,
            )
        )
        if command.category is Category.SAFETY or command.major_fault:
            complaint._record(
                SafetyEscalated(
                    reason="safety problem reported at receipt"
                    if command.category is Category.SAFETY
                    else "major fault reported at receipt",
                    temporary_measures=command.temporary_measures,
                    measures_note=command.measures_note,
                    at_receipt=True,
                )
            )
        if repeats:
            reasons = sorted({r for rs in repeats.values() for r in rs})
            complaint._record(
                RepeatComplaintDetected(
                    related=sorted(repeats), reasons=reasons, window_days=repeat_window_days
                )
            )
        return complaint

    def erase_personal_data(self) -> bool:
        """Record that the complainant's key is gone. Allowed in every status; once only."""
        if self.complainant_id is None or self.personal_data_erased:
            return False
        self._record(PersonalDataErased(complainant_id=self.complainant_id))
        return True

    def acknowledge(self, command: c.Acknowledge) -> None:
        self._check("acknowledge")
        self._record(
            ComplaintAcknowledged(contact_channel=command.contact_channel, note=command.note)
        )

    def assign_owner(self, command: c.AssignOwner) -> None:
        self._check("owner")
        self._impartial(command.owner, "own", "負責")
        if self.owner and command.owner.casefold() == self.owner.casefold():
            raise IllegalTransition(
                "owner",
                self.shown,
                f"{command.owner} owns it already",
                f"{command.owner} 已是負責人",
            )
        self._record(
            OwnerAssigned(owner=command.owner, previous=self.owner or "", reason=command.reason)
        )

    def escalate_safety(self, command: c.EscalateSafety) -> None:
        self._check("escalate-safety")
        measures: list[TemporaryMeasure] = command.temporary_measures
        self._record(
            SafetyEscalated(
                reason=command.reason,
                temporary_measures=measures,
                measures_note=command.measures_note,
            )
        )

    def record_evidence(
        self, command: c.RecordEvidence, now: datetime, files: Sequence[AttachedFile] = ()
    ) -> UUID:
        self._check("evidence")
        self._impartial(command.actor, "investigate", "調查")
        evidence_id = uuid4()
        self._record(
            EvidenceRecorded(
                evidence_id=evidence_id,
                kind=command.kind,
                text=command.text,
                collected_at=command.collected_at or now,
                attachments=command.attachments,
                files=list(files),
            )
        )
        return evidence_id

    def add_note(self, command: c.AddNote) -> None:
        self._check("notes")
        self._record(InternalNoteAdded(text=command.text))

    def classify(self, command: c.Classify) -> None:
        # Classified again: taken back from a referral the other side refused.
        self._check("classify")
        if command.responsibility is Responsibility.OUTSIDE_JURISDICTION and self.open_tasks:
            raise IllegalTransition(
                "refer",
                self.shown,
                f"{len(self.open_tasks)} task(s) still open: cancel them first",
                f"尚有 {len(self.open_tasks)} 項任務未完成，請先取消",
            )
        self._impartial(command.actor, "investigate", "調查")
        self._record(
            ComplaintClassified(
                responsibility=command.responsibility,
                severity=command.severity,
                category=command.category or self.category or Category.OTHER,
                third_party=command.third_party,
                reason=command.reason,
            )
        )
        if command.responsibility is Responsibility.OUTSIDE_JURISDICTION:
            assert command.referred_to is not None and command.reason is not None
            if self.waiting:  # what it waited for is the other side's now
                self._record(WaitingEnded(note=f"referred to {command.referred_to}"))
            self._record(
                ComplaintReferred(
                    referred_to=command.referred_to,
                    reason=command.reason,
                    contact=command.referred_contact,
                )
            )

    def change_severity(self, command: c.ChangeSeverity) -> None:
        self._check("severity")
        if command.severity is self.severity:
            raise IllegalTransition(
                "severity",
                self.shown,
                f"it is already {self.severity.value}",
                f"已是 {self.severity.value}",
            )
        self._record(
            SeverityChanged(
                previous=self.severity, severity=command.severity, reason=command.reason
            )
        )

    def propose_resolution(self, command: c.ProposeResolution, *, supervisor: bool) -> UUID:
        self._check("resolution")
        # 上報上級協調: after a dispute the supervisor coordinates: they propose the new plan,
        # or approve the one an officer proposes before it goes to the complainant.
        needs_approval = not supervisor and (
            self.status is Status.ESCALATED or self.plan_needs_approval
        )
        resolution_id = uuid4()
        self._record(
            ResolutionProposed(
                resolution_id=resolution_id,
                needs_approval=needs_approval,
                **command.model_dump(exclude={"actor", "expected_version"}),
            )
        )
        return resolution_id

    def approve_resolution(self, command: c.ApproveResolution, *, supervisor: bool) -> None:
        self._check("resolution/approve")
        if not supervisor:
            raise NotForThisActor(
                "supervisor_required",
                "Only a supervisor approves a new plan after a dispute",
                "投訴人曾對方案提出異議：新方案須經主管核准",
            )
        assert self.resolution_id is not None
        self._record(ResolutionApproved(resolution_id=self.resolution_id, note=command.note))

    def accept_resolution(self, command: c.AcceptResolution) -> None:
        self._check("resolution/accept")
        assert self.resolution_id is not None
        self._record(ResolutionAccepted(resolution_id=self.resolution_id, note=command.note))

    def dispute_resolution(self, command: c.DisputeResolution) -> None:
        self._check("resolution/dispute")
        assert self.resolution_id is not None
        self._record(ResolutionDisputed(resolution_id=self.resolution_id, reason=command.reason))

    def file_report(
        self,
        command: c.FileReport,
        files: Sequence[AttachedFile] = (),
        signed: Sequence[Signature] = (),
        document: AttachedFile | None = None,
    ) -> None:
        self._check("report")
        self._record(
            HandlingReportFiled(
                **command.model_dump(include=REPORT_FIELDS),
                files=list(files),
                signatures=list(signed),
                document=document,
            )
        )

    def assign_task(self, command: c.AssignTask, now: datetime, link: str | None = None) -> UUID:
        self._check("tasks")
        return self._assign(command, now, link)

    def _assign(self, command: c.NewTask, now: datetime, link: str | None) -> UUID:
        _still_to_come(command, now)
        task_id = uuid4()
        self._record(
            TaskAssigned(
                task_id=task_id,
                assignee_kind=command.assignee_kind,
                assignee=command.assignee,
                description=command.description,
                due_at=command.due_at,
            )
        )
        assert self.site is not None and self.location is not None
        if command.assignee_kind is AssigneeKind.MAINTENANCE:
            self._record(
                WorkOrderRequested(
                    task_id=task_id,
                    site=self.site,
                    location=self.location,
                    description=command.description,
                    due_at=command.due_at,
                    number=self.number,
                    level=self.level,
                    link=link,
                )
            )
        elif command.assignee_kind is AssigneeKind.PROCUREMENT:
            self._record(
                PurchaseRequested(
                    task_id=task_id,
                    site=self.site,
                    description=command.description,
                    due_at=command.due_at,
                    number=self.number,
                    location=self.location,
                    level=self.level,
                    link=link,
                )
            )
        return task_id

    def progress_task(
        self,
        task_id: UUID,
        note: str | None,
        external: str | None = None,
        files: Sequence[AttachedFile] = (),
    ) -> None:
        self._task("tasks/progress", task_id)
        self._record(
            TaskProgressed(task_id=task_id, note=note, external_status=external, files=list(files))
        )

    def complete_task(
        self, task_id: UUID, note: str | None, files: Sequence[AttachedFile] = ()
    ) -> None:
        self._task("tasks/complete", task_id)
        self._record(TaskCompleted(task_id=task_id, note=note, files=list(files)))

    def cancel_task(self, task_id: UUID, reason: str) -> None:
        self._task("tasks/cancel", task_id)
        self._record(TaskCancelled(task_id=task_id, reason=reason))

    def wait(self, command: c.Wait) -> None:
        self._check("wait")
        self._record(WaitingStarted(reason=command.reason, note=command.note))

    def resume(self, command: c.Resume) -> None:
        self._check("resume")
        self._record(WaitingEnded(note=command.note))

    def resolve(self, command: c.Resolve) -> None:
        self._check("resolve")
        self._impartial(command.actor, "resolve", "解決")
        self._record(ComplaintResolved(summary=command.summary, improvement=command.improvement))

    def record_callback(
        self, command: c.RecordCallback, files: Sequence[AttachedFile] = ()
    ) -> None:
        self._check("callbacks")
        self._record(
            CallbackRecorded(channel=command.channel, files=list(files), **_answer(command))
        )
        if not command.satisfied:
            self._record(
                ReviewOpened(reason=command.comments or "complainant not satisfied at callback")
            )

    def record_late_answer(self, command: c.RecordCallback) -> None:
        """An answer from a link still valid when sent, after the complaint moved on."""
        self._record(LateCallbackAnswerRecorded(**_answer(command)))

    def conclude_review(
        self, command: c.ConcludeReview, now: datetime, link: str | None = None
    ) -> list[UUID]:
        self._check("review/conclude")
        for task in command.tasks:  # all checked before anything is recorded
            _still_to_come(task, now)
        self._record(ReviewConcluded(outcome=command.outcome, notes=command.notes))
        if command.outcome is ReviewOutcome.FURTHER_ACTION:
            return [self._assign(task, now, link) for task in command.tasks]
        return []

    def close(self, command: c.Close, now: datetime) -> None:
        self._check("close")
        self._impartial(command.actor, "close", "結案")
        self._record(ComplaintClosed(closed_at=now, note=command.note))

    def reopen(self, command: c.Reopen, *, now: datetime, window_days: int) -> None:
        self._check("reopen", Policy(now=now, reopen_window_days=window_days))
        self._record(ComplaintReopened(reason=command.reason, cycle=self.cycle + 1))

    # -- channels: merges, the complainant's own messages ------------------------------------

    def merge_into(self, target: Complaint, command: c.Merge) -> None:
        """Merge this complaint into ``target`` (併案), which takes its complainant along."""
        self._check("merge")
        if target.id == self.id:
            raise MergeRefused("same", "A complaint cannot be merged into itself", "不能併入自己")
        if target.site != self.site:
            raise MergeRefused(
                "other_site",
                "Only complaints of the same site can be merged",
                "只能併入同院區的投訴",
            )
        if not target.progress.in_hand:
            raise MergeRefused(
                "target_not_open",
                f"{target.number} is no longer in hand ({target.shown.value})",
                f"{target.number} 已不在處理中，不能併入",
            )
        if self.co_complainants:
            raise MergeRefused(
                "has_co_complainants",
                "Others were merged into this complaint: undo those merges first",
                "已有其他投訴併入此案，請先取消那些併案",
            )
        assert target.number is not None
        self._record(
            ComplaintMerged(
                into=target.id, into_number=target.number, stage=self.status.value,
                reason=command.reason,
            )
        )  # fmt: skip
        assert self.number is not None
        target._record(
            CoComplainantAdded(
                merged=self.id, merged_number=self.number, complainant_id=self.complainant_id,
                **self.contact,
            )
        )  # fmt: skip

    def undo_merge(self, target: Complaint | None, command: c.UndoMerge) -> None:
        """This complaint stands on its own again, where it was before the merge."""
        self._check("merge/undo")
        stage = self._stage_before_merge()
        assert self.merged_into is not None
        self._record(MergeUndone(into=self.merged_into, stage=stage, reason=command.reason))
        if target is not None and self.id in target.co_complainants:
            target._record(CoComplainantRemoved(merged=self.id))

    def _stage_before_merge(self) -> str:
        return self._merge_stage or Status.RECEIVED.value

    def add_message(self, command: c.AddMessage, files: Sequence[AttachedFile] = ()) -> None:
        self._check("message")
        self._record(
            ComplainantMessageAdded(
                text=command.text, via=command.via, files=list(files),
                from_complaint=command.from_complaint,
            )
        )  # fmt: skip

    def request_escalation(self, command: c.RequestEscalation, overdue: Sequence[str]) -> None:
        """The complainant asks for the supervisor: only once a deadline has passed."""
        self._check("escalation-request")
        if not overdue:
            raise NothingOverdue()
        self._record(
            EscalationRequested(
                reason=command.reason, overdue=list(overdue), from_complaint=command.from_complaint
            )
        )

    def link_asset(self, place: Mapping[str, Any] | None, asset: Mapping[str, Any] | None) -> None:
        """Name the registered place and equipment (each a registry entry, or None)."""
        self._check("asset")
        self._record(
            AssetLinked(
                place=place["code"] if place else None,
                place_name=place["name"] if place else None,
                asset=asset["code"] if asset else None,
                asset_type=asset["type"] if asset else None,
                asset_name=asset["name"] if asset else None,
                model=asset.get("model") if asset else None,
            )
        )
