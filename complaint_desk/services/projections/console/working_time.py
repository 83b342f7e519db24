"""Time left on a clock in words, the way the sla service counts it: a business clock in the
site's working time (剩 1 個工作天 3 小時), a 24×7 clock in hours. The sla service knows each
site's calendar and gives its working windows; the page carries them, so the browser's
countdown (console.js) keeps counting the same way without asking again."""

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import Request

from complaint_desk.contract.events import utcnow

from . import intake
from .render import texts
from .signin import credential
from .texts import Texts

LOOK_BACK = timedelta(days=31)  # how far overdue a clock is counted in working time
LOOK_AHEAD = timedelta(days=62)
FRESH_FOR = 60.0  # seconds a site's windows are reused: a calendar change shows within it
CLOCKS = ("response", "resolution", "review")


@dataclass(frozen=True)
class WorkingTime:
    """A site's working windows over a span, and how long its business day is."""

    site: str
    timezone: str
    day_seconds: float
    start: datetime
    end: datetime
    windows: tuple[tuple[datetime, datetime], ...]

    def covers(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end

    def seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds from ``start`` to ``end``; negative when ``end`` came first."""
        if end < start:
            return -self.seconds(end, start)
        return sum(max(0.0, (min(e, end) - max(s, start)).total_seconds()) for s, e in self.windows)

    def working_at(self, instant: datetime) -> bool:
        return any(s <= instant < e for s, e in self.windows)

    def as_json(self) -> dict[str, Any]:
        """What console.js counts with: the day's length and the windows, in epoch ms."""
        return {
            "day": self.day_seconds,
            "windows": [[_ms(s), _ms(e)] for s, e in self.windows],
        }


def _ms(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


def span_words(t: Texts, seconds: float, *, day_seconds: float, business: bool) -> str:
    """A span in its two leading units: 1 個工作天 3 小時, 3 小時 20 分, 5 分, 2 小時."""
    s = int(abs(seconds))
    day = int(day_seconds) or 86400
    days, rest = divmod(s, day)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    day_unit = ("span.bday" if business else "span.day") + ("s" if days != 1 else "")
    parts = [(days, t(day_unit)), (hours, t("span.hour")), (minutes, t("span.minute"))]
    first = next((i for i, (n, _) in enumerate(parts) if n), 2)
    shown = parts[first : first + 2]
    if len(shown) == 2 and not shown[1][0]:
        shown = shown[:1]  # 2 個工作天, not 2 個工作天 0 小時
    return " ".join(f"{n} {unit}" for n, unit in shown)


def left_words(
    t: Texts, due: datetime, now: datetime, working: WorkingTime | None, *, business: bool
) -> str | None:
    """剩 1 個工作天 3 小時 / 逾時 2 小時 5 分, with a word when working time is not running;
    None for a business clock whose site's calendar could not be had."""
    if business and working is None:
        return None
    seconds = working.seconds(now, due) if business and working else (due - now).total_seconds()
    day = working.day_seconds if business and working else 86400.0
    words = span_words(t, seconds, day_seconds=day, business=business)
    said = t("sla.left" if seconds >= 0 else "sla.overdue", span=words)
    if business and working and seconds >= 0 and not working.working_at(now):
        said += t("sla.off_hours")
    return said


def clocks_of(row: Mapping[str, Any]) -> list[tuple[str, datetime, bool]]:
    """The row's running clocks: (clock, due, counted in business time). The response clock
    stops counting for the officer once the complainant is contacted."""
    found = []
    for clock in CLOCKS:
        due = row.get(f"{clock}_due_at")
        if due is None or (clock == "response" and row.get("acknowledged_at")):
            continue
        found.append((clock, due, row.get(f"{clock}_calendar") != "24x7"))
    return found


@dataclass(frozen=True)
class Countdown:
    """One running clock as a page shows it."""

    clock: str
    due: datetime
    business: bool
    words: str | None  # None: the site's working time is unknown; console.js says nothing
    target: str | None  # the clock's whole time, when the page knows it


@dataclass(frozen=True)
class Countdowns:
    """The countdowns of the rows of one page, at the moment it is drawn."""

    t: Texts
    working: Mapping[str, WorkingTime]
    now: datetime
    targets: Mapping[str, float] | None = None  # by clock, the detail page's

    def __call__(self, row: Mapping[str, Any]) -> list[Countdown]:
        found = []
        for clock, due, business in clocks_of(row):
            working = self.working.get(row["site"])
            target = (self.targets or {}).get(clock)
            day = working.day_seconds if working and business else 86400.0
            found.append(
                Countdown(
                    clock=clock,
                    due=due,
                    business=business,
                    words=left_words(self.t, due, self.now, working, business=business),
                    target=None
                    if target is None
                    else span_words(self.t, target, day_seconds=day, business=business),
                )
            )
        return found

    def as_json(self) -> str:
        """The sites' working windows for console.js."""
        return json.dumps({site: w.as_json() for site, w in self.working.items()})


async def countdowns(
    request: Request,
    sla_url: str,
    rows: Sequence[Mapping[str, Any]],
    targets: Mapping[str, float] | None = None,
) -> Countdowns:
    return Countdowns(
        texts(request), await working_times(request, sla_url, rows), utcnow(), targets
    )


_cache: dict[str, tuple[float, WorkingTime]] = {}


async def working_times(
    request: Request, sla_url: str, rows: Iterable[Mapping[str, Any]]
) -> dict[str, WorkingTime]:
    """The working windows of each site whose business clocks the rows show, from the sla
    service (reused for a minute); a site it cannot give is left out."""
    now = utcnow()
    wanted: dict[str, list[datetime]] = {}
    for row in rows:
        for _, due, business in clocks_of(row):
            if business:
                wanted.setdefault(row["site"], []).append(due)
    found: dict[str, WorkingTime] = {}
    for site, dues in wanted.items():
        start = min([now - LOOK_BACK, *dues])
        end = min(max([now + LOOK_AHEAD, *dues]), start + timedelta(days=184))
        cached = _cache.get(site)
        if cached and time.monotonic() - cached[0] < FRESH_FOR and cached[1].covers(start, end):
            found[site] = cached[1]
            continue
        got = await _fetch(request, sla_url, site, start, end)
        if got is not None:
            _cache[site] = (time.monotonic(), got)
            found[site] = got
    return found


def forget(site: str) -> None:
    """The site's calendar changed: count with the new one from the next page on."""
    _cache.pop(site.upper(), None)


async def _fetch(
    request: Request, sla_url: str, site: str, start: datetime, end: datetime
) -> WorkingTime | None:
    query = f"start={start.isoformat()}&end={end.isoformat()}".replace("+", "%2B")
    body = await _ask_sla(request, sla_url, f"/calendars/{site}/working-time?{query}")
    if body is None:
        return None
    return WorkingTime(
        site=site,
        timezone=body["timezone"],
        day_seconds=float(body["business_day_seconds"]),
        start=start,
        end=end,
        windows=tuple(
            (datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
            for w in body["windows"]
        ),
    )


async def clock_targets(request: Request, sla_url: str, complaint_id: UUID) -> dict[str, float]:
    """Each clock's whole time in the complaint's current cycle, from the sla service (none
    when it cannot say: the page shows the time left and the due time without it)."""
    body = await _ask_sla(request, sla_url, f"/complaints/{complaint_id}/sla")
    if body is None:
        return {}
    cycle = body.get("cycle")
    return {
        c["clock"]: float(c["target_seconds"])
        for c in body.get("clocks", [])
        if c.get("cycle") == cycle
    }


async def _ask_sla(request: Request, sla_url: str, path: str) -> dict[str, Any] | None:
    """The sla service's answer for the signed-in person, or None: a countdown does without
    what the sla service cannot say right now (3 s at most)."""
    try:
        answer = await intake.send(
            sla_url, path, None, headers=credential(request), method="GET", within=3.0
        )
    except intake.IntakeUnavailable:
        return None
    return answer.body if answer.ok else None
