"""Each command from each state: allowed where the process allows it, refused elsewhere with
an error naming the state and the command."""

from datetime import timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from complaint_desk.contract.events import Status
from complaint_desk.contract.events.complaints import (
    AssigneeKind,
    CallbackRecorded,
    ComplaintReceived,
    PurchaseRequested,
    RepeatComplaintDetected,
    RepeatReason,
    ReviewOpened,
    SafetyEscalated,
    TaskAssigned,
    WorkOrderRequested,
)
from complaint_desk.contract.process import Policy, allowed_commands
from complaint_desk.services.intake import commands as c
from complaint_desk.services.intake.domain import Complaint, TaskState
from complaint_desk.services.intake.refusals import (
    DueInThePast,
    IllegalTransition,
    NotForThisActor,
    TaskNotFound,
)
from complaint_desk.services.intake.service import Context

from . import factory as f
from .factory import NOW, in_status, run

S = Status
OPEN = {
    S.RECEIVED, S.CONTACTED, S.CLASSIFIED, S.RESOLUTION_PROPOSED, S.ESCALATED, S.RESOLUTION_AGREED,
    S.IN_PROGRESS, S.RESOLVED, S.UNDER_REVIEW,
}  # fmt: skip
STATES = [s for s in Status if s not in (S.NEW, S.WAITING)]  # waiting is no stage

ALLOWED: dict[str, set[Status]] = {
    "acknowledge": OPEN - {S.CONTACTED},  # contacted: acknowledged already
    "escalate-safety": OPEN,
    "owner": OPEN,
    "evidence": OPEN,
    "notes": set(STATES),  # staff may note anything, archived or referred too
    "classify": {S.RECEIVED, S.CONTACTED, S.CLASSIFIED, S.REFERRED},  # referred: taken back
    "severity": OPEN - {S.RECEIVED, S.CONTACTED},
    "resolution": {S.CLASSIFIED, S.RESOLUTION_PROPOSED, S.ESCALATED},
    "resolution/approve": set(),  # only an officer's plan after a dispute needs it
    "resolution/accept": {S.RESOLUTION_PROPOSED},
    "resolution/dispute": {S.RESOLUTION_PROPOSED},
    "report": {S.RESOLUTION_AGREED, S.IN_PROGRESS, S.RESOLVED, S.UNDER_REVIEW},
    # During a supervisor's review, new work comes only from the review's conclusion.
    "tasks": {S.CLASSIFIED, S.RESOLUTION_PROPOSED, S.ESCALATED, S.RESOLUTION_AGREED, S.IN_PROGRESS},
    "wait": OPEN - {S.RESOLVED, S.UNDER_REVIEW},
    "resume": set(),  # nothing in these states is waiting
    "callbacks": {S.RESOLVED},
    "review/conclude": {S.UNDER_REVIEW},
    "resolve": {S.CLASSIFIED, S.RESOLUTION_AGREED},  # IN_PROGRESS here has an open task
    "close": {S.RESOLVED, S.REFERRED},
    "reopen": {S.CLOSED},
    "message": set(STATES),  # the complainant may always add something; merged: it follows
}  # fmt: skip


@pytest.mark.parametrize("status", STATES, ids=str)
@pytest.mark.parametrize("name", f.LIFECYCLE)
def test_each_command_from_each_state(name: str, status: Status) -> None:
    complaint = in_status(status)
    before = (complaint.version, complaint.status)
    if status in ALLOWED[name]:
        run(complaint, name)
        assert complaint.version > before[0]
        rebuilt = Complaint.rebuild(complaint.id, complaint.pending)
        assert (rebuilt.status, rebuilt.version) == (complaint.status, complaint.version)
    else:
        with pytest.raises(IllegalTransition) as refused:
            run(complaint, name)
        assert status.value in refused.value.message
        assert refused.value.message_zh
        assert (complaint.version, complaint.status) == before, "a refusal records nothing"


