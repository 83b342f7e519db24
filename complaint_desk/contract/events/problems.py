"""Problem records (問題紀錄, stream type ``problem``, owned by intake): a recurring problem
treated at its root (從根源上改進). A supervisor opens one from a hotspot, from repeat
complaints or by hand; it records the root cause and improvement actions, and once they are
done it is watched for a window: effective when nothing recurs, recurred when it does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from complaint_desk.contract.events.base import DomainEvent, event


class ProblemOrigin(StrEnum):
    HOTSPOT = "hotspot"  # 高頻問題
    REPEAT = "repeat"  # 重複投訴
    MANUAL = "manual"  # 主管自行開立


class ImprovementKind(StrEnum):
    INSPECTION = "inspection"  # 定期巡檢
    REPLACEMENT = "replacement"  # 汰換設備（請購）
    PROCESS = "process"  # 修訂流程
    TRAINING = "training"  # 人員培訓
    OTHER = "other"  # 其他工作


class ProblemOutcome(StrEnum):
    EFFECTIVE = "effective"  # 改善有效
    RECURRED = "recurred"  # 問題復發


class ProblemStage(StrEnum):
    OPEN = "open"  # 分析中
    ACTING = "acting"  # 改善中
    WATCHING = "watching"  # 觀察期
    VERIFIED = "verified"  # 已判定，待主管確認
    CLOSED = "closed"  # 主管已確認


class InspectionPlan(BaseModel):
    """When a recurring inspection falls due: every N days from the first day, or on given
    weekdays; at the start of the site's working day (a day without working time moves it
    to the next one). Missed when not done within ``grace_hours`` of working time."""

    model_config = ConfigDict(
        frozen=True, extra="forbid",
        json_schema_extra={"examples": [{"every_days": 7, "starts_on": "2026-12-01"}]},
    )  # fmt: skip

    every_days: int | None = Field(None, ge=1, le=366, description="每 N 天 / every N days")
    weekdays: list[int] | None = Field(
        None, min_length=1, max_length=7, description="每週哪幾天 / ISO weekdays, 1=Monday"
    )
    starts_on: date = Field(description="第一天 / the first day it may fall due")
    grace_hours: int = Field(
        8, ge=1, le=720, description="寬限（工作時數）/ working hours before it counts as missed"
    )

    @model_validator(mode="after")
    def _one_rule(self) -> InspectionPlan:
        if (self.every_days is None) == (self.weekdays is None):
            raise ValueError("give every_days or weekdays, not both / 請擇一：每 N 天或每週哪幾天")
        if self.weekdays is not None and not all(1 <= d <= 7 for d in self.weekdays):
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday) / 星期須為 1 至 7")
        return self


@event("problem")
class ProblemOpened(DomainEvent):
    """A supervisor opened a problem record for complaints that share a cause."""

    site: str
    title: str
    origin: ProblemOrigin
    description: str | None = None
    place: str | None = Field(None, description="地點代碼 / the registered place")
    asset: str | None = Field(None, description="設備編號 / the registered equipment")
    asset_type: str | None = None
    model: str | None = None
    complaints: list[UUID] = Field(default_factory=list)
    watch_days: int | None = Field(
        None, ge=0, le=365, description="觀察期（天）/ how long it is watched once improved"
    )


@event("problem")
class ComplaintsLinkedToProblem(DomainEvent):
    """More complaints belong to the problem: named by a person, or new ones on the same
    equipment linked by themselves (``automatic``)."""

    complaints: list[UUID]
    automatic: bool = False


@event("problem")
class RootCauseRecorded(DomainEvent):
    analysis: str = Field(description="根本原因分析 / the root-cause analysis")


@event("problem")
class ImprovementPlanned(DomainEvent):
    """An improvement action with an owner and a due date."""

    action_id: UUID
    kind: ImprovementKind
    description: str
    owner: str
    due_on: date
    inspection: InspectionPlan | None = None
    officer: str | None = Field(None, description="受訓人 / who is retrained (training)")


@event("problem")
class ReplacementRequested(DomainEvent):
    """Procurement is asked, through its own system, to replace the equipment: the same
    fields as a complaint's PurchaseRequested; its reply names ``task_id`` (the action)."""

    task_id: UUID
    site: str
    description: str
    due_at: datetime
    location: str | None = None
    asset: str | None = None
    link: str | None = None


@event("problem")
class ImprovementCompleted(DomainEvent):
    action_id: UUID
    note: str | None = None


@event("problem")
class VerificationStarted(DomainEvent):
    """Every action is done: the problem is watched until ``until`` for a recurrence."""

    cycle: int
    until: datetime
    window_days: int


