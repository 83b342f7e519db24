"""A site's staff directory in the console (通知對象): who holds each role that notices go to,
a warning for each role alerts go to that nobody holds, and a test message to any entry. Kept
by the notify service; the console sends the site admin's changes there."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ..settings import SettingsDep
from . import intake
from .csrf import SameOriginForm
from .pages import admins_site, forbidden_site, site_filter
from .render import lang_of, render, texts
from .signin import credential
from .users import SiteAdmin

router = APIRouter(include_in_schema=False)
# The roles a site admin fills in from the page (others, e.g. maintenance:<team>, by name).
ROLES = ("supervisor", "duty_manager", "assigned_officer", "maintenance", "procurement")


async def _page(
    request: Request,
    settings: Any,
    admin: Any,
    site: str | None,
    status_code: int = 200,
    **said: Any,
) -> Response:
    asked = site
    site, sites = admins_site(admin, site)
    t = texts(request)
    if site is None:
        return forbidden_site(request, asked or "—")
    try:
        answer = await intake.send(
            settings.notify_url, f"/directory/{site}", None, headers=credential(request),
            method="GET",
        )  # fmt: skip
    except intake.IntakeUnavailable:
        answer = None
    if answer is None or not answer.ok:
        return render(request, "forbidden.html", 503, error=t("error.notify_unavailable"))
    return render(
        request,
        "directory.html",
        status_code,
        site=site,
        sites=sites,
        entries=answer.body["entries"],
        unstaffed=answer.body["unstaffed"],
        roles=ROLES,
        **said,
    )


@router.get("/console/directory", response_class=HTMLResponse)
async def directory_page(
    request: Request,
    settings: SettingsDep,
    admin: SiteAdmin,
    site: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    return await _page(request, settings, admin, site_filter(site))


@router.post("/console/directory", response_class=HTMLResponse, dependencies=[SameOriginForm])
async def put_entry(request: Request, settings: SettingsDep, admin: SiteAdmin) -> Response:
    """Who holds a role at the site from now on; notify checks the address."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    site, role = site_filter(form.get("site")), form.get("role", "").strip()
    t = texts(request)
    if site is None or not admin.sees(site):
        return forbidden_site(request, site or "—")
    body = {k: form.get(k, "").strip() for k in ("channel", "destination", "locale")}
    answer = await intake.send(
        settings.notify_url, f"/directory/{site}/{quote(role, safe='')}", body,
        headers=credential(request), method="PUT",
    )  # fmt: skip
    if not answer.ok:
        reason = answer.message(lang_of(request))
        return await _page(request, settings, admin, site, answer.status, error=reason, form=form)
    return await _page(request, settings, admin, site, said=t("directory.saved"))


@router.post("/console/directory/test", response_class=HTMLResponse, dependencies=[SameOriginForm])
async def send_test(request: Request, settings: SettingsDep, admin: SiteAdmin) -> Response:
    """A test message to whoever holds the role: the admin sees that it reaches them."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    site, role = site_filter(form.get("site")), form.get("role", "")
    t = texts(request)
    if site is None or not admin.sees(site):
        return forbidden_site(request, site or "—")
    answer = await intake.send(
        settings.notify_url, f"/directory/{site}/{quote(role, safe='')}/test", {},
        headers=credential(request),
    )  # fmt: skip
    if not answer.ok:
        reason = answer.message(lang_of(request))
        return await _page(request, settings, admin, site, answer.status, error=reason)
    said = t("directory.tested", destination=answer.body["queued"])
    return await _page(request, settings, admin, site, said=said)
