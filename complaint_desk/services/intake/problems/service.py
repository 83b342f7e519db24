"""The use cases of problem records and inspection schedules: each in one transaction with
its events. A problem's notes on its complaints' timelines, and an inspection action's
schedule, are written in the same transaction as the problem's own events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import utcnow
from complaint_desk.contract.events.problems import ImprovementKind, ProblemLinked
from complaint_desk.contract.integration import (
    PurchaseStatus,
    PurchaseUpdate,
    WorkOrderUpdate,
)
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection
from complaint_desk.shared.uow import UnitOfWork

from ..refusals import ComplaintNotFound, ProblemNotFound
from ..repository import ComplaintRepository
from . import commands as pc
from . import inspections
from .context import Desk, NotVisible, entries, metadata, team_of, where
from .domain import Action, Problem
from .repository import ProblemStore


async def _note_on_complaints(
    conn: Connection, problem: Problem, complaints: list[UUID], actor: str, automatic: bool
) -> None:
    for complaint_id in complaints:
        await eventstore.append(
            conn, complaint_id,
            [ProblemLinked(problem_id=problem.id, title=problem.state.title, automatic=automatic)],
            metadata(problem.state.site, actor), expected_version=None,
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
        place, asset = await entries(conn, command.site, command.place, command.asset)
        await _check_complaints(conn, command.site, command.complaints)
        problem = Problem.open(
            uuid.uuid4(), site=command.site, title=command.title, origin=command.origin,
            description=command.description, place=place, asset=asset,
            complaints=command.complaints,
            watch_days=desk.watch_days if command.watch_days is None else command.watch_days,
        )  # fmt: skip
        await ProblemStore(conn).save(problem, metadata(command.site, desk.actor))
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
        await store.save(problem, metadata(problem.state.site, desk.actor))
        await _note_on_complaints(conn, problem, new, desk.actor, False)
    return problem


async def _change(
    uow: UnitOfWork, problem_id: UUID, desk: Desk, act: Callable[[Problem], object]
) -> Problem:
    """One command on one problem: loaded, acted on, saved, in one transaction."""
    async with uow() as conn:
        store = ProblemStore(conn)
        problem = await _problem(store, problem_id, desk)
        act(problem)
        await store.save(problem, metadata(problem.state.site, desk.actor))
    return problem


async def record_cause(
    uow: UnitOfWork, problem_id: UUID, command: pc.RecordCause, desk: Desk
) -> Problem:
    return await _change(uow, problem_id, desk, lambda p: p.record_cause(command.analysis))


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
        place, asset = await entries(conn, state.site, place_code, state.asset)
        location = where(place, asset, state.title)
        action_id = uuid.uuid4()
        problem.plan(
            action_id,
            Action(
                kind=command.kind, description=command.description, owner=command.owner,
                due_on=command.due_on, inspection=command.inspection, officer=command.officer,
            ),
            location=location, link=desk.link(problem.id),
        )  # fmt: skip
        await store.save(problem, metadata(state.site, desk.actor))
        if command.kind is ImprovementKind.INSPECTION:
            assert command.inspection is not None
            await inspections.start(
                conn, action_id, state.site, command.inspection, command.description, location,
                asset=state.asset, place=place_code,
                team=command.team or team_of(asset),
                problem_id=problem.id, action_id=action_id, actor=desk.actor,
            )  # fmt: skip
    return problem, action_id


async def complete_improvement(
    uow: UnitOfWork, problem_id: UUID, action_id: UUID, command: pc.CompleteImprovement, desk: Desk
) -> Problem:
    return await _change(
        uow, problem_id, desk, lambda p: p.complete(action_id, command.note, utcnow())
    )


async def confirm(
    uow: UnitOfWork, problem_id: UUID, command: pc.ConfirmProblem, desk: Desk
) -> Problem:
    return await _change(uow, problem_id, desk, lambda p: p.confirm(command.note))


async def reopen(
    uow: UnitOfWork, problem_id: UUID, command: pc.ReopenProblem, desk: Desk
) -> Problem:
    return await _change(uow, problem_id, desk, lambda p: p.reopen(command.reason))


# -- what comes back from other systems and from the complaints ------------------------------


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
        return await inspections.visit_reply(conn, update, sees, actor, relayed_by)
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
        await store.save(problem, metadata(problem.state.site, actor, relayed_by))
        return "applied"
    return "stale"


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
            await store.save(problem, metadata(site, "system:intake"))
            await _note_on_complaints(conn, problem, new, "system:intake", True)
            joined.append(problem_id)
    return joined