@event("problem")
class ProblemVerified(DomainEvent):
    """The watch ended: effective (nothing recurred) or recurred (the new complaints)."""

    cycle: int
    outcome: ProblemOutcome
    recurrences: list[UUID] = Field(default_factory=list)
    title: str | None = None


@event("problem")
class ProblemConfirmed(DomainEvent):
    """The supervisor agreed with the outcome: the record is closed."""

    outcome: ProblemOutcome
    note: str | None = None


@event("problem")
class ProblemReopened(DomainEvent):
    """The supervisor reopened it: the cause was not found, or the actions did not work."""

    reason: str


@event("complaint")
class ProblemLinked(DomainEvent):
    """On the complaint's own timeline: it belongs to a problem record."""

    problem_id: UUID
    title: str
    automatic: bool = False


class ProblemState(BaseModel):
    """What every service may read of a problem from its events: a pure fold."""

    site: str = ""
    title: str = ""
    stage: ProblemStage = ProblemStage.OPEN
    place: str | None = None
    asset: str | None = None
    cycle: int = 0
    watching_until: datetime | None = None
    outcome: ProblemOutcome | None = None
    complaints: list[UUID] = Field(default_factory=list)
    recurrences: list[UUID] = Field(default_factory=list)
    actions: dict[UUID, dict[str, Any]] = Field(default_factory=dict)

    @classmethod
    def fold(cls, history: Iterable[tuple[str, Mapping[str, Any]]]) -> ProblemState:
        state = cls()
        for event_type, data in history:
            state.apply(event_type, data)
        return state

    def apply(self, event_type: str, data: Mapping[str, Any]) -> None:
        match event_type:
            case "ProblemOpened":
                self.site, self.title = data["site"], data["title"]
                self.place, self.asset = data.get("place"), data.get("asset")
                self.complaints = [UUID(str(c)) for c in data.get("complaints") or []]
            case "ComplaintsLinkedToProblem":
                new = [UUID(str(c)) for c in data["complaints"]]
                self.complaints += [c for c in new if c not in self.complaints]
                if self.stage is ProblemStage.WATCHING:
                    self.recurrences += new
            case "ImprovementPlanned":
                self.actions[UUID(str(data["action_id"]))] = {**data, "done": False}
                if self.stage is ProblemStage.OPEN:
                    self.stage = ProblemStage.ACTING
            case "ImprovementCompleted":
                self.actions[UUID(str(data["action_id"]))]["done"] = True
            case "VerificationStarted":
                self.stage, self.cycle = ProblemStage.WATCHING, int(data["cycle"])
                self.watching_until = _moment(data["until"])
                self.recurrences = []
            case "ProblemVerified":
                self.stage, self.outcome = ProblemStage.VERIFIED, ProblemOutcome(data["outcome"])
                self.recurrences = [UUID(str(c)) for c in data.get("recurrences") or []]
            case "ProblemConfirmed":
                self.stage = ProblemStage.CLOSED
            case "ProblemReopened":
                self.stage = ProblemStage.ACTING if self.open_actions else ProblemStage.OPEN
                self.outcome, self.watching_until = None, None

    @property
    def open_actions(self) -> list[UUID]:
        return [a for a, action in self.actions.items() if not action["done"]]


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


PROBLEM_STAGE_WORDS: dict[ProblemStage, tuple[str, str]] = {
    ProblemStage.OPEN: ("分析中", "Being analysed"),
    ProblemStage.ACTING: ("改善中", "Improving"),
    ProblemStage.WATCHING: ("觀察期", "Being watched"),
    ProblemStage.VERIFIED: ("待主管確認", "Awaiting the supervisor"),
    ProblemStage.CLOSED: ("已結案", "Closed"),
}
OUTCOME_WORDS: dict[ProblemOutcome, tuple[str, str]] = {
    ProblemOutcome.EFFECTIVE: ("改善有效", "Effective"),
    ProblemOutcome.RECURRED: ("問題復發", "Recurred"),
}
IMPROVEMENT_WORDS: dict[ImprovementKind, tuple[str, str]] = {
    ImprovementKind.INSPECTION: ("定期巡檢", "Recurring inspection"),
    ImprovementKind.REPLACEMENT: ("汰換設備（請購）", "Replacement (purchase)"),
    ImprovementKind.PROCESS: ("修訂流程", "Process change"),
    ImprovementKind.TRAINING: ("人員培訓", "Training"),
    ImprovementKind.OTHER: ("其他工作", "Other work"),
}
ORIGIN_WORDS: dict[ProblemOrigin, tuple[str, str]] = {
    ProblemOrigin.HOTSPOT: ("高頻問題", "A hotspot"),
    ProblemOrigin.REPEAT: ("重複投訴", "Repeat complaints"),
    ProblemOrigin.MANUAL: ("主管開立", "Opened by hand"),
}
