"""Events of the complaint stream (stream type ``complaint``), owned by intake. One class per
step of the duty desk's process; each records who (the envelope's actor), when (its time)
and why (its reason, note or comments).

Over 300 lines: the contract of one stream, some forty small classes that belong together."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import Field

from complaint_desk.contract.events.base import DomainEvent, event, upcaster
from complaint_desk.contract.events.files import AttachedFile, Signature

FILES_DOC = "附件 / photos and documents attached (their ids and hashes, never the bytes)"


class Category(StrEnum):
    REPAIR_DELAY = "repair_delay"  # 維修延誤
    SHORTAGE = "shortage"  # 物品短缺
    SERVICE_ATTITUDE = "service_attitude"  # 服務態度
    SAFETY = "safety"  # 安全
    HYGIENE = "hygiene"  # 衛生
    OTHER = "other"  # 其他


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Channel(StrEnum):
    PHONE = "phone"
    WALK_IN = "walk_in"
    EMAIL = "email"
    WEB = "web"  # the complainant's own form
    QR = "qr"  # the form, opened from a QR code on the place or equipment
    OPEN311 = "open311"  # another system, through the Open311 GeoReport v2 API


class Severity(StrEnum):
    L1 = "L1"  # 緊急 urgent
    L2 = "L2"  # 重要 important
    L3 = "L3"  # 一般 general


class Responsibility(StrEnum):
    LOGISTICS = "logistics"  # 責任在後勤
    THIRD_PARTY = "third_party"  # 責任在第三方
    OUTSIDE_JURISDICTION = "outside_jurisdiction"  # 非後勤管轄


class TemporaryMeasure(StrEnum):
    SERVICE_SUSPENDED = "service_suspended"  # 暫停服務
    PEOPLE_EVACUATED = "people_evacuated"  # 疏散人員
    AREA_CORDONED = "area_cordoned"  # 封鎖現場
    SUPPLY_ISOLATED = "supply_isolated"  # 切斷水電氣
    OTHER = "other"


class EvidenceKind(StrEnum):
    SITE_INSPECTION = "site_inspection"  # 現場查看
    RECORDS_CHECK = "records_check"  # 調閱記錄
    INTERVIEW = "interview"  # 詢問相關人員
    THIRD_PARTY_ASSESSMENT = "third_party_assessment"  # 第三方評估（技術鑒定）
    OTHER = "other"


class ResolutionKind(StrEnum):
    REPAIR = "repair"  # 維修類
    SERVICE_ATTITUDE = "service_attitude"  # 服務態度類
    SHORTAGE = "shortage"  # 物資短缺類
    OTHER = "other"


class AssigneeKind(StrEnum):
    MAINTENANCE = "maintenance"  # 維修團隊
    PROCUREMENT = "procurement"  # 採購部門
    THIRD_PARTY = "third_party"  # 第三方
    PERSON = "person"  # 具體責任人


class WaitReason(StrEnum):
    COMPLAINANT = "complainant"  # 等待投訴人
    THIRD_PARTY = "third_party"  # 等待第三方
    PARTS = "parts"  # 等待配件


class CallbackChannel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    IN_PERSON = "in_person"


class ReviewOutcome(StrEnum):
    UPHELD = "upheld"  # 維持原處理
    FURTHER_ACTION = "further_action"  # 需進一步處理


class SatisfactionReason(StrEnum):
    """Why a complainant is not (fully) satisfied (收集改進意見)."""

    TOO_SLOW = "too_slow"  # 處理太慢
    NOT_FIXED = "not_fixed"  # 問題未解決
    CAME_BACK = "came_back"  # 問題再次發生
    NOT_INFORMED = "not_informed"  # 未告知進度
    ATTITUDE = "attitude"  # 服務態度不佳
    NOT_ENOUGH = "not_enough"  # 補充數量不足
    STILL_UNSAFE = "still_unsafe"  # 仍有安全疑慮
    STILL_UNCLEAN = "still_unclean"  # 仍不清潔
    OTHER = "other"  # 其他


REASON_LABELS: dict[SatisfactionReason, tuple[str, str]] = {
    SatisfactionReason.TOO_SLOW: ("處理太慢", "It took too long"),
    SatisfactionReason.NOT_FIXED: ("問題未解決", "The problem is not fixed"),
    SatisfactionReason.CAME_BACK: ("問題再次發生", "The problem came back"),
    SatisfactionReason.NOT_INFORMED: ("未告知處理進度", "I was not kept informed"),
    SatisfactionReason.ATTITUDE: ("服務態度不佳", "The staff's attitude"),
    SatisfactionReason.NOT_ENOUGH: ("補充數量不足", "Not enough was supplied"),
    SatisfactionReason.STILL_UNSAFE: ("仍有安全疑慮", "It is still unsafe"),
    SatisfactionReason.STILL_UNCLEAN: ("仍不清潔", "It is still not clean"),
    SatisfactionReason.OTHER: ("其他", "Something else"),
}

_COMMON = (
    SatisfactionReason.TOO_SLOW, SatisfactionReason.NOT_FIXED, SatisfactionReason.NOT_INFORMED,
    SatisfactionReason.ATTITUDE,
)  # fmt: skip
# The reasons the answer page offers, by the complaint's category (then "other").
REASONS_BY_CATEGORY: dict[Category, tuple[SatisfactionReason, ...]] = {
    Category.REPAIR_DELAY: (*_COMMON, SatisfactionReason.CAME_BACK, SatisfactionReason.OTHER),
    Category.SHORTAGE: (*_COMMON, SatisfactionReason.NOT_ENOUGH, SatisfactionReason.OTHER),
    Category.SERVICE_ATTITUDE: (*_COMMON, SatisfactionReason.OTHER),
    Category.SAFETY: (*_COMMON, SatisfactionReason.STILL_UNSAFE, SatisfactionReason.OTHER),
    Category.HYGIENE: (*_COMMON, SatisfactionReason.STILL_UNCLEAN, SatisfactionReason.OTHER),
    Category.OTHER: (*_COMMON, SatisfactionReason.OTHER),
}


class RepeatReason(StrEnum):
    SAME_COMPLAINANT = "same_complainant"
    SAME_PLACE_AND_CATEGORY = "same_place_and_category"


@event("complaint", schema_version=2)
class ComplaintReceived(DomainEvent):
    """A complaint was received and recorded in the register (投訴登記表). The
    complainant's name, phone and email are sealed (``pd1.…``, AES-GCM under the key of
    ``complainant_id``): readable only while that key exists."""

    number: str
    complainant_name: str
    department: str
    phone: str | None = None
    email: str | None = None
    # The complainant (data subject) whose key seals the three fields above.
    complainant_id: UUID | None = None
    site: str
    location: str
    category: Category
    description: str
    urgency: Urgency
    channel: Channel
    receiving_officer: str
    received_at: datetime
    # An attitude complaint (服務態度) may name the staff member it is about: that person may
    # not own, investigate, resolve or close it (ISO 10002's objectivity).
    about_staff: str | None = None
    # The equipment it is about (a label, from a QR code or the officer), when known.
    asset: str | None = None
    files: list[AttachedFile] = Field(default_factory=list, description=FILES_DOC)


@upcaster("ComplaintReceived", 1)
def _received_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 held the three fields in clear, before complainants had keys."""
    return {**data, "complainant_id": None}