@pytest.mark.parametrize("status", STATES, ids=str)
def test_the_commands_offered_are_those_the_aggregate_accepts(status: Status) -> None:
    offered = allowed_commands(in_status(status).progress, Policy(now=NOW))
    accepted = {name for name in f.LIFECYCLE if status in ALLOWED[name]}
    assert set(offered) & set(f.LIFECYCLE) == accepted
    assert ("notes" in offered) is True


def test_only_a_plan_awaiting_approval_offers_approval_not_the_complainants_answer() -> None:
    complaint = in_status(S.ESCALATED)
    run(complaint, "resolution", Context(now=NOW, supervisor=False))
    offered = allowed_commands(complaint.progress, Policy(now=NOW))
    assert "resolution/approve" in offered
    assert not {"resolution/accept", "resolution/dispute"} & set(offered)


def test_a_task_offers_its_steps_and_keeps_resolve_back_until_it_ends() -> None:
    complaint = in_status(S.CLASSIFIED)
    task = run(complaint, "tasks")
    offered = allowed_commands(complaint.progress, Policy(now=NOW))
    assert {"tasks/progress", "tasks/complete", "tasks/cancel"} <= set(offered)
    assert "resolve" not in offered
    run(complaint, "tasks/complete", Context(now=NOW, task_id=task))
    offered = allowed_commands(complaint.progress, Policy(now=NOW))
    assert "resolve" in offered and "tasks/complete" not in offered


def test_reopen_is_offered_only_within_the_window() -> None:
    closed = in_status(S.CLOSED)
    assert "reopen" in allowed_commands(closed.progress, Policy(now=NOW + timedelta(days=29)))
    late = Policy(now=NOW + timedelta(days=31), reopen_window_days=30)
    assert "reopen" not in allowed_commands(closed.progress, late)


def test_a_safety_complaint_is_escalated_at_receipt_with_its_measures() -> None:
    body = {**f.RECEIPT, "category": "safety", "temporary_measures": ["people_evacuated"]}
    complaint = Complaint.receive(
        f.received().id, f.c.ReceiveComplaint(**body), number="HQ-2", now=NOW
    )
    received, escalated = complaint.pending
    assert isinstance(received, ComplaintReceived) and isinstance(escalated, SafetyEscalated)
    assert escalated.at_receipt and escalated.temporary_measures == ["people_evacuated"]
    with pytest.raises(IllegalTransition, match="already escalated"):
        run(complaint, "escalate-safety")


def test_a_major_fault_is_escalated_too() -> None:
    body = {**f.RECEIPT, "major_fault": True}
    complaint = Complaint.receive(
        f.received().id, f.c.ReceiveComplaint(**body), number="X", now=NOW
    )
    assert [type(e) for e in complaint.pending] == [ComplaintReceived, SafetyEscalated]


def test_repeats_are_linked_with_their_reasons() -> None:
    earlier = f.received().id
    complaint = Complaint.receive(
        f.received().id,
        f.c.ReceiveComplaint(**f.RECEIPT),
        number="X",
        now=NOW,
        repeats={earlier: {RepeatReason.SAME_COMPLAINANT, RepeatReason.SAME_PLACE_AND_CATEGORY}},
        repeat_window_days=14,
    )
    detected = complaint.pending[-1]
    assert isinstance(detected, RepeatComplaintDetected)
    assert detected.related == [earlier] and detected.window_days == 14
    assert set(detected.reasons) == {
        RepeatReason.SAME_COMPLAINANT,
        RepeatReason.SAME_PLACE_AND_CATEGORY,
    }


def test_outside_jurisdiction_refers_and_ends() -> None:
    complaint = in_status(S.REFERRED)
    assert complaint.pending[-1].event_type == "ComplaintReferred"
    with pytest.raises(ValidationError, match="referred_to"):
        f.command("classify", responsibility="outside_jurisdiction")


