"""The use cases of problem records and inspection schedules: each in one transaction with
its events. A problem's notes on its complaints' timelines, and an inspection action's
schedule, are written in the same transaction as the problem's own events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import Metadata, utcnow
from complaint_desk.contract.events.inspections import (
    InspectionCompleted,
    InspectionScheduled,
    InspectionScheduleEnded,
)
from complaint_desk.contract.events.problems import ImprovementKind, InspectionPlan, ProblemLinked
from complaint_desk.contract.integration import (
    PurchaseStatus,
    PurchaseUpdate,
    WorkOrderStatus,
    WorkOrderUpdate,
)
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection
from complaint_desk.shared.uow import UnitOfWork

from ..refusals import ComplaintNotFound, NotInRegistry, ProblemNotFound
from ..repository import ComplaintRepository, RegistryStore
from . import commands as pc
from .domain import Action, Problem
from .repository import ProblemStore


@dataclass(frozen=True)
class Desk:
    """Who acts, the sites they serve (None: all), and the settings a problem needs."""

    actor: str
    sites: frozenset[str] | None
    watch_days: int
    console_base_url: str

    def link(self, problem_id: UUID) -> str:
        return f"{self.console_base_url.rstrip('/')}/console/problems/{problem_id}"


def _metadata(site: str, actor: str, relayed_by: str | None = None) -> Metadata:
    return Metadata(site_id=site, actor=actor, relayed_by=relayed_by)


async def _entries(
    conn: Connection, site: str, place: str | None, asset: str | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    registry = await RegistryStore(conn).get(site)
    found_asset = registry.assets.get(asset) if asset else None
    if asset and (found_asset is None or found_asset["retired"]):
        raise NotInRegistry("asset", asset)
    found_place = registry.places.get(place) if place else None
    if place and (found_place is None or found_place["retired"]):
        raise NotInRegistry("place", place)
    return found_place, found_asset


async def _note_on_complaints(
    conn: Connection, problem: Problem, complaints: list[UUID], actor: str, automatic: bool
) -> None:
    for complaint_id in complaints:
        await eventstore.append(
            conn, complaint_id,
            [ProblemLinked(problem_id=problem.id, title=problem.state.title, automatic=automatic)],
            _metadata(problem.state.site, actor), expected_version=None,
        )  # fmt: skip


async def _check_complaints(conn: Connection, site: str, complaints: list[UUID]) -> None:
    repo = ComplaintRepository(conn)
    for complaint_id in complaints:
        complaint = await repo.get(complaint_id)
        if complaint is None or complaint.site != site:
            raise ComplaintNotFound(complaint_id)


async def _problem(store: ProblemStore, problem_id: UUID, desk: Desk) -> Problem:
    problem = await store.get(problem_id)
    if problem is None or (desk.sites is not None and problem.state.site not in desk.sites):
        raise ProblemNotFound("problem", problem_id)
    return problem


async def open_problem(uow: UnitOfWork, command: pc.OpenProblem, desk: Desk) -> Problem:
    async with uow() as conn:
        place, asset = await _entries(conn, command.site, command.place, command.asset)
        await _check_complaints(conn, command.site, command.complaints)
        problem = Problem.open(
            uuid.uuid4(), site=command.site, title=command.title, origin=command.origin,
            description=command.description, place=place, asset=asset,
            complaints=command.complaints,
            watch_days=desk.watch_days if command.watch_days is None else command.watch_days,
        )  # fmt: skip
        await ProblemStore(conn).save(problem, _metadata(command.site, desk.actor))
        await _note_on_complaints(conn, problem, problem.state.complaints, desk.actor, False)
    return problem


async def link_complaints(
    uow: UnitOfWork, problem_id: UUID, command: pc.LinkComplaints, desk: Desk
) -> Problem:
    async with uow() as conn:
        store = ProblemStore(conn)
        problem = await _problem(store, problem_id, desk)
        await _check_complaints(conn, problem.state.site, command.complaints)
        new = problem.link(command.complaints, automatic=False)
        await store.save(problem, _metadata(problem.state.site, desk.actor))
        await _note_on_complaints(conn, problem, new, desk.actor, False)
    return problem


async def record_cause(
    uow: UnitOfWork, problem_id: UUID, command: pc.RecordCause, desk: Desk
) -> Problem:
    async with uow() as conn:
        store = ProblemStore(conn)
        problem = await _problem(store, problem_id, desk)
        problem.record_cause(command.analysis)
        await store.save(problem, _metadata(problem.state.site, desk.actor))
    return problem


def _team(asset: dict[str, Any] | None) -> str | None:
    team = (asset or {}).get("maintenance_team")
    return str(team) if team else None


def _where(place: dict[str, Any] | None, asset: dict[str, Any] | None, fallback: str) -> str:
    if asset:
        return str(asset["name"])
    return str(place["name"]) if place else fallback


async def plan_improvement(
    uow: UnitOfWork, problem_id: UUID, command: pc.PlanImprovement, desk: Desk
) -> tuple[Problem, UUID]:
    """Plan an action; a replacement asks procurement (ReplacementRequested) and an
    inspection starts its schedule, in the same transaction."""
    async with uow() as conn:
        store = ProblemStore(conn)
        problem = await _problem(store, problem_id, desk)
        state = problem.state
        place_code = state.place
        place, asset = await _entries(conn, state.site, place_code, state.asset)
        location = _where(place, asset, state.title)
        action_id = uuid.uuid4()
        problem.plan(
            action_id,
            Action(
                kind=command.kind, description=command.description, owner=command.owner,
                due_on=command.due_on, inspection=command.inspection, officer=command.officer,
            ),
            location=location, link=desk.link(problem.id),
        )  # fmt: skip
        await store.save(problem, _metadata(state.site, desk.actor))
        if command.kind is ImprovementKind.INSPECTION:
            assert command.inspection is not None
            await _schedule(
                conn, action_id, state.site, command.inspection, command.description, location,
                asset=state.asset, place=place_code,
                team=command.team or _team(asset),
                problem_id=problem.id, action_id=action_id, actor=desk.actor,
            )  # fmt: skip
    return problem, action_id


async def complete_improvement(
    uow: UnitOfWork, problem_id: UUID, action_id: UUID, command: pc.CompleteImprovement, desk: Desk
) -> Problem:
    async with uow() as conn:
        store = ProblemStore(conn)
        problem = await _problem(store, problem_id, desk)
        problem.complete(action_id, command.note, utcnow())
        await store.save(problem, _metadata(problem.state.site, desk.actor))
    return problem


async def confirm(
    uow: UnitOfWork, problem_id: UUID, command: pc.ConfirmProblem, desk: Desk
) -> Problem:
    async with uow() as conn:
        store = ProblemStore(conn)
        problem = await _problem(store, problem_id, desk)
        problem.confirm(command.note)
        await store.save(problem, _metadata(problem.state.site, desk.actor))
    return problem


async def reopen(
    uow: UnitOfWork, problem_id: UUID, command: pc.ReopenProblem, desk: Desk
) -> Problem:
    async with uow() as conn:
        store = ProblemStore(conn)
        problem = await _problem(store, problem_id, desk)
        problem.reopen(command.reason)
        await store.save(problem, _metadata(problem.state.site, desk.actor))
    return problem


# -- inspection schedules ---------------------------------------------------------------------


async def _schedule(
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
        _metadata(site, actor), expected_version=0,
    )  # fmt: skip


async def schedule_inspection(uow: UnitOfWork, command: pc.ScheduleInspection, desk: Desk) -> UUID:
    async with uow() as conn:
        place, asset = await _entries(conn, command.site, command.place, command.asset)
        if place is None and asset is None:
            raise NotInRegistry("asset", "—")
        schedule_id = uuid.uuid4()
        team = command.team or _team(asset)
        await _schedule(
            conn, schedule_id, command.site, command.plan, command.description,
            _where(place, asset, command.site), asset=command.asset,
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
            _metadata(site, desk.actor), expected_version=len(history),
        )  # fmt: skip


# -- what comes back from other systems and from the complaints ------------------------------


class NotVisible(LookupError):
    """The sender does not serve the site of what it names."""


async def task_reply(
    conn: Connection,
    update: WorkOrderUpdate | PurchaseUpdate,
    *,
    sees: Any,
    actor: str,
    relayed_by: str | None,
) -> str | None:
    """Maintenance's answer about an inspection visit, or procurement's about a replacement:
    ``applied`` or ``stale``; None when the task is neither (a complaint's, or nothing)."""
    if isinstance(update, WorkOrderUpdate):
        return await _visit_reply(conn, update, sees, actor, relayed_by)
    problem_id = await ProblemStore(conn).of_action(update.task_id)
    if problem_id is None:
        return None
    store = ProblemStore(conn)
    problem = await store.get(problem_id)
    assert problem is not None
    if not sees(problem.state.site):
        raise NotVisible(problem.state.site)
    if update.status is not PurchaseStatus.DELIVERED:
        return "applied"  # ordered or cancelled: the action stays open for the supervisor
    if not problem.state.actions[update.task_id]["done"] and problem.stage.value == "acting":
        problem.complete(update.task_id, update.note or "已到貨 / delivered", utcnow())
        await store.save(problem, _metadata(problem.state.site, actor, relayed_by))
        return "applied"
    return "stale"


async def _visit_reply(
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
        _metadata(order["site"], actor, relayed_by), expected_version=len(history),
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
            await store.save(problem, _metadata(order["site"], actor, relayed_by))
    return "applied"


async def link_new_complaint(
    conn: Connection, complaint_id: UUID, site: str, asset: str
) -> list[UUID]:
    """A complaint newly linked to a piece of equipment joins the problems open on it (a
    recurrence, when one is watched); the problems it joined."""
    store = ProblemStore(conn)
    joined = []
    for problem_id in await store.open_on(site, asset):
        problem = await store.get(problem_id)
        if problem is None or problem.stage.value == "closed":
            continue
        new = problem.link([complaint_id], automatic=True)
        if new:
            await store.save(problem, _metadata(site, "system:intake"))
            await _note_on_complaints(conn, problem, new, "system:intake", True)
            joined.append(problem_id)
    return joined
