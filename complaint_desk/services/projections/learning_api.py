"""Problem records and inspections to read (問題紀錄、定期巡檢): for the console and for
anyone who follows the improvements. Their commands are intake's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from complaint_desk.contract.words import EVENT_NAMES
from complaint_desk.shared import eventstore
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require, scope
from complaint_desk.shared.consistency import ReadAfter
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import PoolDep

from . import repository

router = APIRouter(tags=["problems"], dependencies=[ReadAfter])
Reader = Annotated[Principal, Depends(require(Permission.READ))]
Site = Annotated[str | None, Query(max_length=12)]
Stage = Literal["open", "acting", "watching", "verified", "closed"]


class Action(BaseModel):
    action_id: UUID
    kind: str
    description: str
    owner: str
    due_on: date
    done: bool
    officer: str | None = None
    inspection: dict[str, Any] | None = None


class ProblemSummary(BaseModel):
    problem_id: UUID
    site: str
    title: str
    origin: str
    stage: Stage
    place: str | None
    asset: str | None
    asset_type: str | None
    model: str | None
    outcome: str | None = Field(description="effective or recurred, once verified")
    complaints: list[UUID]
    numbers: list[str] = Field(default_factory=list)
    recurrences: list[UUID]
    watching_until: datetime | None
    opened_at: datetime
    verified_at: datetime | None
    closed_at: datetime | None
    version: int


class Step(BaseModel):
    event_type: str
    name_zh: str
    name_en: str
    occurred_at: datetime
    actor: str
    data: dict[str, Any]


class Problem(ProblemSummary):
    root_cause: str | None
    actions: list[Action]
    linked: list[dict[str, Any]] = Field(description="number, status, received_at of each")
    history: list[Step] = Field(description="每一步 / each step of the record, in order")


def _visible(principal: Principal, site: str) -> bool:
    return principal.sees(site)


@router.get("/problems", response_model=list[ProblemSummary], summary="Problem records / 問題紀錄")
async def problems(
    pool: PoolDep, principal: Reader, site: Site = None, stage: Stage | None = None
) -> list[ProblemSummary]:
    """The newest first (at most 500), per site or for every site one serves."""
    rows = await repository.problems(pool, scope(principal, site), stage)
    return [ProblemSummary(**r) for r in rows]


@router.get(
    "/problems/{problem_id}", response_model=Problem, summary="A problem record / 問題紀錄",
    responses={404: {"description": "No such problem here / 查無此問題紀錄"}},
)  # fmt: skip
async def problem(problem_id: UUID, pool: PoolDep, principal: Reader) -> Problem:
    """The record with its complaints, its actions and each step (ProblemOpened,
    RootCauseRecorded, ImprovementPlanned, ImprovementCompleted, VerificationStarted,
    ProblemVerified, ProblemConfirmed, ProblemReopened)."""
    row = await repository.problem(pool, problem_id)
    if row is None or not _visible(principal, row["site"]):
        raise ApiError(404, "not_found", "no such problem record", "查無此問題紀錄")
    async with pool.acquire() as conn:
        history = await eventstore.read_stream(conn, "problem", problem_id)
    steps = [
        Step(
            event_type=e.event_type, name_zh=EVENT_NAMES[e.event_type][0],
            name_en=EVENT_NAMES[e.event_type][1], occurred_at=e.occurred_at, actor=e.actor,
            data=e.data,
        )
        for e in history
    ]  # fmt: skip
    return Problem(**row, history=steps)


class Visit(BaseModel):
    visit_id: UUID
    due_at: datetime
    miss_at: datetime
    done_at: datetime | None
    missed_at: datetime | None


class Schedule(BaseModel):
    schedule_id: UUID
    site: str
    description: str
    location: str
    asset: str | None
    place: str | None
    team: str | None
    plan: dict[str, Any]
    problem_id: UUID | None
    ended: bool
    scheduled_at: datetime
    visits: list[Visit] = Field(description="最近 20 次 / the last 20 visits, newest first")


@router.get(
    "/inspections", response_model=list[Schedule], summary="Inspection schedules / 定期巡檢"
)
async def inspections(pool: PoolDep, principal: Reader, site: Site = None) -> list[Schedule]:
    """Each schedule with its latest visits: due, done, or missed (逾期未做)."""
    rows = await repository.inspection_schedules(pool, scope(principal, site))
    return [Schedule(**r) for r in rows]
