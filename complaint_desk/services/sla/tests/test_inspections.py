"""When inspections fall due, on a site's calendar."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from complaint_desk.contract.events.problems import InspectionPlan
from complaint_desk.services.sla.inspections import first_due, miss_at, next_due, visit_id
from complaint_desk.services.sla.policy import CalendarConfig

TAIPEI = ZoneInfo("Asia/Taipei")
CALENDAR = CalendarConfig(holiday_country=None).build("HQ")  # Mon–Fri 08:30–12:00, 13:00–17:30


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TAIPEI)


def test_every_n_days_falls_at_the_opening_and_a_weekend_moves_it_to_monday() -> None:
    plan = InspectionPlan(every_days=2, starts_on=date(2026, 12, 3))  # a Thursday
    due = next_due(plan, CALENDAR, local(2026, 12, 1, 9))
    assert due == local(2026, 12, 3, 8, 30)
    assert next_due(plan, CALENDAR, due) == local(2026, 12, 7, 8, 30)  # Sat 5th → Monday


def test_weekdays_in_the_sites_zone() -> None:
    plan = InspectionPlan(weekdays=[1, 3], starts_on=date(2026, 12, 1))
    due = next_due(plan, CALENDAR, local(2026, 12, 2, 8, 0))  # a Wednesday before opening
    assert due == local(2026, 12, 2, 8, 30)
    assert next_due(plan, CALENDAR, due) == local(2026, 12, 7, 8, 30)


def test_a_schedule_backdated_sends_at_most_a_week_of_visits() -> None:
    plan = InspectionPlan(every_days=1, starts_on=date(2026, 1, 1))
    made = local(2026, 12, 10, 10)
    assert first_due(plan, CALENDAR, made) == local(2026, 12, 3, 8, 30)


def test_missed_after_its_grace_in_working_hours_and_one_id_per_due_time() -> None:
    plan = InspectionPlan(every_days=1, starts_on=date(2026, 12, 4), grace_hours=8)
    due = local(2026, 12, 4, 8, 30)  # a Friday: its 8 working hours end at its close
    assert miss_at(plan, CALENDAR, due) == local(2026, 12, 4, 17, 30)
    longer = plan.model_copy(update={"grace_hours": 9})
    assert miss_at(longer, CALENDAR, due) == local(2026, 12, 7, 9, 30)  # on to Monday
    schedule = uuid4()
    assert visit_id(schedule, due) == visit_id(schedule, due.astimezone(UTC))
    assert visit_id(schedule, due) != visit_id(schedule, due + timedelta(days=1))


def test_a_plan_names_one_rule() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        InspectionPlan(every_days=1, weekdays=[1], starts_on=date(2026, 12, 1))
    with pytest.raises(ValidationError):
        InspectionPlan(starts_on=date(2026, 12, 1))
    with pytest.raises(ValidationError):
        InspectionPlan(weekdays=[0], starts_on=date(2026, 12, 1))
