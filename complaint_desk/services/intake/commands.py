"""Commands intake accepts, validated at the edge (HTTP or Kafka) before the aggregate.
The actor is whoever the credential names; ``expected_version`` (or an ``If-Match`` header) makes a
write conditional on the version the client last saw.

Over 300 lines: one model per command of the guide, each with its validation; they are the
API's and the Kafka commands' contract and are read together."""

import re
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AliasChoices,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from complaint_desk.contract.events.complaints import (
    AssigneeKind,
    CallbackChannel,
    Category,
    Channel,
    EvidenceKind,
    ResolutionKind,
    Responsibility,
    ReviewOutcome,
    SatisfactionReason,
    Severity,
    TemporaryMeasure,
    Urgency,
    WaitReason,
)
from complaint_desk.shared.invalid import Invalid

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
SiteCode = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,11}$"),
]
_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{5,24}$")


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Set by the server from the credential; only a system relaying a person's action (an
    # integration, an organisation admin) may name another actor here.
    # Empty (the default) is the signed-in principal: no minimum length, so that the
    # documented default is itself a valid value.
    actor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        "", description="執行人，預設為登入者 / who acts; defaults to the signed-in principal"
    )
    expected_version: int | None = Field(
        None, ge=0, description="寫入前預期的版本 / version last seen; 409 if it moved on"
    )


