"""When an inspection falls due: pure, with the site's calendar and the time passed in. A
visit is due at the start of the working day its plan names; a day without working time
moves it to the next one that has some."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid5

from complaint_desk.contract.events.problems import InspectionPlan

from .calendar import Calendar

HORIZON_DAYS = 400  # a plan that names no day within this is ended, not searched for ever
BACKDATE_DAYS = 7  # a schedule sends no visits for more than a week before it was made


def visit_id(schedule_id: UUID, due_at: datetime) -> UUID:
    """The visit's id (its work order's ``task_id``): the same for the same due time."""
    return uuid5(schedule_id, due_at.astimezone(UTC).isoformat())


def _named(plan: InspectionPlan, day: date) -> bool:
    if plan.every_days is not None:
        return day >= plan.starts_on and (day - plan.starts_on).days % plan.every_days == 0
    return day >= plan.starts_on and day.isoweekday() in (plan.weekdays or [])


def _opening(calendar: Calendar, day: date) -> datetime | None:
    """The start of the first working day from ``day`` on (within two weeks)."""
    zone = getattr(calendar, "zone", UTC)
    for shift in range(15):
        start = datetime.combine(day + timedelta(days=shift), time(0), tzinfo=zone)
        windows = calendar.windows_between(start, start + timedelta(days=1))
        if windows:
            return windows[0][0]
    return None


def next_due(plan: InspectionPlan, calendar: Calendar, after: datetime) -> datetime | None:
    """The first due time strictly after ``after``; None if the plan names no more."""
    zone = getattr(calendar, "zone", UTC)
    day = max(plan.starts_on, after.astimezone(zone).date() - timedelta(days=15))
    for _ in range(HORIZON_DAYS):
        if _named(plan, day):
            due = _opening(calendar, day)
            if due is not None and due > after:
                return due
        day += timedelta(days=1)
    return None


def first_due(plan: InspectionPlan, calendar: Calendar, scheduled_at: datetime) -> datetime | None:
    """The schedule's first visit: from its first day, but not more than a week back."""
    zone = getattr(calendar, "zone", UTC)
    earliest = scheduled_at.astimezone(zone).date() - timedelta(days=BACKDATE_DAYS)
    start = max(plan.starts_on, earliest)
    return next_due(
        plan, calendar, datetime.combine(start, time(0), tzinfo=zone) - timedelta(microseconds=1)
    )


def miss_at(plan: InspectionPlan, calendar: Calendar, due_at: datetime) -> datetime:
    """When a visit not reported done counts as missed: its grace in working hours."""
    return calendar.add(due_at, plan.grace_hours * 3600.0)