@event("complaint")
class PersonalDataErased(DomainEvent):
    """The complainant's key was deleted (crypto-shredding): their name, phone and email in
    this complaint now read as erased; the rest of its history stands."""

    complainant_id: UUID


@event("complaint")
class OwnerAssigned(DomainEvent):
    """The officer handling the complaint changed (the receiving officer owns it at first):
    reminders and the first SLA warning go to the owner."""

    owner: str
    previous: str
    reason: str | None = None


@event("complaint")
class SafetyEscalated(DomainEvent):
    """A safety problem or major fault was reported upward at once, with the temporary
    measures taken (立即上報並採取臨時措施)."""

    reason: str
    temporary_measures: list[TemporaryMeasure] = Field(default_factory=list)
    measures_note: str | None = None
    at_receipt: bool = False


@event("complaint")
class ComplaintAcknowledged(DomainEvent):
    """First contact with the complainant was made; the response clock stops."""

    contact_channel: CallbackChannel
    note: str | None = None


@event("complaint")
class EvidenceRecorded(DomainEvent):
    """Evidence from the investigation (調查核實) was kept."""

    evidence_id: UUID
    kind: EvidenceKind
    text: str
    collected_at: datetime
    attachments: list[str] = Field(default_factory=list)
    files: list[AttachedFile] = Field(default_factory=list, description=FILES_DOC)


