"""A problem record's stages: opened, improved, watched, and settled (pure)."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from complaint_desk.contract.events.problems import (
    ImprovementKind,
    InspectionPlan,
    ProblemOrigin,
    ProblemOutcome,
    ProblemStage,
)
from complaint_desk.services.intake.problems.domain import Action, Problem
from complaint_desk.services.intake.refusals import ProblemRefused

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ASSET = {
    "code": "WD-1",
    "type": "water_dispenser",
    "name": "3F 飲水機",
    "place": "3F",
    "model": "X",
}


def opened(watch_days: int = 30) -> Problem:
    return Problem.open(
        uuid4(), site="HQ", title="飲水機反覆故障", origin=ProblemOrigin.HOTSPOT,
        description=None, place=None, asset=ASSET, complaints=[uuid4(), uuid4()],
        watch_days=watch_days,
    )  # fmt: skip


def action(kind: ImprovementKind, **more: object) -> Action:
    return Action(kind=kind, description="換新", owner="主管", due_on=date(2026, 12, 20), **more)  # type: ignore[arg-type]


def test_a_replacement_asks_procurement_and_the_last_action_starts_the_watch() -> None:
    problem = opened()
    assert problem.state.place == "3F" and problem.state.asset == "WD-1"
    first, second = uuid4(), uuid4()
    problem.plan(first, action(ImprovementKind.REPLACEMENT), location="3F 飲水機", link=None)
    plan = InspectionPlan(every_days=7, starts_on=date(2026, 12, 2))
    problem.plan(
        second, action(ImprovementKind.INSPECTION, inspection=plan), location=None, link=None
    )
    types = [e.event_type for e in problem.pending]
    assert types == [
        "ProblemOpened",
        "ImprovementPlanned",
        "ReplacementRequested",
        "ImprovementPlanned",
    ]
    assert problem.complete(first, None, NOW) and problem.stage is ProblemStage.ACTING
    assert not problem.complete(first, None, NOW)  # done once
    problem.complete(second, None, NOW)
    assert problem.stage is ProblemStage.WATCHING
    assert problem.state.watching_until == NOW + timedelta(days=30)


def test_a_complaint_linked_while_watched_is_a_recurrence() -> None:
    problem = opened()
    act = uuid4()
    problem.plan(act, action(ImprovementKind.OTHER), location=None, link=None)
    problem.complete(act, None, NOW)
    again = uuid4()
    assert problem.link([again], automatic=True) == [again]
    assert problem.stage is ProblemStage.VERIFIED
    assert problem.state.outcome is ProblemOutcome.RECURRED
    assert problem.state.recurrences == [again]
    assert problem.link([again], automatic=True) == []  # linked once
    problem.reopen("根本原因未找到")
    assert problem.stage is ProblemStage.OPEN


def test_refusals_name_the_stage_in_chinese() -> None:
    problem = opened()
    with pytest.raises(ProblemRefused) as refused:
        problem.confirm(None)
    assert "分析中" in refused.value.message_zh
    with pytest.raises(ProblemRefused) as incomplete:
        problem.plan(uuid4(), action(ImprovementKind.TRAINING), location=None, link=None)
    assert incomplete.value.details["field"] == "officer"


def test_a_complaints_note_of_its_problem_changes_nothing_of_its_process() -> None:
    from complaint_desk.contract.events import Status
    from complaint_desk.contract.events.problems import ProblemLinked
    from complaint_desk.services.intake.domain import Complaint
    from complaint_desk.services.intake.tests import factory as f

    complaint = f.received()
    history = [*complaint.pending, ProblemLinked(problem_id=uuid4(), title="x", automatic=True)]
    again = Complaint.rebuild(complaint.id, history)
    assert again.status is Status.RECEIVED and again.version == len(history)
    f.run(again, "acknowledge")
    assert again.status is Status.CONTACTED
