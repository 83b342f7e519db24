"""Inspection schedules (定期巡檢): started by a supervisor or by a problem's inspection
action, ended by hand; a visit's completion from maintenance's reply, which completes the
problem's action with the first visit done. The visits' work orders and misses are the sla
service's (its durable timers)."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import utcnow
from complaint_desk.contract.events.inspections import (
    InspectionCompleted,
    InspectionScheduled,
    InspectionScheduleEnded,
)
from complaint_desk.contract.events.problems import InspectionPlan
from complaint_desk.contract.integration import WorkOrderStatus, WorkOrderUpdate
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection
from complaint_desk.shared.uow import UnitOfWork

from ..refusals import NotInRegistry, ProblemNotFound
from . import commands as pc
from .context import Desk, NotVisible, entries, metadata, team_of, where
from .repository import ProblemStore

# -- schedules ---------------------------------------------------------------------


async def start(
    conn: Connection, schedule_id: UUID, site: str, plan: InspectionPlan, description: str,
    location: str, *, asset: str | None, place: str | None, team: str | None,
    problem_id: UUID | None, action_id: UUID | None, actor: str,
) -> None:  # fmt: skip
    await eventstore.append(
        conn, schedule_id,
        [InspectionScheduled(
            site=site, plan=plan, description=description, location=location, asset=asset,
            place=place, team=team, problem_id=problem_id, action_id=action_id,
        )],
        metadata(site, actor), expected_version=0,
    )  # fmt: skip


async def schedule_inspection(uow: UnitOfWork, command: pc.ScheduleInspection, desk: Desk) -> UUID:
    async with uow() as conn:
        place, asset = await entries(conn, command.site, command.place, command.asset)
        if place is None and asset is None:
            raise NotInRegistry("asset", "—")
        schedule_id = uuid.uuid4()
        team = command.team or team_of(asset)
        await start(
            conn, schedule_id, command.site, command.plan, command.description,
            where(place, asset, command.site), asset=command.asset,
            place=command.place or (str(asset["place"]) if asset and asset.get("place") else None),
            team=team, problem_id=None, action_id=None, actor=desk.actor,
        )  # fmt: skip
    return schedule_id


async def end_schedule(
    uow: UnitOfWork, schedule_id: UUID, command: pc.EndSchedule, desk: Desk
) -> None:
    async with uow() as conn:
        history = await eventstore.read_stream(conn, "inspection", schedule_id)
        if not history or history[0].event_type != InspectionScheduled.__name__:
            raise ProblemNotFound("schedule", schedule_id)
        site = history[0].data["site"]
        if desk.sites is not None and site not in desk.sites:
            raise ProblemNotFound("schedule", schedule_id)
        if any(e.event_type == InspectionScheduleEnded.__name__ for e in history):
            return
        await eventstore.append(
            conn, schedule_id, [InspectionScheduleEnded(reason=command.reason)],
            metadata(site, desk.actor), expected_version=len(history),
        )  # fmt: skip


async def visit_reply(
    conn: Connection, update: WorkOrderUpdate, sees: Any, actor: str, relayed_by: str | None
) -> str | None:
    history = await eventstore.read_stream(conn, "inspection", update.task_id)
    if not history:
        return None
    order = history[0].data
    if not sees(order["site"]):
        raise NotVisible(order["site"])
    if update.status is not WorkOrderStatus.COMPLETED:
        return "applied"
    if any(e.event_type == InspectionCompleted.__name__ for e in history):
        return "stale"
    schedule_id = UUID(str(order["schedule_id"]))
    await eventstore.append(
        conn, update.task_id, [InspectionCompleted(schedule_id=schedule_id, note=update.note)],
        metadata(order["site"], actor, relayed_by), expected_version=len(history),
    )  # fmt: skip
    schedule = await eventstore.read_stream(conn, "inspection", schedule_id, to_version=1)
    action_id, problem_id = schedule[0].data.get("action_id"), schedule[0].data.get("problem_id")
    if action_id and problem_id:
        store = ProblemStore(conn)
        problem = await store.get(UUID(str(problem_id)))
        action = UUID(str(action_id))
        if (
            problem
            and problem.stage.value == "acting"
            and not problem.state.actions[action]["done"]
        ):
            problem.complete(action, "首次巡檢完成 / the first inspection was done", utcnow())
            await store.save(problem, metadata(order["site"], actor, relayed_by))
    return "applied"
