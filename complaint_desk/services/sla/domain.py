"""A complaint's SLA clocks, derived from its lifecycle events only. Pure: no I/O.

A clock is the list of intervals during which it ran (pauses are the gaps between them).
Elapsed time is the calendar's working time over those intervals, so re-targeting after a
severity, policy or calendar change keeps the time already spent and the pauses: it only
changes the target and the measure. Replaying the same events gives the same clocks.

Over 300 lines: the fold and its evaluation under a policy and calendars are one model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from complaint_desk.contract.events import DomainEvent, EventEnvelope
from complaint_desk.contract.events.channels import ComplaintMerged, MergeUndone
from complaint_desk.contract.events.complaints import (
    Category,
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
from complaint_desk.contract.events.lifecycle import provisional_level
from complaint_desk.contract.events.sla import (
    ClockKind,
    SlaClockStarted,
    SlaMet,
    SlaPaused,
    SlaRecalculated,
    SlaResumed,
    SlaStopped,
)

from .calendar import Calendar
from .policy import SlaPolicy

REFERRED = "referred"  # the pause of a referred complaint's clocks
MERGED = "merged"  # the pause of a merged complaint's clocks: the one it joined counts now


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    STOPPED = "stopped"


@dataclass
class Clock:
    kind: ClockKind
    cycle: int
    started_at: datetime
    intervals: list[list[datetime | None]] = field(default_factory=list)
    pauses: list[dict[str, object]] = field(default_factory=list)
    state: ClockState = ClockState.RUNNING
    ended_at: datetime | None = None
    end_reason: str | None = None

    def __post_init__(self) -> None:
        if not self.intervals:
            self.intervals.append([self.started_at, None])

    @property
    def active(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)

    @property
    def paused_for(self) -> object:
        """Why the clock is paused now (None when it is not)."""
        return self.pauses[-1]["reason"] if self.state is ClockState.PAUSED else None

    def pause(self, at: datetime, reason: str) -> None:
        if self.state is ClockState.RUNNING:
            self.intervals[-1][1] = at
            self.state = ClockState.PAUSED
            self.pauses.append({"reason": reason, "from": at, "to": None})

    def resume(self, at: datetime) -> None:
        if self.state is ClockState.PAUSED:
            self.intervals.append([at, None])
            self.state = ClockState.RUNNING
            self.pauses[-1]["to"] = at

    def finish(self, at: datetime, state: ClockState, reason: str) -> None:
        if not self.active:
            return
        if self.state is ClockState.RUNNING:
            self.intervals[-1][1] = at
        elif self.pauses and self.pauses[-1]["to"] is None:
            self.pauses[-1]["to"] = at
        self.state, self.ended_at, self.end_reason = state, at, reason

    def elapsed(self, calendar: Calendar, now: datetime) -> float:
        total = 0.0
        for start, end in self.intervals:
            assert start is not None
            total += calendar.working_seconds(start, end or now)
        return total

    def reached_at(self, calendar: Calendar, amount: float) -> datetime | None:
        """When the clock's elapsed time reaches ``amount``; None if it has not yet and is
        not running (paused or finished), so no timer should be armed for it."""
        spent = 0.0
        for start, end in self.intervals:
            assert start is not None
            if end is None:
                return calendar.add(start, amount - spent)
            span = calendar.working_seconds(start, end)
            if spent + span >= amount:
                return calendar.add(start, amount - spent)
            spent += span
        return None


# The events that move a complaint's clocks (each a case of ComplaintClocks.apply): the
# others, the desk's notes and the notifications among them, are passed over unread.
MOVES_CLOCKS = frozenset(
    {
        ComplaintReceived.__name__,
        ComplaintClassified.__name__,
        SeverityChanged.__name__,
        SafetyEscalated.__name__,
        ComplaintAcknowledged.__name__,
        WaitingStarted.__name__,
        WaitingEnded.__name__,
        ComplaintResolved.__name__,
        ComplaintReferred.__name__,
        ComplaintMerged.__name__,
        MergeUndone.__name__,
        ReviewOpened.__name__,
        ReviewConcluded.__name__,
        ComplaintClosed.__name__,
        ComplaintReopened.__name__,
    }
)


@dataclass
class ComplaintClocks:
    complaint_id: UUID
    site: str = ""
    category: Category = Category.OTHER
    level: Severity = Severity.L3
    classified: bool = False
    cycle: int = 1
    clocks: dict[tuple[ClockKind, int], Clock] = field(default_factory=dict)

    @classmethod
    def fold(cls, complaint_id: UUID, events: Iterable[EventEnvelope]) -> ComplaintClocks:
        clocks = cls(complaint_id)
        for event in events:
            clocks.apply(event)
        return clocks

    def _active(self) -> list[Clock]:
        return [c for c in self.clocks.values() if c.active]

    def _start(self, kind: ClockKind, at: datetime) -> None:
        self.clocks[(kind, self.cycle)] = Clock(kind, self.cycle, at)

    def apply(self, envelope: EventEnvelope) -> None:
        at = envelope.occurred_at
        match envelope.payload():
            case ComplaintReceived() as received:
                self.site, self.category = received.site, received.category
                self.level = provisional_level(received.category, received.urgency)
                self._start(ClockKind.RESPONSE, received.received_at)
                self._start(ClockKind.RESOLUTION, received.received_at)
            case ComplaintClassified() as classified:
                self.level, self.category = classified.severity, classified.category
                self.classified = True
                for clock in self._active():  # taken back from a refused referral
                    if clock.paused_for == REFERRED:
                        clock.resume(at)
            case SeverityChanged() as changed:
                self.level = changed.severity
            case SafetyEscalated():
                # Urgent at once, whatever the level was, until an officer reclassifies it.
                self.level = Severity.L1
            case ComplaintAcknowledged():
                self._finish(ClockKind.RESPONSE, at, ClockState.MET, "acknowledged")
            case WaitingStarted() as waiting:
                for clock in self._active():
                    clock.pause(at, waiting.reason.value)
            case WaitingEnded():
                for clock in self._active():
                    clock.resume(at)
            case ComplaintResolved():
                self._finish(ClockKind.RESPONSE, at, ClockState.MET, "resolved")
                self._finish(ClockKind.RESOLUTION, at, ClockState.MET, "resolved")
            case ComplaintReferred():
                # The other side has it now: the clocks wait, keeping the time spent, until it
                # is closed (stopped) or taken back (resumed).
                for clock in self._active():
                    clock.pause(at, REFERRED)
            case ComplaintMerged():
                for clock in self._active():
                    clock.pause(at, MERGED)
            case MergeUndone():
                for clock in self._active():
                    if clock.paused_for == MERGED:
                        clock.resume(at)
            case ReviewOpened():
                self._start(ClockKind.REVIEW, at)
            case ReviewConcluded():
                self._finish(ClockKind.REVIEW, at, ClockState.MET, "concluded")
            case ComplaintClosed() as closed:
                for clock in self._active():
                    clock.finish(closed.closed_at, ClockState.STOPPED, "closed")
            case ComplaintReopened() as reopened:
                self.cycle = reopened.cycle
                self._start(ClockKind.RESOLUTION, at)

    def _finish(self, kind: ClockKind, at: datetime, state: ClockState, reason: str) -> None:
        for clock in self._active():
            if clock.kind is kind:
                clock.finish(at, state, reason)


@dataclass(frozen=True)
class Threshold:
    name: str
    fraction: float
    notify: str
    due_at: datetime | None


@dataclass(frozen=True)
class ClockView:
    """A clock as a policy and a calendar measure it."""

    kind: ClockKind
    cycle: int
    level: Severity
    calendar: str
    state: ClockState
    started_at: datetime
    ended_at: datetime | None
    target_seconds: float
    elapsed_seconds: float
    due_at: datetime | None
    thresholds: tuple[Threshold, ...]
    pauses: tuple[dict[str, object], ...]
    intervals: tuple[tuple[datetime | None, ...], ...]

    @property
    def remaining_seconds(self) -> float:
        return self.target_seconds - self.elapsed_seconds

    @property
    def breached(self) -> bool:
        return self.elapsed_seconds >= self.target_seconds


def evaluate(
    clocks: ComplaintClocks,
    policy: SlaPolicy,
    calendars: dict[str, Calendar],
    now: datetime,
) -> list[ClockView]:
    """Measure every clock: elapsed and remaining time, and when each threshold falls due."""
    views = []
    for clock in clocks.clocks.values():
        calendar = calendars[policy.calendar(clocks.level, clock.kind)]
        target = policy.target(clocks.level, clock.kind).in_seconds(calendar)
        until = clock.ended_at or now
        thresholds = tuple(
            Threshold(name, fraction, notify, clock.reached_at(calendar, fraction * target))
            for name, fraction, notify in policy.thresholds()
        )
        views.append(
            ClockView(
                kind=clock.kind,
                cycle=clock.cycle,
                level=clocks.level,
                calendar=calendar.key,
                state=clock.state,
                started_at=clock.started_at,
                ended_at=clock.ended_at,
                target_seconds=target,
                elapsed_seconds=clock.elapsed(calendar, until),
                due_at=thresholds[-1].due_at if clock.active else None,
                thresholds=thresholds,
                pauses=tuple(clock.pauses),
                intervals=tuple(tuple(i) for i in clock.intervals),
            )
        )
    return views


def changes(
    stored: dict[tuple[ClockKind, int], dict[str, object]],
    views: list[ClockView],
    reason: str,
) -> list[DomainEvent]:
    """The SLA events that tell how the clocks moved since they were last stored."""
    events: list[DomainEvent] = []
    for view in views:
        before = stored.get((view.kind, view.cycle))
        key = {"clock": view.kind, "cycle": view.cycle}
        if before is None:
            events.append(
                SlaClockStarted(
                    **key, level=view.level, calendar=view.calendar,
                    target_seconds=view.target_seconds, started_at=view.started_at,
                    due_at=view.thresholds[-1].due_at or view.started_at,
                )
            )  # fmt: skip
            before = {"state": ClockState.RUNNING.value, "level": view.level.value,
                      "calendar": view.calendar, "target_seconds": view.target_seconds}  # fmt: skip
        state = ClockState(str(before["state"]))
        retargeted = (before["level"], before["calendar"], before["target_seconds"]) != (
            view.level.value, view.calendar, view.target_seconds,
        )  # fmt: skip
        if retargeted and view.state in (ClockState.RUNNING, ClockState.PAUSED):
            events.append(
                SlaRecalculated(
                    **key, level=view.level, calendar=view.calendar,
                    target_seconds=view.target_seconds, due_at=view.due_at, reason=reason,
                )
            )  # fmt: skip
        if state is view.state:
            continue
        if view.state is ClockState.PAUSED:
            last = view.pauses[-1]
            events.append(SlaPaused(**key, reason=str(last["reason"]), paused_at=last["from"]))
        elif view.state is ClockState.RUNNING and state is ClockState.PAUSED:
            resumed_at = view.intervals[-1][0]
            assert resumed_at is not None and view.due_at is not None
            events.append(SlaResumed(**key, resumed_at=resumed_at, due_at=view.due_at))
        elif view.state is ClockState.MET:
            assert view.ended_at is not None
            events.append(
                SlaMet(
                    **key, met_at=view.ended_at, elapsed_seconds=view.elapsed_seconds,
                    target_seconds=view.target_seconds, breached=view.breached,
                )
            )  # fmt: skip
        elif view.state is ClockState.STOPPED:
            assert view.ended_at is not None
            events.append(SlaStopped(**key, stopped_at=view.ended_at, reason=reason))
    return events
