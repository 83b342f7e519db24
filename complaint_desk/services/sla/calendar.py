"""Business calendars: when a site's clock runs. Pure arithmetic over aware datetimes.

A calendar answers two questions: how much working time lies between two instants, and at
which instant a given amount of working time has passed since a start. Working hours are
local to the site's time zone (so DST moves them in UTC, as it should); public holidays come
from the ``holidays`` package; ad-hoc closures and ICS imports remove further time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_data

Window = tuple[datetime, datetime]
MAX_DAYS = 3660  # a target never needs more than ten years of calendar to fall due


class Calendar:
    """What every calendar offers; ``AlwaysOpen`` and ``BusinessCalendar`` implement it."""

    key: str

    def working_seconds(self, start: datetime, end: datetime) -> float:
        raise NotImplementedError

    def add(self, start: datetime, seconds: float) -> datetime:
        raise NotImplementedError

    @property
    def business_day_seconds(self) -> float:
        raise NotImplementedError

    def windows_between(self, start: datetime, end: datetime) -> list[Window]:
        """The working time between two instants, in UTC, each window clipped to them."""
        raise NotImplementedError


@dataclass(frozen=True)
class AlwaysOpen(Calendar):
    """24×7: every second counts."""

    key: str = "24x7"

    # In UTC: Python subtracts datetimes that share a zone in wall-clock time, DST and all.
    def working_seconds(self, start: datetime, end: datetime) -> float:
        return max(0.0, (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())

    def add(self, start: datetime, seconds: float) -> datetime:
        return start.astimezone(UTC) + timedelta(seconds=seconds)

    @property
    def business_day_seconds(self) -> float:
        return 86400.0

    def windows_between(self, start: datetime, end: datetime) -> list[Window]:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        return [(start, end)] if end > start else []


@dataclass(frozen=True)
class Hours:
    start: time
    end: time  # time(0, 0) as an end means midnight at the end of the day

    def seconds(self) -> float:
        end = 86400 if self.end == time(0) else self.end.hour * 3600 + self.end.minute * 60
        return end - (self.start.hour * 3600 + self.start.minute * 60)


@dataclass(frozen=True, eq=False)
class BusinessCalendar(Calendar):
    """Working hours per weekday (breaks are gaps between ranges), in the site's zone."""

    key: str
    zone: ZoneInfo
    week: tuple[tuple[Hours, ...], ...]  # Monday first, seven entries
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_days: frozenset[date] = frozenset()
    closures: tuple[Window, ...] = ()  # aware, any zone
    _cache: dict[date, tuple[Window, ...]] = field(default_factory=dict, repr=False)

    @property
    def utc_closures(self) -> tuple[Window, ...]:
        return tuple((s.astimezone(UTC), e.astimezone(UTC)) for s, e in self.closures)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("working hours are given for seven weekdays, Monday first")
        for day in self.week:
            for hours in day:
                if hours.seconds() <= 0:
                    raise ValueError(f"working hours {hours.start}-{hours.end} are empty")

    @property
    def business_day_seconds(self) -> float:
        """The working time of the longest weekday: 'one business day' of a target."""
        return max(sum(h.seconds() for h in day) for day in self.week) or 86400.0

    def is_holiday(self, day: date) -> bool:
        if day in self.closed_days:
            return True
        if self.holiday_country is None:
            return False
        return day in _holidays(self.holiday_country, self.holiday_subdivision, day.year)

    def windows(self, day: date) -> tuple[Window, ...]:
        """The working time of one local day, in UTC, closures removed."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        found: list[Window] = []
        if not self.is_holiday(day):
            for hours in self.week[day.weekday()]:
                start = datetime.combine(day, hours.start, tzinfo=self.zone)
                end_day = day + timedelta(days=1) if hours.end == time(0) else day
                end = datetime.combine(end_day, hours.end, tzinfo=self.zone)
                found.extend(
                    _subtract((start.astimezone(UTC), end.astimezone(UTC)), self.utc_closures)
                )
        windows = tuple(w for w in found if w[1] > w[0])
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[day] = windows
        return windows

    def longest_closed_stretch(self, around: Iterable[date]) -> int:
        """The most days in a row without working time, among the days near ``around`` (where
        closures and closed days are: elsewhere a week with working hours has some)."""
        days: set[date] = set()
        for day in around:
            days.update(day + timedelta(days=d) for d in range(-7, 31 + 7))
        longest = run = 0
        previous: date | None = None
        for day in sorted(days):
            if previous is not None and day != previous + timedelta(days=1):
                run = 0
            run = 0 if self.windows(day) else run + 1
            longest = max(longest, run)
            previous = day
        return longest

    def _windows_from(self, start: datetime) -> Iterator[Window]:
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # a window may span midnight
        for _ in range(MAX_DAYS):
            for window in self.windows(day):
                if window[1] > start:
                    yield window
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.key} has no working time within {MAX_DAYS} days")

    def windows_between(self, start: datetime, end: datetime) -> list[Window]:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        found: list[Window] = []
        if end <= start:
            return found
        for w_start, w_end in self._windows_from(start):
            if w_start >= end:
                break
            found.append((max(w_start, start), min(w_end, end)))
        return found

    def working_seconds(self, start: datetime, end: datetime) -> float:
        return sum((e - s).total_seconds() for s, e in self.windows_between(start, end))

    def add(self, start: datetime, seconds: float) -> datetime:
        start = start.astimezone(UTC)
        remaining = seconds
        for w_start, w_end in self._windows_from(start):
            begin = max(w_start, start)
            available = (w_end - begin).total_seconds()
            if remaining <= available:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        raise AssertionError("unreachable")


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holiday_data.country_holidays(country, subdiv=subdivision, years=year))


def _subtract(window: Window, closures: Iterable[Window]) -> list[Window]:
    pieces = [window]
    for c_start, c_end in closures:
        next_pieces = []
        for start, end in pieces:
            if c_end <= start or c_start >= end:
                next_pieces.append((start, end))
                continue
            if c_start > start:
                next_pieces.append((start, c_start))
            if c_end < end:
                next_pieces.append((c_end, end))
        pieces = next_pieces
    return pieces


def closures_from_ics(text: str | bytes, zone: ZoneInfo) -> tuple[list[date], list[Window]]:
    """Closed days (all-day events) and closures (timed events) from an ICS calendar."""
    from icalendar import Calendar as Ics

    days: list[date] = []
    windows: list[Window] = []
    for component in Ics.from_ical(text).walk("VEVENT"):
        start = component.decoded("DTSTART")
        end = component.decoded("DTEND") if "DTEND" in component else None
        if isinstance(start, datetime):
            start = start if start.tzinfo else start.replace(tzinfo=zone)
            end = end if isinstance(end, datetime) else start + timedelta(hours=1)
            end = end if end.tzinfo else end.replace(tzinfo=zone)
            windows.append((start, end))
        else:
            last = end if isinstance(end, date) else start + timedelta(days=1)
            day = start
            while day < last:
                days.append(day)
                day += timedelta(days=1)
    return days, windows


def parse_hours(ranges: Sequence[str]) -> tuple[Hours, ...]:
    """``["08:30-12:00", "13:00-17:30"]`` → working hours with a lunch break."""
    parsed = []
    for text in ranges:
        start_text, _, end_text = text.partition("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        if end != time(0) and end <= start:
            raise ValueError(f"{text}: the end must come after the start")
        parsed.append(Hours(start, end))
    return tuple(sorted(parsed, key=lambda h: h.start))
