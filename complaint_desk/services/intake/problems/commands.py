"""What a supervisor sends about problem records and inspection schedules, validated at the
edge."""

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from complaint_desk.contract.events.problems import ImprovementKind, InspectionPlan, ProblemOrigin

from ..commands import LongText, Note, SiteCode, Text

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenProblem(_Body):
    """Open a problem record (問題紀錄) for complaints that share a cause."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "site": "HQ", "title": "3F 飲水機反覆故障", "origin": "hotspot", "asset": "WD-3F-02",
            "complaints": ["9f1c2b7e-3f0a-4a55-9a57-1f2e3d4c5b6a"],
        }]},
    )  # fmt: skip

    site: SiteCode = Field(description="院區代碼 / site code")
    title: Text = Field(description="問題名稱 / what keeps going wrong")
    origin: ProblemOrigin = Field(ProblemOrigin.MANUAL, description="來源 / where it was found")
    description: LongText | None = None
    place: Code | None = Field(None, description="地點代碼 / the registered place")
    asset: Code | None = Field(None, description="設備編號 / the registered equipment")
    complaints: list[UUID] = Field(default_factory=list, max_length=500)
    watch_days: int | None = Field(
        None, ge=0, le=365, description="觀察期（天），預設依設定 / days watched once improved"
    )


class LinkComplaints(_Body):
    complaints: list[UUID] = Field(min_length=1, max_length=500)


class RecordCause(_Body):
    analysis: LongText = Field(description="根本原因分析 / the root-cause analysis")


class PlanImprovement(_Body):
    """One improvement action with an owner and a due date; an inspection carries its
    schedule, a training the officer trained, a replacement goes to procurement."""

    kind: ImprovementKind = Field(description="改善類型 / what kind of action")
    description: LongText = Field(description="改善內容 / what will be done")
    owner: Text = Field(description="負責人 / who sees it done")
    due_on: date = Field(description="完成期限 / the day it is due")
    inspection: InspectionPlan | None = Field(None, description="巡檢週期 / an inspection's plan")
    officer: Text | None = Field(None, description="受訓人 / who is retrained (training)")
    team: Text | None = Field(None, description="維修班組 / the team inspecting")


class CompleteImprovement(_Body):
    note: Note | None = None


class ConfirmProblem(_Body):
    note: Note | None = None


class ReopenProblem(_Body):
    reason: LongText = Field(description="重新開啟的原因 / why it is reopened")


class ScheduleInspection(_Body):
    """A recurring inspection of a piece of equipment or a place (定期巡檢)."""

    site: SiteCode
    asset: Code | None = None
    place: Code | None = None
    description: LongText = Field(description="巡檢內容 / what the crew checks")
    team: Text | None = Field(None, description="維修班組 / the team")
    plan: InspectionPlan


class EndSchedule(_Body):
    reason: LongText