def test_tasks_request_work_orders_and_purchases_and_gate_resolution() -> None:
    complaint = in_status(S.CLASSIFIED)
    maintenance = run(complaint, "tasks")
    purchase = run(complaint, "tasks", assignee_kind="procurement", assignee="procurement")
    kinds = [type(e) for e in complaint.pending[-4:]]
    assert kinds == [TaskAssigned, WorkOrderRequested, TaskAssigned, PurchaseRequested]
    assert complaint.status is S.IN_PROGRESS
    with pytest.raises(IllegalTransition, match="2 task"):
        run(complaint, "resolve")
    ctx = Context(now=NOW, task_id=maintenance)
    run(complaint, "tasks/progress", ctx, note="on site")
    assert complaint.tasks[maintenance].state is TaskState.IN_PROGRESS
    run(complaint, "tasks/complete", ctx, note="replaced")
    with pytest.raises(IllegalTransition, match="task is completed"):
        run(complaint, "tasks/cancel", ctx, reason="too late")
    run(complaint, "tasks/cancel", Context(now=NOW, task_id=purchase), reason="not needed")
    run(complaint, "resolve")
    assert complaint.status is S.RESOLVED
    with pytest.raises(TaskNotFound):
        run(complaint, "tasks/progress", Context(now=NOW, task_id=f.received().id))


def test_waiting_pauses_resolution_until_resumed() -> None:
    complaint = in_status(S.CLASSIFIED)
    run(complaint, "wait")
    with pytest.raises(IllegalTransition, match="already waiting"):
        run(complaint, "wait")
    with pytest.raises(IllegalTransition, match="waiting"):
        run(complaint, "resolve")
    run(complaint, "resume")
    run(complaint, "resolve")


def test_a_dissatisfied_callback_opens_a_review_that_can_send_it_back_to_work() -> None:
    complaint = in_status(S.RESOLVED)
    run(complaint, "callbacks", satisfied=False, comments="still leaking")
    assert [type(e) for e in complaint.pending[-2:]] == [CallbackRecorded, ReviewOpened]
    assert complaint.status is S.UNDER_REVIEW
    with pytest.raises(IllegalTransition):
        run(complaint, "close")
    new_task = {**f.BODIES["tasks"], "assignee_kind": "person", "assignee": "supervisor lin"}
    created = run(complaint, "review/conclude", outcome="further_action", tasks=[new_task])
    assert complaint.status is S.IN_PROGRESS and len(created) == 1
    assert complaint.tasks[created[0]].assignee_kind is AssigneeKind.PERSON
    with pytest.raises(ValidationError, match="at least one new task"):
        f.command("review/conclude", outcome="further_action")


def test_reopen_only_within_the_window_and_it_starts_a_new_cycle() -> None:
    complaint = in_status(S.CLOSED)
    late = Context(now=NOW + timedelta(days=31), reopen_window_days=30)
    with pytest.raises(IllegalTransition, match="more than 30 days"):
        run(complaint, "reopen", late)
    run(complaint, "reopen", Context(now=NOW + timedelta(days=29), reopen_window_days=30))
    assert (complaint.status, complaint.cycle) == (S.IN_PROGRESS, 2)
    rebuilt = Complaint.rebuild(complaint.id, complaint.pending)
    assert (rebuilt.cycle, rebuilt.closed_at) == (2, complaint.closed_at)


def test_severity_must_change_to_something_else() -> None:
    complaint = in_status(S.CLASSIFIED)
    with pytest.raises(IllegalTransition, match="already L2"):
        run(complaint, "severity", severity="L2")
    run(complaint, "severity")
    assert complaint.severity is not None and complaint.severity.value == "L1"


