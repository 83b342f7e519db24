from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from complaint_desk.services.sla.calendar import (
    AlwaysOpen,
    BusinessCalendar,
    closures_from_ics,
    parse_hours,
)

TAIPEI = ZoneInfo("Asia/Taipei")
LONDON = ZoneInfo("Europe/London")
OFFICE = parse_hours(["08:30-12:00", "13:00-17:30"])  # 8 h with a lunch break


def office(zone: ZoneInfo = TAIPEI, **kwargs) -> BusinessCalendar:  # type: ignore[no-untyped-def]
    return BusinessCalendar("office", zone, (OFFICE,) * 5 + ((), ()), **kwargs)


def at(zone: ZoneInfo, *parts: int) -> datetime:
    year, month, day, hour, minute = parts
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_breaks_are_not_working_time() -> None:
    cal = office()
    monday = date(2026, 11, 30)
    assert (
        cal.working_seconds(at(TAIPEI, 2026, 11, 30, 11, 0), at(TAIPEI, 2026, 11, 30, 14, 0))
        == 2 * 3600
    )
    assert cal.add(at(TAIPEI, 2026, 11, 30, 11, 30), 3600) == at(TAIPEI, 2026, 11, 30, 13, 30)
    assert cal.business_day_seconds == 8 * 3600
    assert len(cal.windows(monday)) == 2


def test_weekends_are_skipped() -> None:
    cal = office()
    friday_4pm = at(TAIPEI, 2026, 12, 4, 16, 0)
    assert cal.add(friday_4pm, 2 * 3600) == at(TAIPEI, 2026, 12, 7, 9, 0)  # Monday
    assert cal.working_seconds(friday_4pm, at(TAIPEI, 2026, 12, 7, 9, 0)) == 2 * 3600
    saturday = at(TAIPEI, 2026, 12, 5, 10, 0)
    assert cal.add(saturday, 60) == at(TAIPEI, 2026, 12, 7, 8, 31)


def test_public_holidays_by_country_are_skipped() -> None:
    cal = office(holiday_country="TW")
    new_years_eve = at(TAIPEI, 2025, 12, 31, 17, 0)  # 1 January is a holiday in Taiwan
    assert cal.add(new_years_eve, 3600) == at(TAIPEI, 2026, 1, 2, 9, 0)
    assert office().add(new_years_eve, 3600) == at(TAIPEI, 2026, 1, 1, 9, 0)


def test_ad_hoc_closures_and_closed_days() -> None:
    typhoon = (at(TAIPEI, 2026, 12, 1, 10, 0), at(TAIPEI, 2026, 12, 1, 15, 0))
    cal = office(closures=(typhoon,), closed_days=frozenset({date(2026, 12, 2)}))
    tuesday = date(2026, 12, 1)
    assert sum((e - s).total_seconds() for s, e in cal.windows(tuesday)) == 4 * 3600
    assert cal.windows(date(2026, 12, 2)) == ()
    assert cal.add(at(TAIPEI, 2026, 12, 1, 9, 0), 4 * 3600) == at(TAIPEI, 2026, 12, 3, 9, 0)


def test_time_zones_place_the_hours_in_local_time() -> None:
    same_rules_in_london = office(LONDON)
    start = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert office().add(start, 60) == datetime(2026, 11, 30, 0, 31, tzinfo=UTC)  # 08:31 Taipei
    assert same_rules_in_london.add(start, 60) == datetime(2026, 11, 30, 8, 31, tzinfo=UTC)


def test_dst_moves_working_hours_in_utc_and_shortens_the_day() -> None:
    cal = office(LONDON)
    # Clocks go forward on Sunday 29 March 2026: Friday 08:30 is 08:30 UTC, Monday 07:30 UTC.
    friday, monday = date(2026, 3, 27), date(2026, 3, 30)
    assert cal.windows(friday)[0][0] == datetime(2026, 3, 27, 8, 30, tzinfo=UTC)
    assert cal.windows(monday)[0][0] == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)
    all_day = BusinessCalendar("all day", LONDON, (parse_hours(["00:00-00:00"]),) * 7)
    sunday = (at(LONDON, 2026, 3, 29, 0, 0), at(LONDON, 2026, 3, 30, 0, 0))
    assert all_day.working_seconds(*sunday) == 23 * 3600
    assert AlwaysOpen().working_seconds(*sunday) == 23 * 3600  # real seconds, whatever the zone


def test_add_and_working_seconds_agree() -> None:
    cal = office(holiday_country="TW")
    start = at(TAIPEI, 2026, 2, 12, 16, 45)  # just before the New Year holidays
    for seconds in (1, 900, 8 * 3600, 5 * 8 * 3600 + 17):
        end = cal.add(start, seconds)
        assert cal.working_seconds(start, end) == pytest.approx(seconds)


def test_windows_between_two_instants_are_clipped_and_sum_to_the_working_time() -> None:
    cal = office()
    start, end = at(TAIPEI, 2026, 12, 4, 16, 0), at(TAIPEI, 2026, 12, 7, 9, 0)  # Fri → Mon
    windows = cal.windows_between(start, end)
    assert windows == [
        (at(TAIPEI, 2026, 12, 4, 16, 0).astimezone(UTC), at(TAIPEI, 2026, 12, 4, 17, 30)),
        (at(TAIPEI, 2026, 12, 7, 8, 30).astimezone(UTC), at(TAIPEI, 2026, 12, 7, 9, 0)),
    ]
    assert all(s.tzinfo is UTC for s, _ in windows)
    assert cal.working_seconds(start, end) == 2 * 3600
    assert cal.windows_between(end, start) == []
    assert AlwaysOpen().windows_between(start, end) == [
        (start.astimezone(UTC), end.astimezone(UTC))
    ]


def test_ics_import() -> None:
    ics = b"""BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:1
DTSTART;VALUE=DATE:20261224
DTEND;VALUE=DATE:20261226
SUMMARY:Year-end closure
END:VEVENT
BEGIN:VEVENT
UID:2
DTSTART;TZID=Asia/Taipei:20261203T140000
DTEND;TZID=Asia/Taipei:20261203T160000
SUMMARY:Fire drill
END:VEVENT
END:VCALENDAR
"""
    days, windows = closures_from_ics(ics, TAIPEI)
    assert days == [date(2026, 12, 24), date(2026, 12, 25)]
    assert windows[0][0] == at(TAIPEI, 2026, 12, 3, 14, 0)
    cal = office(closed_days=frozenset(days), closures=tuple(windows))
    assert cal.windows(date(2026, 12, 24)) == ()
    drill_day = sum((e - s).total_seconds() for s, e in cal.windows(date(2026, 12, 3)))
    assert drill_day == 6 * 3600


def test_a_calendar_without_working_time_is_refused() -> None:
    never = BusinessCalendar("never", TAIPEI, ((),) * 7)
    with pytest.raises(ValueError, match="no working time"):
        never.add(at(TAIPEI, 2026, 1, 1, 0, 0), 1)
    with pytest.raises(ValueError, match="end must come after"):
        parse_hours(["17:00-09:00"])
