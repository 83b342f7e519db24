"""A problem record as an aggregate: the commands a supervisor gives it and the events they
record, checked against the stage it has reached. Pure, no I/O; the time is passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import DomainEvent
from complaint_desk.contract.events.problems import (
    ComplaintsLinkedToProblem,
    ImprovementCompleted,
    ImprovementKind,
    ImprovementPlanned,
    InspectionPlan,
    ProblemConfirmed,
    ProblemOpened,
    ProblemOrigin,
    ProblemOutcome,
    ProblemReopened,
    ProblemStage,
    ProblemState,
    ProblemVerified,
    ReplacementRequested,
    RootCauseRecorded,
    VerificationStarted,
)

from ..refusals import ProblemRefused

# The stages each command may be given in.
ALLOWED: dict[str, frozenset[ProblemStage]] = {
    "cause": frozenset({ProblemStage.OPEN, ProblemStage.ACTING}),
    "plan": frozenset({ProblemStage.OPEN, ProblemStage.ACTING}),
    "complete": frozenset({ProblemStage.ACTING}),
    "confirm": frozenset({ProblemStage.VERIFIED}),
    "reopen": frozenset({ProblemStage.VERIFIED, ProblemStage.CLOSED}),
    "link": frozenset(set(ProblemStage) - {ProblemStage.CLOSED}),
}


@dataclass(frozen=True)
class Action:
    kind: ImprovementKind
    description: str
    owner: str
    due_on: date
    inspection: InspectionPlan | None = None
    officer: str | None = None


@dataclass
class Problem:
    id: UUID
    state: ProblemState = field(default_factory=ProblemState)
    version: int = 0
    watch_days: int = 30
    pending: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def rebuild(cls, problem_id: UUID, history: Iterable[DomainEvent]) -> Problem:
        problem = cls(problem_id)
        for event in history:
            problem._apply(event)
            problem.version += 1
        return problem

    @property
    def saved_version(self) -> int:
        return self.version - len(self.pending)

    @property
    def stage(self) -> ProblemStage:
        return self.state.stage

    def _apply(self, event: DomainEvent) -> None:
        self.state.apply(event.event_type, event.model_dump(mode="json"))
        if isinstance(event, ProblemOpened) and event.watch_days is not None:
            self.watch_days = event.watch_days

    def _record(self, *events: DomainEvent) -> None:
        for event in events:
            self._apply(event)
            self.version += 1
            self.pending.append(event)

    def _check(self, command: str) -> None:
        if self.stage not in ALLOWED[command]:
            raise ProblemRefused.at_stage(command, self.stage)

    # -- commands --------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        problem_id: UUID,
        *,
        site: str,
        title: str,
        origin: ProblemOrigin,
        description: str | None,
        place: Mapping[str, Any] | None,
        asset: Mapping[str, Any] | None,
        complaints: Sequence[UUID],
        watch_days: int,
    ) -> Problem:
        problem = cls(problem_id)
        at = place["code"] if place else (asset or {}).get("place")
        problem._record(
            ProblemOpened(
                site=site, title=title, origin=origin, description=description,
                place=str(at) if at else None,
                asset=str(asset["code"]) if asset else None,
                asset_type=str(asset["type"]) if asset else None,
                model=str(asset["model"]) if asset and asset.get("model") else None,
                complaints=list(dict.fromkeys(complaints)), watch_days=watch_days,
            )
        )  # fmt: skip
        return problem

    def link(self, complaints: Sequence[UUID], *, automatic: bool) -> list[UUID]:
        """The complaints not linked before; a recurrence while it is watched settles it."""
        self._check("link")
        new = [c for c in dict.fromkeys(complaints) if c not in self.state.complaints]
        if not new:
            return []
        watching = self.stage is ProblemStage.WATCHING
        self._record(ComplaintsLinkedToProblem(complaints=new, automatic=automatic))
        if watching:
            self._record(
                ProblemVerified(
                    cycle=self.state.cycle, outcome=ProblemOutcome.RECURRED,
                    recurrences=self.state.recurrences, title=self.state.title,
                )
            )  # fmt: skip
        return new

    def record_cause(self, analysis: str) -> None:
        self._check("cause")
        self._record(RootCauseRecorded(analysis=analysis))

    def plan(
        self, action_id: UUID, action: Action, *, location: str | None, link: str | None
    ) -> None:
        self._check("plan")
        if action.kind is ImprovementKind.INSPECTION and action.inspection is None:
            raise ProblemRefused.needs(
                "inspection", "an inspection needs its schedule", "巡檢需指定週期"
            )
        if action.kind is ImprovementKind.TRAINING and not action.officer:
            raise ProblemRefused.needs(
                "officer", "a training names who is trained", "培訓需指定受訓人"
            )
        self._record(
            ImprovementPlanned(
                action_id=action_id, kind=action.kind, description=action.description,
                owner=action.owner, due_on=action.due_on, inspection=action.inspection,
                officer=action.officer,
            )
        )  # fmt: skip
        if action.kind is ImprovementKind.REPLACEMENT:
            self._record(
                ReplacementRequested(
                    task_id=action_id, site=self.state.site,
                    description=f"{self.state.title}：{action.description}",
                    due_at=datetime.combine(action.due_on, time(23, 59), tzinfo=UTC),
                    location=location, asset=self.state.asset, link=link,
                )
            )  # fmt: skip

    def complete(self, action_id: UUID, note: str | None, now: datetime) -> bool:
        """Mark an action done (False: it was already); the last one starts the watch."""
        if action_id not in self.state.actions:
            raise ProblemRefused.no_action(action_id)
        if self.state.actions[action_id]["done"]:
            return False
        self._check("complete")
        self._record(ImprovementCompleted(action_id=action_id, note=note))
        if not self.state.open_actions:
            self._record(
                VerificationStarted(
                    cycle=self.state.cycle + 1, until=now + timedelta(days=self.watch_days),
                    window_days=self.watch_days,
                )
            )  # fmt: skip
        return True

    def confirm(self, note: str | None) -> None:
        self._check("confirm")
        assert self.state.outcome is not None
        self._record(ProblemConfirmed(outcome=self.state.outcome, note=note))

    def reopen(self, reason: str) -> None:
        self._check("reopen")
        self._record(ProblemReopened(reason=reason))
