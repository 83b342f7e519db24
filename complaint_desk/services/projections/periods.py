"""Periods a supervisor reads figures by (定期分析): a month or an ISO week in the desk's time
zone, and the period before it. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    label: str
    start: datetime
    end: datetime
    previous_label: str
    previous_start: datetime


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def period_window(period: str, timezone: str) -> Window:
    """``2026-11`` (a month) or ``2026-W47`` (an ISO week); ValueError for anything else."""
    zone = ZoneInfo(timezone)
    if not re.match(r"(19|2\d)\d\d-", period):
        raise ValueError(f"not a month or a week of 1900 to 2999: {period}")
    if week := re.fullmatch(r"(\d{4})-W(\d{2})", period):
        first = date.fromisocalendar(int(week[1]), int(week[2]), 1)
        before = first - timedelta(days=7)
        iso = before.isocalendar()
        return Window(
            period, _midnight(first, zone), _midnight(first + timedelta(days=7), zone),
            f"{iso.year}-W{iso.week:02d}", _midnight(before, zone),
        )  # fmt: skip
    if month := re.fullmatch(r"(\d{4})-(\d{2})", period):
        year, number = int(month[1]), int(month[2])
        first = date(year, number, 1)
        following = date(year + number // 12, number % 12 + 1, 1)
        before = date(year - (number == 1), (number - 2) % 12 + 1, 1)
        return Window(
            period, _midnight(first, zone), _midnight(following, zone),
            f"{before.year}-{before.month:02d}", _midnight(before, zone),
        )  # fmt: skip
    raise ValueError(f"not a month or an ISO week: {period}")


def last_ended(kind: str, now: datetime, timezone: str) -> str:
    """The latest ``week`` or ``month`` that has ended by ``now``, in the desk's zone."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    if kind == "week":
        iso = (today - timedelta(days=today.isoweekday())).isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


def ended_at(period: str, timezone: str) -> datetime:
    return period_window(period, timezone).end


def before(period: str, count: int, timezone: str) -> list[str]:
    """``count`` periods ending with ``period``, the oldest first."""
    labels = [period]
    while len(labels) < count:
        earlier = period_window(labels[-1], timezone).previous_label
        try:
            period_window(earlier, timezone)
        except ValueError:  # before the first year reported on
            break
        labels.append(earlier)
    return labels[::-1]
