"""The console's boards for a supervisor: the dashboard (figures per category or level, per
officer) and the hotspots (places and people that keep coming back)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from complaint_desk.contract.events import utcnow
from complaint_desk.shared.auth import Permission
from complaint_desk.shared.runtime.deps import PoolDep

from .. import analysis
from .pages import Viewer, forbidden_site, site_filter
from .render import render

router = APIRouter(include_in_schema=False)


@router.get("/console/dashboard", response_class=HTMLResponse)
async def dashboard_page(
    request: Request,
    pool: PoolDep,
    principal: Viewer,
    site: Annotated[str | None, Query(max_length=12)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    group_by: Annotated[str, Query(pattern="^(none|category|severity)$")] = "category",
) -> Response:
    end = utcnow()
    start = end - timedelta(days=days)
    site = site_filter(site)
    if site and not principal.sees(site):
        return forbidden_site(request, site)
    board = await analysis.dashboard(pool, principal, site, start, end, group_by)  # type: ignore[arg-type]
    totals = await analysis.dashboard(pool, principal, site, start, end, "none")
    officers = await analysis.officers(pool, principal, site, start, end)
    peak = max((g.received for g in board.groups), default=0) or 1
    return render(
        request,
        "dashboard.html",
        board=board,
        total=totals.groups[0] if totals.groups else None,
        officers=officers,
        peak=peak,
        site=site or "",
        days=days,
        group_by=group_by,
    )


@router.get("/console/hotspots", response_class=HTMLResponse)
async def hotspots_page(
    request: Request,
    pool: PoolDep,
    principal: Viewer,
    site: Annotated[str | None, Query(max_length=12)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    threshold: Annotated[int, Query(ge=2, le=1000)] = 3,
) -> Response:
    site = site_filter(site)
    if site and not principal.sees(site):
        return forbidden_site(request, site)
    spots = await analysis.hotspots(pool, principal, site, days, threshold)
    people = await analysis.repeat_complainants(request, pool, principal, site, days, threshold)
    equipment = {
        by: await analysis.equipment_hotspots(pool, principal, site, by, days, threshold)
        for by in ("asset", "model")
    }
    return render(
        request,
        "hotspots.html",
        spots=spots,
        people=people,
        equipment=equipment,
        may_open=principal.can(Permission.REVIEW),
        site=site or "",
        days=days,
        threshold=threshold,
    )
