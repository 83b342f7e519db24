"""The register page (投訴登記表): filters, the desk's views (mine, breaching within an hour,
L1 not yet contacted, breached, waiting, under review), each person's saved views, and a
supervisor's bulk actions (acknowledge, reassign the owner)."""

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from complaint_desk.contract.events import Status, utcnow
from complaint_desk.contract.events.complaints import Severity
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require
from complaint_desk.shared.runtime.deps import PoolDep

from .. import repository
from ..settings import SettingsDep
from . import intake
from .csrf import SameOriginForm
from .pages import Viewer, forbidden_site, site_filter
from .render import lang_of, render, texts
from .signin import credential
from .working_time import countdowns

PAGE_SIZE = 25
router = APIRouter(include_in_schema=False)
Supervisor = Annotated[Principal, Depends(require(Permission.REVIEW))]

SLA_STATES = ("on_track", "warning", "breached", "paused", "met")
SORTS = ("-received_at", "due", "severity", "number")
# The desk's views: what each adds to the filters (the person's name for "mine").
VIEWS: dict[str, dict[str, Any]] = {
    "mine": {},
    "breaching": {"breaching_within": 60, "sort": "due"},
    "l1_uncontacted": {"severity": "L1", "not_contacted": True, "sort": "due"},
    "breached": {"sla_state": "breached", "sort": "due"},
    "waiting": {"status": "waiting"},
    "review": {"status": "under_review", "sort": "due"},
}
# What a supervisor may do to many complaints at once: intake's command and its body's field.
BULK = {"acknowledge": "acknowledge", "owner": "owner"}


def _one_of(value: str | None, allowed: Any) -> str | None:
    return value if value in allowed else None


@router.get("/console", response_class=HTMLResponse)
async def register_page(
    request: Request,
    pool: PoolDep,
    settings: SettingsDep,
    principal: Viewer,
    q: Annotated[str | None, Query(max_length=100)] = None,
    site: Annotated[str | None, Query(max_length=12)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[str | None, Query(max_length=4)] = None,
    sla: Annotated[str | None, Query(max_length=20)] = None,
    sort: Annotated[str | None, Query(max_length=20)] = None,
    view: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    bulk: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The register with filters, views and live SLA countdowns."""
    site = site_filter(site)
    if site and not principal.sees(site):
        return forbidden_site(request, site)
    filters: dict[str, Any] = {
        "q": q.strip() if q and q.strip() else None,  # one character is a word: 燈, 水
        "site": site,
        "status": _one_of(status, {s.value for s in Status}),
        "severity": _one_of(severity, {s.value for s in Severity}),
        "sla": _one_of(sla, SLA_STATES),
        "sort": _one_of(sort, SORTS),
    }
    view = _one_of(view, VIEWS)
    preset = dict(VIEWS[view]) if view else {}
    if view == "mine":
        preset["owner"] = principal.name
    if within := preset.pop("breaching_within", None):
        preset["due_before"] = utcnow() + timedelta(minutes=within)
    query: dict[str, Any] = {
        "q": filters["q"],
        "status": filters["status"],
        "severity": filters["severity"],
        "sla_state": filters["sla"],
        "sort": filters["sort"] or "-received_at",
    }
    query = {**query, **{k: v for k, v in preset.items() if v is not None}}
    drawn_at = await repository.latest_position(pool, None)
    items, total = await repository.list_complaints(
        pool,
        sites=principal.scope(site),
        **query,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    chosen = {k: v for k, v in {**filters, "view": view}.items() if v}
    return render(
        request,
        "register.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters={k: v or "" for k, v in filters.items()} | {"q": q or ""},
        view=view,
        views=list(VIEWS),
        query=urlencode(chosen),
        export_query=urlencode({k: v for k, v in filters.items() if v and k != "sla"}),
        statuses=[s.value for s in Status if s is not Status.NEW],
        severities=[s.value for s in Severity],
        sla_states=SLA_STATES,
        sorts=SORTS,
        saved=await repository.saved_views(pool, principal.id),
        bulk_allowed=principal.can(Permission.REVIEW),
        bulk_result=bulk,
        live=f"/console/live?since={drawn_at}",
        countdowns=await countdowns(request, settings.sla_url, items),
    )


@router.post("/console/views", dependencies=[SameOriginForm])
async def save_view(request: Request, pool: PoolDep, principal: Viewer) -> Response:
    """Keep the register's current filters under a name of the person's choosing."""
    form = await request.form()
    name = str(form.get("name", "")).strip()[:60]
    query = str(form.get("query", ""))[:1000]
    if name:
        await repository.save_view(pool, principal.id, name, query)
    return RedirectResponse(f"/console?{query}", status_code=303)


@router.post("/console/views/forget", dependencies=[SameOriginForm])
async def forget_view(request: Request, pool: PoolDep, principal: Viewer) -> Response:
    form = await request.form()
    await repository.forget_view(pool, principal.id, str(form.get("name", "")))
    return RedirectResponse("/console", status_code=303)


@router.post("/console/bulk", dependencies=[SameOriginForm])
async def bulk_action(request: Request, settings: SettingsDep, principal: Supervisor) -> Response:
    """One command to each complaint ticked in the register; says how many were done and
    why any were not (each is a command of its own: one refused changes no other)."""
    form = await request.form()
    action = str(form.get("action", ""))
    t = texts(request)
    chosen = [str(v) for v in form.getlist("complaint")][:PAGE_SIZE]
    if action not in BULK or not chosen:
        return RedirectResponse(
            f"/console?{urlencode({'bulk': t('bulk.nothing')})}", status_code=303
        )
    body = {"channel": "phone"} if action == "acknowledge" else {}
    if action == "owner":
        body = {"owner": str(form.get("owner", "")).strip(), "reason": t("bulk.reason")}
    done, refused = 0, []
    for complaint in chosen:
        try:
            answer = await intake.send(
                settings.intake_url,
                f"/complaints/{UUID(complaint)}/{BULK[action]}",
                body,
                headers=credential(request),
            )
        except (ValueError, intake.IntakeUnavailable):
            refused.append(t("error.unavailable"))
            continue
        if answer.ok:
            done += 1
        else:
            refused.append(answer.message(lang_of(request)))
    said = t("bulk.done", action=t(f"bulk.{action}"), n=done)
    if refused:
        said += t("bulk.refused", n=len(refused), reason=refused[0])
    query = str(form.get("query", ""))
    return RedirectResponse(f"/console?{query}&{urlencode({'bulk': said[:200]})}", status_code=303)