class ReceiveComplaint(BaseModel):
    """The register fields of a complaint (投訴登記表), as the duty officer records them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "complainant_name": "陳小明",
                    "department": "財務部",
                    "phone": "+886 2 2345 6789",
                    "site": "HQ",
                    "location": "3F 茶水間",
                    "category": "repair_delay",
                    "description": "飲水機故障已一週仍未維修",
                    "urgency": "normal",
                    "channel": "phone",
                    "receiving_officer": "officer-wang",
                }
            ]
        },
    )

    complainant_name: Text = Field(description="投訴人姓名 / complainant's name")
    department: Text = Field(description="部門 / department")
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=25)] | None = Field(
        None, description="聯絡電話 / phone"
    )
    email: EmailStr | None = Field(None, description="電子郵件 / email")
    site: SiteCode = Field(description="院區代碼 / site code, e.g. HQ")
    location: Text = Field(description="地點 / location within the site")
    category: Category = Field(description="問題類別 / category")
    description: LongText = Field(description="投訴內容 / what is wrong")
    urgency: Urgency = Field(
        description="緊急程度（投訴人認為）/ urgency as the complainant sees it"
    )
    channel: Channel = Field(description="受理管道 / how the complaint came in")
    receiving_officer: Text | None = Field(
        None,
        description=(
            "受理人 / receiving duty officer: the signed-in caller unless given; only "
            "integrations and organisation admins may name someone else"
        ),
    )
    about_staff: Text | None = Field(
        None,
        description=(
            "被投訴的員工 / for a service-attitude complaint, the staff member it is about "
            "(their sign-in name): they may not own, investigate, resolve or close it"
        ),
    )
    asset: Text | None = Field(
        None, description="設備 / the equipment it is about (a label, e.g. 3F 飲水機 #2)"
    )
    major_fault: bool = Field(False, description="重大故障 / a major fault: escalate at once")
    temporary_measures: list[TemporaryMeasure] = Field(
        default_factory=list, max_length=10, description="臨時措施 / temporary measures taken"
    )
    measures_note: Note | None = None

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, phone: str | None) -> str | None:
        if phone is not None and not _PHONE.match(phone):
            raise Invalid(
                "phone must be digits, spaces, dashes or parentheses, 6 to 25 long",
                "電話只能有數字、空格、連字號或括號，長度 6 到 25",
            )
        return phone or None

    @model_validator(mode="after")
    def _contactable(self) -> "ReceiveComplaint":
        if not self.phone and not self.email:
            raise Invalid(
                "give a phone or an email so the complainant can be called back",
                "請提供電話或電子郵件，以便回訪投訴人",
            )
        if self.about_staff and self.category is not Category.SERVICE_ATTITUDE:
            raise Invalid(
                "only a service-attitude complaint names the staff member it is about",
                "只有服務態度類的投訴可以指名涉及人員",
            )
        return self


class AssignOwner(Command):
    """Hand the complaint to another officer (a supervisor's decision), recorded."""

    owner: Text = Field(description="新負責人 / the officer who handles it from now (sign-in name)")
    reason: Note | None = None


class Acknowledge(Command):
    """First contact with the complainant (stops the SLA response clock)."""

    # The event's own name for it; ``channel`` is still read, as before.
    contact_channel: CallbackChannel = Field(
        CallbackChannel.PHONE,
        validation_alias=AliasChoices("contact_channel", "channel"),
        description="如何聯繫到投訴人 / how the complainant was reached",
    )
    note: Note | None = None


class EscalateSafety(Command):
    """Report a safety problem or major fault upward at once."""

    reason: LongText
    temporary_measures: list[TemporaryMeasure] = Field(default_factory=list, max_length=10)
    measures_note: Note | None = None


class WithFiles(Command):
    """A command that may carry files uploaded to the complaint first
    (``POST /complaints/{id}/attachments``), named by their ids."""

    files: list[UUID] = Field(
        default_factory=list, max_length=20, description="附件編號 / the uploaded files' ids"
    )


class RecordEvidence(WithFiles):
    kind: EvidenceKind
    text: LongText
    collected_at: AwareDatetime | None = None
    attachments: list[Text] = Field(
        default_factory=list, max_length=20, description="參考資料 / records referred to"
    )


class AddNote(Command):
    """A note for staff only (內部備註): never shown or sent to the complainant."""

    text: LongText


class Classify(Command):
    responsibility: Responsibility
    severity: Severity
    category: Category | None = None
    third_party: Text | None = None
    referred_to: Text | None = Field(None, description="轉介單位 / where it is referred")
    referred_contact: Text | None = Field(
        None, description="轉介單位聯絡方式 / how the complainant reaches them"
    )
    reason: LongText | None = None

    @model_validator(mode="after")
    def _outside_needs_referral(self) -> "Classify":
        if self.responsibility is Responsibility.OUTSIDE_JURISDICTION and not (
            self.referred_to and self.reason
        ):
            raise Invalid(
                "outside_jurisdiction needs referred_to and a reason",
                "非後勤管轄須填寫轉介對象與原因",
            )
        if self.responsibility is Responsibility.THIRD_PARTY and not self.third_party:
            raise Invalid(
                "third_party responsibility needs the third_party's name",
                "第三方責任須填寫第三方名稱",
            )
        return self


class ChangeSeverity(Command):
    severity: Severity
    reason: LongText


class ProposeResolution(Command):
    kind: ResolutionKind
    summary: LongText
    deadline: AwareDatetime | None = None
    lost_work_allowance: float | None = Field(None, ge=0, le=1_000_000)
    parts_compensation: float | None = Field(None, ge=0, le=1_000_000)
    retraining: bool | None = None
    apology: bool | None = None
    restock_via_procurement: bool | None = None
    expected_arrival: AwareDatetime | None = None

    @model_validator(mode="after")
    def _fits_its_kind(self) -> "ProposeResolution":
        if self.kind is ResolutionKind.REPAIR and self.deadline is None:
            raise Invalid("a repair resolution needs a deadline", "維修方案須有完成期限")
        if self.kind is ResolutionKind.SHORTAGE and self.expected_arrival is None:
            raise Invalid(
                "a shortage resolution needs the expected arrival", "物品短缺方案須有預計到貨時間"
            )
        if self.kind is ResolutionKind.SERVICE_ATTITUDE and not (self.retraining or self.apology):
            raise Invalid(
                "a service-attitude resolution needs retraining or an apology",
                "服務態度方案須包含再培訓或道歉",
            )
        return self


class AcceptResolution(Command):
    note: Note | None = None


class ApproveResolution(Command):
    """A supervisor approves the new plan an officer proposed after a dispute."""

    note: Note | None = None


class DisputeResolution(Command):
    reason: LongText


class FileReport(WithFiles):
    """The handling report, signed by both sides: each signature by name, with the drawn
    signature (or the scan of a paper one) uploaded first as an image. Intake makes the PDF."""

    responsible_party: Text
    solution: LongText
    completion_due: AwareDatetime
    signed_by_officer: Text
    signed_by_complainant: Text
    officer_signature: UUID | None = Field(None, description="承辦人簽名圖（附件編號）")
    complainant_signature: UUID | None = Field(None, description="投訴人簽名圖（附件編號）")
    language: Literal["zh-Hant", "en"] = Field("zh-Hant", description="報告語言 / language")


class NewTask(BaseModel):
    """A task for a responsible party (責任人), with its deadline."""

    model_config = ConfigDict(extra="forbid")

    assignee_kind: AssigneeKind
    assignee: Text
    description: LongText
    due_at: AwareDatetime


class AssignTask(Command, NewTask):
    pass


class TaskNote(WithFiles):
    note: Note | None = None


class CancelTask(Command):
    reason: LongText


class Wait(Command):
    reason: WaitReason
    note: Note | None = None


class Resume(Command):
    note: Note | None = None


class Resolve(Command):
    summary: LongText = Field(description="處理情況 / what was done, as the complainant is told")
    improvement: Note | None = Field(None, description="改進措施 / what will change")


class RecordCallback(WithFiles):
    channel: CallbackChannel
    satisfied: bool
    comments: Note | None = None
    rating: int | None = Field(None, ge=1, le=5, description="滿意度 1–5 / satisfaction, 1 to 5")
    reasons: list[SatisfactionReason] = Field(
        default_factory=list, max_length=10, description="不滿意原因 / what was not right"
    )
    suggestions: Note | None = Field(None, description="改進建議 / how we could do better")


class ConcludeReview(Command):
    outcome: ReviewOutcome
    notes: LongText
    tasks: list[NewTask] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _tasks_for_further_action(self) -> "ConcludeReview":
        if self.outcome is ReviewOutcome.FURTHER_ACTION and not self.tasks:
            raise Invalid(
                "further_action needs at least one new task", "需進一步處理時至少要有一項新任務"
            )
        return self


class Close(Command):
    note: Note | None = None


class Reopen(Command):
    reason: LongText


class Merge(Command):
    """Merge this complaint into another about the same problem (併案): its complainant
    follows that one as a co-complainant; this one is closed as merged, its events kept."""

    into: UUID = Field(description="併入的投訴 / the complaint that handles the problem")
    reason: Note | None = None


class UndoMerge(Command):
    reason: Note | None = None


class AddMessage(WithFiles):
    """The complainant adds information or photos (from the status page, or by email)."""

    text: LongText
    via: Channel = Channel.WEB
    from_complaint: UUID | None = Field(
        None, description="共同投訴人的原投訴 / a co-complainant's own (merged) complaint"
    )


class RequestEscalation(Command):
    """A deadline passed: the complainant asks for the supervisor."""

    reason: Note | None = None
    from_complaint: UUID | None = None


class LinkAsset(Command):
    """Name the registered place and, when known, the equipment the complaint is about."""

    place: Text | None = Field(None, description="地點代碼 / the place's code in the registry")
    asset: Text | None = Field(None, description="設備編號 / the equipment's code")

    @model_validator(mode="after")
    def _something(self) -> "LinkAsset":
        if not (self.place or self.asset):
            raise Invalid("give a place or a piece of equipment", "請指定地點或設備")
        return self