@event("complaint")
class InternalNoteAdded(DomainEvent):
    """A note for staff only (內部備註): kept apart from the contact log with the complainant
    and never sent to them."""

    text: str


@event("complaint")
class ComplaintClassified(DomainEvent):
    """Responsibility, severity and category were decided (問題分類)."""

    responsibility: Responsibility
    severity: Severity
    category: Category
    third_party: str | None = None
    reason: str | None = None


@event("complaint")
class ComplaintReferred(DomainEvent):
    """Outside logistics' jurisdiction: referred elsewhere (the complainant is told where).
    Its clocks pause; it is closed once the other side has it, or taken back (classified
    again) if they refuse it."""

    referred_to: str
    reason: str
    contact: str | None = None  # how to reach them


@event("complaint")
class SeverityChanged(DomainEvent):
    previous: Severity
    severity: Severity
    reason: str


@event("complaint")
class ResolutionProposed(DomainEvent):
    """A solution was planned (解決方案制定) and explained to the complainant."""

    resolution_id: UUID
    kind: ResolutionKind
    summary: str
    deadline: datetime | None = None
    lost_work_allowance: float | None = None
    parts_compensation: float | None = None
    retraining: bool | None = None
    apology: bool | None = None
    restock_via_procurement: bool | None = None
    expected_arrival: datetime | None = None
    # After a dispute, an officer's new plan waits for a supervisor's approval (上級協調).
    needs_approval: bool = False


@event("complaint")
class ResolutionApproved(DomainEvent):
    """A supervisor approved the officer's new plan after a dispute: it may be put to the
    complainant again."""

    resolution_id: UUID
    note: str | None = None


@event("complaint")
class ResolutionAccepted(DomainEvent):
    resolution_id: UUID
    note: str | None = None


@event("complaint")
class ResolutionDisputed(DomainEvent):
    """The complainant disagreed with the plan: escalated to the logistics supervisor."""

    resolution_id: UUID
    reason: str


@event("dossier")
class DossierSealed(DomainEvent):
    """The closed complaint's record was sealed (資料歸檔): a hash chain over its events up to
    ``version`` (each event's hash covers the previous one's) and the files they name, signed
    with the desk's key. A reopened complaint is sealed again at its next close. Its own
    stream (type ``dossier``, the complaint's id): sealing never moves the complaint's version."""

    cycle: int
    version: int = Field(description="最後封存的事件版本 / the last event sealed")
    chain: str = Field(description="雜湊鏈 / the chain's head")
    files: list[str] = Field(default_factory=list, description="封存的檔案雜湊")
    signature: str = Field(description="HMAC-SHA256 of the head with the desk's key")


@event("complaint")
class HandlingReportFiled(DomainEvent):
    """The complaint handling report (投訴處理報告), signed by both sides."""

    responsible_party: str
    solution: str
    completion_due: datetime
    signed_by_officer: str
    signed_by_complainant: str
    files: list[AttachedFile] = Field(default_factory=list, description=FILES_DOC)
    signatures: list[Signature] = Field(default_factory=list, description="雙方簽名")
    document: AttachedFile | None = Field(
        None, description="報告 PDF / the report as signed, kept as a file (its hash here)"
    )