@pytest.mark.parametrize(
    ("kind", "missing"),
    [("repair", "deadline"), ("shortage", "expected arrival"), ("service_attitude", "apology")],
)
def test_a_resolution_carries_what_its_kind_needs(kind: str, missing: str) -> None:
    with pytest.raises(ValidationError, match=missing):
        f.command("resolution", kind=kind, deadline=None)


def _about(staff: str) -> Complaint:
    receipt = {**f.RECEIPT, "category": "service_attitude", "about_staff": staff}
    return Complaint.receive(uuid4(), c.ReceiveComplaint(**receipt), number="HQ-2", now=NOW)


def test_the_staff_member_a_complaint_is_about_stays_out_of_it() -> None:
    complaint = _about("clerk-li")
    for name, overrides in (
        ("evidence", {"actor": "clerk-li"}),
        ("classify", {"actor": "Clerk-Li"}),
        ("owner", {"owner": "clerk-li"}),
    ):
        with pytest.raises(NotForThisActor) as refused:
            run(complaint, name, None, **overrides)
        assert refused.value.code == "conflict_of_interest"
        assert (
            "clerk-li" in refused.value.message_zh.casefold() and "不可" in refused.value.message_zh
        )
    run(complaint, "classify")  # anyone else may
    with pytest.raises(NotForThisActor):
        run(complaint, "resolve", actor="clerk-li")
    with pytest.raises(NotForThisActor):  # nor receive (and so own) it
        _about("officer-wang")
    with pytest.raises(ValidationError):  # only an attitude complaint names staff
        c.ReceiveComplaint(**{**f.RECEIPT, "about_staff": "clerk-li"})


def test_after_a_dispute_the_supervisor_proposes_or_approves_the_new_plan() -> None:
    by_officer = in_status(S.ESCALATED)
    officer = Context(now=NOW, supervisor=False)
    run(by_officer, "resolution", officer)
    assert by_officer.plan_needs_approval and by_officer.status is S.RESOLUTION_PROPOSED
    for name in ("resolution/accept", "resolution/dispute"):
        with pytest.raises(IllegalTransition) as waiting:
            run(by_officer, name)
        assert "主管核准" in waiting.value.message_zh
    run(by_officer, "resolution", officer)  # a second try still waits for approval
    with pytest.raises(NotForThisActor) as refused:
        run(by_officer, "resolution/approve", officer)
    assert refused.value.code == "supervisor_required" and "主管" in refused.value.message_zh
    run(by_officer, "resolution/approve")
    run(by_officer, "resolution/accept")
    assert by_officer.status is S.RESOLUTION_AGREED

    by_supervisor = in_status(S.ESCALATED)
    run(by_supervisor, "resolution")  # the factory's context is a supervisor's
    assert not by_supervisor.plan_needs_approval
    with pytest.raises(IllegalTransition):
        run(by_supervisor, "resolution/approve")


def test_the_receiving_officer_owns_the_complaint_until_it_is_reassigned() -> None:
    complaint = f.received()
    assert complaint.owner == "officer-wang"
    run(complaint, "owner", owner="officer-lin", reason="shift handover")
    assert complaint.owner == "officer-lin"
    [event] = complaint.pending[-1:]
    assert (event.owner, event.previous) == ("officer-lin", "officer-wang")  # type: ignore[attr-defined]
    with pytest.raises(IllegalTransition):
        run(complaint, "owner", owner="officer-lin")


def test_a_task_due_in_the_past_is_refused_and_records_nothing() -> None:
    complaint = in_status(S.CLASSIFIED)
    before = complaint.version
    with pytest.raises(DueInThePast):
        run(complaint, "tasks", due_at=(NOW - timedelta(minutes=1)).isoformat())
    review = in_status(S.UNDER_REVIEW)
    reviewed = review.version
    late = {**f.BODIES["tasks"], "due_at": NOW.isoformat()}
    with pytest.raises(DueInThePast):
        run(review, "review/conclude", outcome="further_action", tasks=[late])
    assert (complaint.version, review.version) == (before, reviewed)
