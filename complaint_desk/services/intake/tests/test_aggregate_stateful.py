"""Random command sequences never break the aggregate's invariants, and rebuilding from the
recorded events always gives the same state."""

from datetime import timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from complaint_desk.contract.events import Status
from complaint_desk.contract.events.complaints import (
    ComplaintClosed,
    ComplaintReferred,
    ComplaintReopened,
    ComplaintResolved,
    ResolutionAccepted,
    ResolutionDisputed,
    ResolutionProposed,
)
from complaint_desk.contract.events.lifecycle import TERMINAL
from complaint_desk.contract.process import Policy, allowed_commands, fold
from complaint_desk.services.intake.domain import Complaint
from complaint_desk.services.intake.refusals import IllegalTransition, Refusal
from complaint_desk.services.intake.service import Context

from . import factory as f
from .test_aggregate import ALLOWED

VARIANTS: dict[str, list[dict[str, Any]]] = {
    "classify": [
        {},
        {"severity": "L1"},
        {"responsibility": "third_party", "third_party": "vendor X", "severity": "L3"},
        {
            "responsibility": "outside_jurisdiction",
            "referred_to": "IT",
            "reason": "not ours",
        },
    ],
    "callbacks": [{}, {"satisfied": False, "comments": "no"}],
    "review/conclude": [
        {},
        {"outcome": "further_action", "tasks": [f.BODIES["tasks"]]},
    ],
    "tasks": [{}, {"assignee_kind": "procurement", "assignee": "procurement"}],
    "severity": [{"severity": "L1"}, {"severity": "L3"}],
}


# Commands whose own fields can make an offered command refused: a referral while tasks are
# open, the severity it has already, the owner it has already, a task that is not open.
DEPENDS_ON_THE_BODY = {"refer", "severity", "owner", "tasks/progress", "tasks/complete",
                       "tasks/cancel"}  # fmt: skip


def _state(x: Complaint) -> tuple[Any, ...]:
    return (
        x.status, x.version, x.acknowledged, x.safety_escalated, x.waiting, x.severity,
        x.responsibility, x.resolution_id, x.cycle, x.closed_at,
        {k: (t.state, t.external_status) for k, t in x.tasks.items()},
    )  # fmt: skip


class ComplaintMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.complaint = f.received()
        self.now = f.NOW
        self.history = list(self.complaint.pending)

    def _try(self, name: str, ctx: Context, overrides: dict[str, Any]) -> None:
        before = _state(self.complaint)
        pending_before = len(self.complaint.pending)
        offered = name in allowed_commands(
            self.complaint.progress, Policy(now=ctx.now, reopen_window_days=30)
        )
        try:
            f.run(self.complaint, name, ctx, **overrides)
        except Refusal as refused:  # illegal here, or no such task
            assert _state(self.complaint) == before, "a refused command changes nothing"
            assert len(self.complaint.pending) == pending_before
            if offered and isinstance(refused, IllegalTransition):
                # Offered, and refused for what the command itself says.
                assert refused.command in DEPENDS_ON_THE_BODY, refused.message
        else:
            assert offered, f"{name} applied but the console would not have offered it"

    @rule(
        name=st.sampled_from(f.LIFECYCLE),
        variant=st.integers(0, 3),
        days=st.integers(0, 40),
    )
    def lifecycle_command(self, name: str, variant: int, days: int) -> None:
        self.now += timedelta(days=days)
        options = VARIANTS.get(name, [{}])
        self._try(name, Context(now=self.now, supervisor=True), options[variant % len(options)])

    @rule(pick=st.integers(0, 99), variant=st.integers(0, 3), days=st.integers(0, 3))
    def advance_along_the_process(self, pick: int, variant: int, days: int) -> None:
        """Mostly commands the process allows now, so sequences reach every state."""
        allowed = sorted(n for n, states in ALLOWED.items() if self.complaint.status in states)
        if allowed:
            self.lifecycle_command(allowed[pick % len(allowed)], variant, days)

    @rule(
        name=st.sampled_from(["tasks/progress", "tasks/complete", "tasks/cancel"]),
        pick=st.integers(0, 9),
    )
    def task_command(self, name: str, pick: int) -> None:
        tasks = list(self.complaint.tasks)
        task_id = tasks[pick % len(tasks)] if tasks else f.received().id
        overrides = {"reason": "no longer needed"} if name == "tasks/cancel" else {}
        self._try(name, Context(now=self.now, task_id=task_id, supervisor=True), overrides)

    @invariant()
    def rebuilding_gives_the_same_state(self) -> None:
        rebuilt = Complaint.rebuild(self.complaint.id, self.complaint.pending)
        assert _state(rebuilt) == _state(self.complaint)
        assert self.complaint.version == len(self.complaint.pending)

    @invariant()
    def the_read_side_folds_the_same_progress_from_stored_json(self) -> None:
        stored = [(e.event_type, e.model_dump(mode="json")) for e in self.complaint.pending]
        assert fold(stored) == self.complaint.progress

    @invariant()
    def waiting_is_a_status_shown_never_a_stage(self) -> None:
        c = self.complaint
        assert c.status is not Status.WAITING
        assert (c.shown is Status.WAITING) == (c.waiting and c.status not in TERMINAL)
        if c.status is Status.CONTACTED:
            assert c.acknowledged and c.severity is None

    @invariant()
    def finished_complaints_have_no_open_work(self) -> None:
        if self.complaint.status in (Status.RESOLVED, Status.CLOSED):
            assert not self.complaint.open_tasks
            assert not self.complaint.waiting

    @invariant()
    def the_history_follows_the_process(self) -> None:
        # Staff notes and the complainant's messages may come at any time, so the steps are
        # read without them.
        anytime = ("InternalNoteAdded", "ComplainantMessageAdded")
        events = [e for e in self.complaint.pending if e.event_type not in anytime]
        resolution_steps = (ResolutionProposed, ResolutionAccepted, ResolutionDisputed)
        for i, event in enumerate(events):
            earlier = events[:i]
            if isinstance(event, ResolutionAccepted | ResolutionDisputed):
                answered = [e for e in earlier if isinstance(e, resolution_steps)]
                assert isinstance(answered[-1], ResolutionProposed), "one answer per proposal"
            if isinstance(event, ComplaintClosed):
                assert isinstance(earlier[-1], ComplaintReferred) or any(
                    isinstance(e, ComplaintResolved) for e in earlier
                ), "closed once resolved, or once referred"
            if isinstance(event, ComplaintReopened):
                assert isinstance(earlier[-1], ComplaintClosed)
        if events and events[0].event_type == "ComplaintReferred":
            raise AssertionError("referral comes after receipt")
        for i, e in enumerate(events[:-1]):
            if e.event_type == "ComplaintReferred":  # then closed, or taken back
                assert events[i + 1].event_type in ("ComplaintClosed", "ComplaintClassified")


TestComplaintMachine = ComplaintMachine.TestCase
TestComplaintMachine.settings = settings(max_examples=300, stateful_step_count=50, deadline=None)
