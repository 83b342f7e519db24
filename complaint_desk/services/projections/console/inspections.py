"""Preventive inspections in the console (定期巡檢): each schedule with its latest visits (due,
done, missed), one scheduled by hand, one ended."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from complaint_desk.shared.runtime.deps import PoolDep

from .. import learning_api
from ..settings import SettingsDep
from . import intake
from .csrf import SameOriginForm
from .pages import Viewer, forbidden_site, site_filter
from .problems import Supervisor, _given, _ids
from .render import lang_of, render, texts
from .signin import credential

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request, pool: Any, principal: Any, site: str | None, *,
    form: dict[str, str] | None = None, error: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    schedules = await learning_api.inspections(pool, principal, site)
    t = texts(request)

    def weekdays(days: list[int] | None) -> str:
        return "、".join(t.label("weekday", str(d)) for d in days or [])

    return render(request, "inspections.html", status_code, nav="inspections", weekdays=weekdays,
                  schedules=schedules, site=site or "", form=form or {}, error=error,
                  done=request.query_params.get("done"))  # fmt: skip


@router.get("/console/inspections", response_class=HTMLResponse)
async def inspections_page(
    request: Request, pool: PoolDep, principal: Viewer,
    site: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:  # fmt: skip
    site = site_filter(site)
    if site and not principal.sees(site):
        return forbidden_site(request, site)
    return await _page(request, pool, principal, site)


def schedule_body(form: dict[str, str]) -> dict[str, Any]:
    body = _given(form, "site", "asset", "place", "description", "team")
    plan = _given(form, "every_days", "starts_on", "grace_hours")
    if form.get("weekdays", "").strip():
        plan["weekdays"] = _ids(form["weekdays"])
    return {**body, "plan": plan}


@router.post("/console/inspections", response_class=HTMLResponse, dependencies=[SameOriginForm])
async def schedule(
    request: Request, pool: PoolDep, settings: SettingsDep, principal: Supervisor
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await _send(
        request, pool, settings, principal, "/inspections", schedule_body(form), form
    )


@router.post(
    "/console/inspections/{schedule_id}/end", response_class=HTMLResponse,
    dependencies=[SameOriginForm],
)  # fmt: skip
async def end(
    request: Request, pool: PoolDep, settings: SettingsDep, principal: Supervisor,
    schedule_id: UUID,
) -> Response:  # fmt: skip
    form = {k: str(v) for k, v in (await request.form()).items()}
    reason = form.get("reason", "").strip() or texts(request)("insp.ended")
    return await _send(request, pool, settings, principal, f"/inspections/{schedule_id}/end",
                       {"reason": reason}, form)  # fmt: skip


async def _send(
    request: Request, pool: Any, settings: Any, principal: Any, path: str,
    body: dict[str, Any], form: dict[str, str],
) -> Response:  # fmt: skip
    t = texts(request)
    try:
        answer = await intake.send(settings.intake_url, path, body, headers=credential(request))
    except intake.IntakeUnavailable:
        return await _page(request, pool, principal, None, form=form,
                           error=t("error.unavailable"), status_code=503)  # fmt: skip
    if not answer.ok:
        reason = answer.message(lang_of(request))
        return await _page(request, pool, principal, None, form=form, error=reason,
                           status_code=answer.status)  # fmt: skip
    return RedirectResponse("/console/inspections?done=1", status_code=303)