@event("complaint")
class TaskAssigned(DomainEvent):
    """A task went to a responsible party (責任人) with a deadline."""

    task_id: UUID
    assignee_kind: AssigneeKind
    assignee: str
    description: str
    due_at: datetime


@event("complaint")
class WorkOrderRequested(DomainEvent):
    """Maintenance is asked, through its own system, to carry out a task. Its reply names
    the task (``task_id``); the rest is what the crew needs to act."""

    task_id: UUID
    site: str
    location: str
    description: str
    due_at: datetime
    number: str | None = None  # the complaint's register number (None before it was kept)
    level: Severity | None = None  # how urgent, as the clocks run now
    link: str | None = None  # the complaint in the duty desk's console


@event("complaint")
class PurchaseRequested(DomainEvent):
    """Procurement is asked, through its own system, to restock or buy."""

    task_id: UUID
    site: str
    description: str
    due_at: datetime
    number: str | None = None
    location: str | None = None
    level: Severity | None = None
    link: str | None = None


@event("complaint")
class TaskProgressed(DomainEvent):
    task_id: UUID
    note: str | None = None
    external_status: str | None = None
    files: list[AttachedFile] = Field(default_factory=list, description=FILES_DOC)


@event("complaint")
class TaskCompleted(DomainEvent):
    task_id: UUID
    note: str | None = None
    files: list[AttachedFile] = Field(default_factory=list, description=FILES_DOC)


@event("complaint")
class TaskCancelled(DomainEvent):
    task_id: UUID
    reason: str


@event("complaint")
class WaitingStarted(DomainEvent):
    """Work waits on someone else; SLA clocks pause."""

    reason: WaitReason
    note: str | None = None


@event("complaint")
class WaitingEnded(DomainEvent):
    note: str | None = None


@event("complaint")
class ComplaintResolved(DomainEvent):
    """Resolved: ``summary`` (what was done) and ``improvement`` (what will change) make the
    handling summary the complainant receives (投訴處理情況說明)."""

    summary: str
    improvement: str | None = None


@event("complaint")
class CallbackRecorded(DomainEvent):
    """The complainant was called back (回訪) and said whether they are satisfied."""

    channel: CallbackChannel
    satisfied: bool
    comments: str | None = None
    rating: int | None = None  # 1 (very dissatisfied) to 5 (very satisfied)
    reasons: list[SatisfactionReason] = Field(default_factory=list)
    suggestions: str | None = None  # 改進建議
    files: list[AttachedFile] = Field(default_factory=list, description=FILES_DOC)


@event("complaint")
class ReviewOpened(DomainEvent):
    """Still dissatisfied: the logistics supervisor's review (復核程序) starts."""

    reason: str


@event("complaint")
class ReviewConcluded(DomainEvent):
    outcome: ReviewOutcome
    notes: str


@event("complaint")
class LateCallbackAnswerRecorded(DomainEvent):
    """The complainant answered a link that was still valid, but the complaint had moved on
    (called back by phone, closed, reopened): kept on the timeline, never dropped."""

    satisfied: bool
    rating: int | None = None
    reasons: list[SatisfactionReason] = Field(default_factory=list)
    comments: str | None = None
    suggestions: str | None = None


@event("complaint")
class ComplaintClosed(DomainEvent):
    """Archived (歸檔)."""

    closed_at: datetime
    note: str | None = None


@event("complaint")
class ComplaintReopened(DomainEvent):
    """A new resolution cycle starts."""

    reason: str
    cycle: int


@event("complaint")
class RepeatComplaintDetected(DomainEvent):
    """Earlier complaints look like the same problem (重複投訴): chase the root cause."""

    related: list[UUID]
    reasons: list[RepeatReason]
    window_days: int


@event("command")
class CommandRejected(DomainEvent):
    """A command from another system was refused; nothing is dropped silently."""

    command_id: str
    command: str | None = None
    complaint_id: UUID | None = None
    reason: str
    source: str
