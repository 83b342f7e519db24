"""Problem records and inspection schedules over HTTP: a supervisor opens a problem, links
complaints, records the root cause, plans and completes improvements, and confirms or
reopens the outcome; schedules recurring inspections by hand. The read side is projections'
(``GET /problems``, ``GET /inspections``)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from complaint_desk.shared import eventstore
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import check_site, require
from complaint_desk.shared.runtime.deps import UnitOfWorkDep

from ..api import ERRORS, POSITION, _translate
from ..settings import IntakeSettings, SettingsDep
from . import commands as pc
from . import inspections, service
from .context import Desk
from .domain import Problem

router = APIRouter(tags=["problems"])
Supervisor = Annotated[Principal, Depends(require(Permission.REVIEW))]


class ProblemResult(BaseModel):
    id: UUID
    site: str
    stage: str = Field(description="open, acting, watching, verified or closed")
    version: int
    outcome: str | None = None
    action_id: UUID | None = Field(None, description="新措施 / the action just planned")
    position: int = POSITION


class Scheduled(BaseModel):
    id: UUID


def _desk(principal: Principal, settings: IntakeSettings) -> Desk:
    return Desk(
        actor=principal.name, sites=principal.sites, watch_days=settings.problem_watch_days,
        console_base_url=settings.console_base_url,
    )  # fmt: skip


async def _result(
    uow: UnitOfWorkDep, problem: Problem, action_id: UUID | None = None
) -> ProblemResult:
    """The problem as the command left it, with the log position a read may wait for."""
    async with uow() as conn:
        position = await eventstore.stream_position(conn, "problem", problem.id)
    state = problem.state
    return ProblemResult(
        id=problem.id, site=state.site, stage=state.stage.value, version=problem.version,
        outcome=state.outcome.value if state.outcome else None, action_id=action_id,
        position=position,
    )  # fmt: skip


@router.post(
    "/problems", status_code=201, response_model=ProblemResult,
    summary="Open a problem record / 開立問題紀錄", responses=ERRORS,
)  # fmt: skip
async def open_problem(
    body: pc.OpenProblem, uow: UnitOfWorkDep, principal: Supervisor, settings: SettingsDep
) -> ProblemResult:
    """ProblemOpened, and ProblemLinked on each complaint named (same site). New complaints
    linked to the same equipment later join it by themselves."""
    check_site(principal, body.site)
    return await _result(
        uow, await _translate(service.open_problem(uow, body, _desk(principal, settings)))
    )


@router.post(
    "/problems/{problem_id}/complaints", response_model=ProblemResult,
    summary="Link complaints / 連結投訴", responses=ERRORS,
)  # fmt: skip
async def link_complaints(
    problem_id: UUID, body: pc.LinkComplaints, uow: UnitOfWorkDep, principal: Supervisor,
    settings: SettingsDep,
) -> ProblemResult:  # fmt: skip
    """A complaint linked while the problem is watched is a recurrence: ProblemVerified,
    recurred."""
    desk = _desk(principal, settings)
    return await _result(
        uow, await _translate(service.link_complaints(uow, problem_id, body, desk))
    )


@router.post(
    "/problems/{problem_id}/cause", response_model=ProblemResult,
    summary="Record the root cause / 記錄根本原因", responses=ERRORS,
)  # fmt: skip
async def record_cause(
    problem_id: UUID, body: pc.RecordCause, uow: UnitOfWorkDep, principal: Supervisor,
    settings: SettingsDep,
) -> ProblemResult:  # fmt: skip
    """RootCauseRecorded: the root-cause analysis (a later one replaces it on the record)."""
    desk = _desk(principal, settings)
    return await _result(uow, await _translate(service.record_cause(uow, problem_id, body, desk)))


@router.post(
    "/problems/{problem_id}/actions", status_code=201, response_model=ProblemResult,
    summary="Plan an improvement / 規劃改善措施", responses=ERRORS,
)  # fmt: skip
async def plan_improvement(
    problem_id: UUID, body: pc.PlanImprovement, uow: UnitOfWorkDep, principal: Supervisor,
    settings: SettingsDep,
) -> ProblemResult:  # fmt: skip
    """ImprovementPlanned; a replacement also ReplacementRequested (to procurement, answered
    on procurement.purchase-updates with the action's id), an inspection its schedule
    (InspectionScheduled: the sla service sends each visit's work order)."""
    desk = _desk(principal, settings)
    problem, action_id = await _translate(service.plan_improvement(uow, problem_id, body, desk))
    return await _result(uow, problem, action_id)


@router.post(
    "/problems/{problem_id}/actions/{action_id}/complete", response_model=ProblemResult,
    summary="Complete an improvement / 完成改善措施", responses=ERRORS,
)  # fmt: skip
async def complete_improvement(
    problem_id: UUID, action_id: UUID, body: pc.CompleteImprovement, uow: UnitOfWorkDep,
    principal: Supervisor, settings: SettingsDep,
) -> ProblemResult:  # fmt: skip
    """ImprovementCompleted; the last one starts the watch (VerificationStarted)."""
    desk = _desk(principal, settings)
    done = await _translate(service.complete_improvement(uow, problem_id, action_id, body, desk))
    return await _result(uow, done)


@router.post(
    "/problems/{problem_id}/confirm", response_model=ProblemResult,
    summary="Confirm the outcome / 確認成效並結案", responses=ERRORS,
)  # fmt: skip
async def confirm(
    problem_id: UUID, body: pc.ConfirmProblem, uow: UnitOfWorkDep, principal: Supervisor,
    settings: SettingsDep,
) -> ProblemResult:  # fmt: skip
    """ProblemConfirmed: the supervisor agrees with the verified outcome; the record closes."""
    desk = _desk(principal, settings)
    return await _result(uow, await _translate(service.confirm(uow, problem_id, body, desk)))


@router.post(
    "/problems/{problem_id}/reopen", response_model=ProblemResult,
    summary="Reopen the problem / 重新開啟", responses=ERRORS,
)  # fmt: skip
async def reopen(
    problem_id: UUID, body: pc.ReopenProblem, uow: UnitOfWorkDep, principal: Supervisor,
    settings: SettingsDep,
) -> ProblemResult:  # fmt: skip
    """ProblemReopened: the cause was not found or the improvements did not work; plan again."""
    desk = _desk(principal, settings)
    return await _result(uow, await _translate(service.reopen(uow, problem_id, body, desk)))


@router.post(
    "/inspections", status_code=201, response_model=Scheduled,
    summary="Schedule a recurring inspection / 排定定期巡檢", responses=ERRORS,
)  # fmt: skip
async def schedule_inspection(
    body: pc.ScheduleInspection, uow: UnitOfWorkDep, principal: Supervisor, settings: SettingsDep
) -> Scheduled:
    """InspectionScheduled: every N days or on given weekdays, at the start of the site's
    working day; the sla service sends each visit's work order once (maintenance answers on
    maintenance.work-order-updates with its task_id) and records a visit not done in its
    grace time as missed."""
    check_site(principal, body.site)
    desk = _desk(principal, settings)
    return Scheduled(id=await _translate(inspections.schedule_inspection(uow, body, desk)))


@router.post(
    "/inspections/{schedule_id}/end", status_code=204,
    summary="End an inspection schedule / 停止定期巡檢", responses=ERRORS,
)  # fmt: skip
async def end_schedule(
    schedule_id: UUID, body: pc.EndSchedule, uow: UnitOfWorkDep, principal: Supervisor,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """InspectionScheduleEnded: no further visits are ordered."""
    await _translate(inspections.end_schedule(uow, schedule_id, body, _desk(principal, settings)))
    return Response(status_code=204)
