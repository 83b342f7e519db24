import ast
import inspect
import textwrap
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from complaint_desk.contract.events import EventEnvelope, Metadata
from complaint_desk.contract.events.complaints import (
    ComplaintAcknowledged,
    ComplaintClassified,
    ComplaintClosed,
    ComplaintReceived,
    ComplaintReferred,
    ComplaintReopened,
    ComplaintResolved,
    ReviewConcluded,
    ReviewOpened,
    SafetyEscalated,
    Severity,
    SeverityChanged,
    WaitingEnded,
    WaitingStarted,
)
from complaint_desk.contract.events.sla import ClockKind
from complaint_desk.services.sla.calendar import AlwaysOpen
from complaint_desk.services.sla.domain import MOVES_CLOCKS, ClockState, ComplaintClocks, evaluate
from complaint_desk.services.sla.policy import (
    DEFAULT_POLICY,
    CalendarConfig,
    LevelPolicy,
    SlaPolicy,
    Target,
)

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Taipei
CALENDARS = {"24x7": AlwaysOpen(), "business": CalendarConfig(holiday_country=None).build("HQ")}
R, S = ClockKind.RESPONSE, ClockKind.RESOLUTION


class Story:
    def __init__(self, category: str = "repair_delay", urgency: str = "normal") -> None:
        self.id = uuid4()
        self.events: list[EventEnvelope] = []
        self.add(
            0,
            ComplaintReceived(
                number="HQ-1", complainant_name="x", department="y", phone="0912345678",
                site="HQ", location="3F", category=category, description="d",  # type: ignore[arg-type]
                urgency=urgency, channel="phone", receiving_officer="o", received_at=T0,  # type: ignore[arg-type]
            ),
        )  # fmt: skip

    def add(self, minutes: float, payload) -> "Story":  # type: ignore[no-untyped-def]
        self.events.append(
            EventEnvelope.wrap(
                payload, stream_id=self.id, version=len(self.events) + 1,
                metadata=Metadata(site_id="HQ", actor="o"),
                occurred_at=T0 + timedelta(minutes=minutes),
            )
        )  # fmt: skip
        return self

    def views(self, minutes: float, policy: SlaPolicy = DEFAULT_POLICY) -> dict:  # type: ignore[type-arg]
        clocks = ComplaintClocks.fold(self.id, self.events)
        now = T0 + timedelta(minutes=minutes)
        return {(v.kind, v.cycle): v for v in evaluate(clocks, policy, CALENDARS, now)}


def test_a_safety_complaint_runs_l1_clocks_on_24x7() -> None:
    story = Story(category="safety")
    views = story.views(10)
    response = views[(R, 1)]
    assert (response.level, response.calendar, response.target_seconds) == (
        Severity.L1,
        "24x7",
        900,
    )
    assert response.elapsed_seconds == 600 and response.remaining_seconds == 300
    assert [t.due_at for t in response.thresholds] == [
        T0 + timedelta(minutes=7.5), T0 + timedelta(minutes=11.25), T0 + timedelta(minutes=15),
    ]  # fmt: skip


def test_acknowledgement_meets_the_response_clock() -> None:
    story = Story(category="safety").add(12, ComplaintAcknowledged(contact_channel="phone"))  # type: ignore[arg-type]
    response = story.views(60)[(R, 1)]
    assert response.state is ClockState.MET and response.elapsed_seconds == 720
    assert not response.breached and response.due_at is None
    assert response.thresholds[-1].due_at is None, "never reached: no breach timer"
    assert response.thresholds[0].due_at == T0 + timedelta(minutes=7.5), "the 50% warning was"


def test_waiting_pauses_every_running_clock_and_keeps_the_reason() -> None:
    story = Story(category="safety")
    story.add(5, WaitingStarted(reason="parts", note="on order"))  # type: ignore[arg-type]
    paused = story.views(60)[(S, 1)]
    assert paused.state is ClockState.PAUSED and paused.elapsed_seconds == 300
    assert paused.due_at is None and paused.thresholds[0].due_at is None
    assert paused.pauses[0]["reason"] == "parts"
    story.add(65, WaitingEnded())
    resumed = story.views(70)[(S, 1)]
    assert resumed.elapsed_seconds == 10 * 60  # 5 before + 5 after the hour's pause
    assert resumed.due_at == T0 + timedelta(minutes=65) + timedelta(hours=4, minutes=-5)


