"""The periodic reports and the officers' evaluation in the console: the reports issued (PDF
and CSV to download, any period on demand), and each officer's figures beside everyone's and
the period before, with their training."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import PoolDep

from .. import evaluation as evaluations
from ..periods import last_ended
from ..reports import api as reports_api
from ..settings import SettingsDep
from .pages import Viewer, forbidden_site, site_filter
from .render import render

router = APIRouter(include_in_schema=False)
Period = Annotated[str | None, Query(max_length=8)]


@router.get("/console/reports", response_class=HTMLResponse)
async def reports_page(
    request: Request, pool: PoolDep, principal: Viewer, settings: SettingsDep,
    site: Annotated[str | None, Query(max_length=12)] = None, period: Period = None,
) -> Response:  # fmt: skip
    site = site_filter(site)
    if site and site != "*" and not principal.sees(site):
        return forbidden_site(request, site)
    issued = await reports_api.reports(pool, principal, None if site == "*" else site)
    sites = sorted(principal.sites) if principal.sites is not None else []
    default = last_ended("month", datetime.now(ZoneInfo(settings.timezone)), settings.timezone)
    return render(request, "reports.html", nav="reports", issued=issued, site=site or "",
                  period=period or default, sites=sites,
                  organisation=principal.organisation_wide)  # fmt: skip


@router.get("/console/evaluation", response_class=HTMLResponse)
async def evaluation_page(
    request: Request, pool: PoolDep, principal: Viewer, settings: SettingsDep,
    site: Annotated[str | None, Query(max_length=12)] = None, period: Period = None,
) -> Response:  # fmt: skip
    site = site_filter(site)
    if site and not principal.sees(site):
        return forbidden_site(request, site)
    chosen = period or datetime.now(ZoneInfo(settings.timezone)).strftime("%Y-%m")
    try:
        found = await evaluations.evaluation(pool, principal, settings, chosen, site)
    except ApiError:
        return render(request, "evaluation.html", 422, nav="evaluation", e=None,
                      site=site or "", period=chosen, bad_period=True)  # fmt: skip
    return render(request, "evaluation.html", nav="evaluation", e=found, site=site or "",
                  period=chosen, bad_period=False)  # fmt: skip
