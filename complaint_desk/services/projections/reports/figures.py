"""A period's figures for a site or the organisation, beside the period before: read with
the very queries the dashboard, the officers' indicators and the hotspots answer from, so a
report and a dashboard never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from complaint_desk.contract.events.reports import ORGANISATION

from .. import repository
from ..periods import before, period_window

TREND_PERIODS = 6
HOTSPOT_THRESHOLD = 2


@dataclass
class PeriodFigures:
    label: str
    start: datetime
    end: datetime
    overall: dict[str, Any]
    by_category: list[dict[str, Any]]
    by_severity: list[dict[str, Any]]
    reasons: list[dict[str, Any]]
    everyone: dict[str, Any]
    officers: list[dict[str, Any]]
    equipment: list[dict[str, Any]]
    places: list[dict[str, Any]]
    learning: dict[str, int]


@dataclass
class Report:
    site: str
    period: str
    current: PeriodFigures
    previous: PeriodFigures
    trend: list[tuple[str, int, float, float | None]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The headline figures a message about the report carries."""
        o = self.current.overall
        return {
            "received": o["received"], "resolution_rate": o["resolution_rate"],
            "satisfaction": o["satisfaction"], "breached_ever": o["breached_ever"],
            "problems_opened": self.current.learning["problems_opened"],
            "inspections_missed": self.current.learning["inspections_missed"],
        }  # fmt: skip


EMPTY = {
    "group": "all", "received": 0, "merged": 0, "provisional": 0, "resolved": 0, "closed": 0,
    "response_p50": None, "response_p90": None, "resolution_p50": None, "resolution_p90": None,
    "satisfaction": None, "rating": None, "reopen_rate": 0.0, "breached_now": 0,
    "breached_ever": 0,
}  # fmt: skip


def _rated(row: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's row with its derived figures: resolution rate, and met (received
    without any deadline ever breached)."""
    received = row["received"]
    return {
        **row,
        "resolution_rate": row["resolved"] / received if received else 0.0,
        "met": max(received - row["breached_ever"], 0),
    }


async def period_figures(
    pool: asyncpg.Pool, sites: list[str] | None, label: str, start: datetime, end: datetime
) -> PeriodFigures:
    async def grouped(by: str) -> list[dict[str, Any]]:
        return [_rated(r) for r in await repository.dashboard(pool, sites, start, end, by)]

    overall = await repository.dashboard(pool, sites, start, end, "none")
    officers = await repository.officers(pool, sites, start, end)
    everyone = next((r for r in officers if r["officer"] is None), None)
    return PeriodFigures(
        label=label, start=start, end=end,
        overall=_rated(overall[0] if overall else EMPTY),
        by_category=await grouped("category"), by_severity=await grouped("severity"),
        reasons=await repository.top_reasons(pool, sites, start, end),
        everyone=everyone or {"officer": None, "received": 0, "response_p50": None,
                              "resolution_rate": 0.0, "satisfaction": None, "rating": None,
                              "reopen_rate": 0.0},
        officers=[r for r in officers if r["officer"] is not None],
        equipment=(await repository.equipment_hotspots(
            pool, sites, start, "asset", HOTSPOT_THRESHOLD, until=end))[:5],
        places=(await repository.hotspots(pool, sites, start, HOTSPOT_THRESHOLD, until=end))[:5],
        learning=await repository.learning_figures(pool, sites, start, end),
    )  # fmt: skip


async def compute(pool: asyncpg.Pool, site: str, period: str, timezone: str) -> Report:
    """The report of ``site`` (``*``: the organisation) for ``period`` (2026-11, 2026-W47)."""
    sites = None if site == ORGANISATION else [site]
    window = period_window(period, timezone)
    current = await period_figures(pool, sites, window.label, window.start, window.end)
    previous = await period_figures(
        pool, sites, window.previous_label, window.previous_start, window.start
    )
    # The last two periods of the trend are these two: read once.
    known = {current.label: current.overall, previous.label: previous.overall}
    trend = []
    for label in before(period, TREND_PERIODS, timezone):
        row = known.get(label)
        if row is None:
            w = period_window(label, timezone)
            rows = await repository.dashboard(pool, sites, w.start, w.end, "none")
            row = _rated(rows[0] if rows else EMPTY)
        trend.append(
            (label, int(row["received"]), float(row["resolution_rate"]), row["satisfaction"])
        )
    return Report(site=site, period=window.label, current=current, previous=previous, trend=trend)