def test_a_severity_change_retargets_and_keeps_elapsed_time_and_pauses() -> None:
    story = Story()  # L3: 1 business day to respond, on the office calendar
    story.add(30, WaitingStarted(reason="complainant"))  # type: ignore[arg-type]
    story.add(90, WaitingEnded())
    before = story.views(120)[(R, 1)]
    assert (before.level, before.calendar, before.target_seconds) == (Severity.L3, "HQ", 8 * 3600)
    assert before.elapsed_seconds == 60 * 60
    story.add(
        120, ComplaintClassified(responsibility="logistics", severity="L2", category="repair_delay")
    )  # type: ignore[arg-type]
    after = story.views(120)[(R, 1)]
    assert (after.level, after.target_seconds) == (Severity.L2, 2 * 3600)
    assert after.elapsed_seconds == 60 * 60, "no restart from zero"
    assert after.due_at == T0 + timedelta(minutes=180)
    story.add(130, SeverityChanged(previous="L2", severity="L1", reason="now a hazard"))  # type: ignore[arg-type]
    urgent = story.views(130)[(R, 1)]
    assert (urgent.calendar, urgent.target_seconds) == ("24x7", 900)
    assert urgent.breached and urgent.thresholds[-1].due_at == T0 + timedelta(minutes=15)


def test_business_hours_stretch_the_deadline_over_the_night() -> None:
    story = Story()
    story.add(
        0, ComplaintClassified(responsibility="logistics", severity="L2", category="repair_delay")
    )  # type: ignore[arg-type]
    resolution = story.views(0)[(S, 1)]
    # One business day from Tuesday 09:00 Taipei: Wednesday 09:00 (8 working hours).
    assert resolution.due_at == T0 + timedelta(days=1)


def test_reopen_starts_a_new_resolution_cycle_and_keeps_the_old_one() -> None:
    story = Story(category="safety")
    story.add(300, ComplaintResolved(summary="fixed"))  # 5 h: breached the 4 h target
    story.add(400, ComplaintClosed(closed_at=T0 + timedelta(minutes=400)))
    story.add(600, ComplaintReopened(reason="broke again", cycle=2))
    views = story.views(660)
    first, second = views[(S, 1)], views[(S, 2)]
    assert first.state is ClockState.MET and first.breached, "ever breached"
    assert second.state is ClockState.RUNNING and not second.breached, "not breached now"
    assert second.elapsed_seconds == 3600 and second.started_at == T0 + timedelta(minutes=600)
    assert views[(R, 1)].state is ClockState.MET


def test_a_policy_change_is_a_replay_with_other_targets() -> None:
    story = Story(category="safety")
    strict = DEFAULT_POLICY.model_copy(
        update={
            "levels": {
                **DEFAULT_POLICY.levels,
                Severity.L1: LevelPolicy(
                    response=Target(minutes=5), resolution=Target(hours=1), calendar="24x7"
                ),
            }
        }
    )
    assert story.views(10)[(R, 1)].breached is False
    assert story.views(10, strict)[(R, 1)].breached is True
    assert story.views(10, strict)[(R, 1)].thresholds[-1].due_at == T0 + timedelta(minutes=5)


def test_replaying_the_same_events_gives_the_same_clocks() -> None:
    story = Story()
    story.add(5, WaitingStarted(reason="third_party")).add(50, WaitingEnded())  # type: ignore[arg-type]
    story.add(60, ComplaintAcknowledged(contact_channel="phone"))  # type: ignore[arg-type]
    assert story.views(100) == story.views(100)
    once = ComplaintClocks.fold(story.id, story.events)
    twice = ComplaintClocks.fold(story.id, list(story.events))
    assert once == twice


