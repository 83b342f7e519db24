"""Problem records and inspection streams in the event store, and the index their events
leave (which problem an action or a piece of equipment belongs to), within the caller's
transaction."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from complaint_desk.contract.events import Metadata
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection
from complaint_desk.shared.queries import load

from .domain import Problem

Q = load(Path(__file__).parents[1] / "sql" / "queries.sql")


class ProblemStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, problem_id: UUID) -> Problem | None:
        history = await eventstore.read_stream(self.conn, "problem", problem_id)
        if not history:
            return None
        return Problem.rebuild(problem_id, (e.payload() for e in history))

    async def save(self, problem: Problem, metadata: Metadata) -> eventstore.Appended | None:
        if not problem.pending:
            return None
        saved = await eventstore.append(
            self.conn, problem.id, problem.pending, metadata,
            expected_version=problem.saved_version,
        )  # fmt: skip
        state = problem.state
        row = {"problem_id": problem.id, "site": state.site, "asset": state.asset,
               "stage": state.stage.value}  # fmt: skip
        await self.conn.execute(Q.put_problem, *Q.args("put_problem", row))
        for event in problem.pending:
            action_id = getattr(event, "action_id", None)
            if event.event_type == "ImprovementPlanned" and action_id is not None:
                args = Q.args("put_problem_action", action_id=action_id, problem_id=problem.id)
                await self.conn.execute(Q.put_problem_action, *args)
        problem.pending.clear()
        return saved

    async def of_action(self, action_id: UUID) -> UUID | None:
        found = await self.conn.fetchval(
            Q.problem_of_action, *Q.args("problem_of_action", action_id=action_id)
        )
        return found if isinstance(found, UUID) else None

    async def open_on(self, site: str, asset: str) -> list[UUID]:
        rows = await self.conn.fetch(
            Q.open_problems_on, *Q.args("open_problems_on", site=site, asset=asset)
        )
        return [r["problem_id"] for r in rows]