def test_policies_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Target(minutes=5, hours=1)
    with pytest.raises(ValueError, match="ascending"):
        SlaPolicy.model_validate({**DEFAULT_POLICY.model_dump(), "warnings": [
            {"fraction": 0.8, "notify": "a"}, {"fraction": 0.5, "notify": "b"}]})  # fmt: skip
    with pytest.raises(ValueError, match="missing"):
        SlaPolicy.model_validate(
            {"levels": {"L1": DEFAULT_POLICY.levels[Severity.L1].model_dump()}}
        )
    with pytest.raises(ValueError, match="unknown time zone"):
        CalendarConfig(timezone="Mars/Olympus")


def test_a_review_has_its_own_clock_with_the_sites_target_until_concluded() -> None:
    policy = DEFAULT_POLICY.model_copy(
        update={"review": Target(hours=8), "review_calendar": "24x7"}
    )
    story = Story().add(5, ComplaintAcknowledged(contact_channel="phone"))  # type: ignore[arg-type]
    story.add(10, ComplaintResolved(summary="done"))
    story.add(20, ReviewOpened(reason="still broken"))
    review = story.views(80, policy)[(ClockKind.REVIEW, 1)]
    assert review.state is ClockState.RUNNING and review.target_seconds == 8 * 3600
    assert review.elapsed_seconds == 60 * 60 and review.calendar == "24x7"
    assert [t.name for t in review.thresholds] == ["warn50", "warn75", "breach"], "the ladder"
    assert review.due_at == T0 + timedelta(minutes=20, hours=8)
    story.add(90, ReviewConcluded(outcome="upheld", notes="fine"))  # type: ignore[arg-type]
    assert story.views(100, policy)[(ClockKind.REVIEW, 1)].state is ClockState.MET


def test_a_safety_escalation_makes_any_level_urgent_until_reclassified() -> None:
    story = Story(urgency="low")
    story.add(
        1, ComplaintClassified(responsibility="logistics", severity="L3", category="repair_delay")
    )  # type: ignore[arg-type]
    story.add(2, SafetyEscalated(reason="sparks"))
    assert story.views(3)[(R, 1)].level is Severity.L1
    story.add(4, SeverityChanged(previous="L1", severity="L2", reason="made safe"))  # type: ignore[arg-type]
    assert story.views(5)[(R, 1)].level is Severity.L2


def test_a_referral_pauses_the_clocks_and_taking_it_back_resumes_them() -> None:
    story = Story()
    story.add(10, ComplaintReferred(referred_to="IT", reason="laptops"))
    assert story.views(20)[(S, 1)].state is ClockState.PAUSED
    story.add(70, ComplaintClassified(responsibility="logistics", severity="L3", category="other"))  # type: ignore[arg-type]
    resolution = story.views(80)[(S, 1)]
    assert resolution.state is ClockState.RUNNING
    assert [p["reason"] for p in resolution.pauses] == ["referred"]


def test_the_timer_loop_sleeps_until_the_next_due_within_its_poll() -> None:
    from datetime import UTC, datetime, timedelta

    from complaint_desk.services.sla.service import MIN_PAUSE_SECONDS, pause_until

    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert pause_until(None, now, 0.2) == 0.2, "nothing armed: the poll"
    assert pause_until(now + timedelta(milliseconds=37), now, 0.2) == 0.037
    assert pause_until(now + timedelta(hours=1), now, 0.2) == 0.2, "far off: the poll"
    assert pause_until(now - timedelta(seconds=1), now, 0.2) == MIN_PAUSE_SECONDS, (
        "due already (another replica holds it): again in a few ms, not in a spin"
    )


def test_the_events_said_to_move_the_clocks_are_the_ones_the_fold_has_a_case_for() -> None:
    """The consumer passes every other event over unread (``acts_on``): a case added to the
    fold and not to MOVES_CLOCKS would never be applied."""
    source = textwrap.dedent(inspect.getsource(ComplaintClocks.apply))
    cases: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.match_case):
            pattern = node.pattern
            if isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
                pattern = pattern.pattern
            assert isinstance(pattern, ast.MatchClass) and isinstance(pattern.cls, ast.Name)
            cases.add(pattern.cls.id)
    assert cases == MOVES_CLOCKS
