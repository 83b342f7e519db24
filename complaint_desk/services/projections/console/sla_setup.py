"""A site's deadlines in the console (時效與行事曆): the targets of each level and the business
calendar (working hours with their breaks, public holidays, closed days, an ICS import). Kept
by the sla service, which records each change and replays the open complaints it governs."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ..settings import ProjectionsSettings, SettingsDep
from . import intake, working_time
from .csrf import SameOriginForm
from .pages import admins_site, forbidden_site, site_filter
from .render import lang_of, render, texts
from .signin import credential
from .users import SiteAdmin

router = APIRouter(include_in_schema=False)
LEVELS = ("L1", "L2", "L3")
CLOCKS = ("response", "resolution")
UNITS = ("minutes", "hours", "business_days")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _amount(target: dict[str, Any]) -> tuple[str, str]:
    """A target as the form shows it: (amount, unit)."""
    for unit in (*UNITS, "seconds"):
        if target.get(unit):
            return f"{target[unit]:g}", unit
    return "", "hours"


def policy_body(form: dict[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """The policy with the form's targets and calendars; its warnings and review kept."""
    levels: dict[str, Any] = {}
    for level in LEVELS:
        entry: dict[str, Any] = {"calendar": form.get(f"{level}.calendar", "business")}
        for clock in CLOCKS:
            amount, unit = form.get(f"{level}.{clock}", ""), form.get(f"{level}.{clock}.unit")
            try:
                value: Any = float(amount)
            except ValueError:
                value = amount  # sla names what is wrong
            entry[clock] = {unit if unit in UNITS else "hours": value}
        levels[level] = entry
    return {**current, "levels": levels}


def calendar_body(form: dict[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """The calendar with the form's hours (ranges separated by spaces: a gap is a break),
    holidays' country and closed days (one date a line); its closures kept."""
    hours = {d: form.get(f"hours.{d}", "").split() for d in WEEKDAYS}
    closed = [line.strip() for line in form.get("closed_days", "").splitlines() if line.strip()]
    return {
        **current,
        "hours": {d: ranges for d, ranges in hours.items() if ranges},
        "holiday_country": form.get("holiday_country", "").strip().upper() or None,
        "closed_days": closed,
    }


async def _get(settings: ProjectionsSettings, request: Request, path: str) -> dict[str, Any]:
    answer = await intake.send(
        settings.sla_url, path, None, headers=credential(request), method="GET"
    )
    if not answer.ok:
        raise intake.IntakeUnavailable(f"HTTP {answer.status}")
    return answer.body


async def _page(
    request: Request, settings: ProjectionsSettings, admin: Any, site: str | None,
    status_code: int = 200, **said: Any,
) -> Response:  # fmt: skip
    asked = site
    site, sites = admins_site(admin, site)
    t = texts(request)
    if site is None:
        return forbidden_site(request, asked or "—")
    try:
        policy = await _get(settings, request, f"/policies/{site}")
        calendar = await _get(settings, request, f"/calendars/{site}")
    except intake.IntakeUnavailable:
        return render(request, "forbidden.html", 503, error=t("error.sla_unavailable"))
    targets = {
        f"{level}.{clock}": _amount(policy["policy"]["levels"][level][clock])
        for level in LEVELS
        for clock in CLOCKS
    }
    return render(
        request, "sla_setup.html", status_code, site=site, sites=sites, policy=policy,
        targets=targets, calendar=calendar, levels=LEVELS, clocks=CLOCKS, units=UNITS,
        weekdays=WEEKDAYS, **said,
    )  # fmt: skip


@router.get("/console/sla", response_class=HTMLResponse)
async def sla_page(
    request: Request,
    settings: SettingsDep,
    admin: SiteAdmin,
    site: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    return await _page(request, settings, admin, site_filter(site))


@router.post("/console/sla/{part}", response_class=HTMLResponse, dependencies=[SameOriginForm])
async def change(request: Request, settings: SettingsDep, admin: SiteAdmin, part: str) -> Response:
    """The site's targets (``policy``), its calendar (``calendar``) or closures from an ICS
    file (``ics``), sent to sla; its refusal shown in the admin's language."""
    data = await request.form()
    form = {k: str(v) for k, v in data.items() if isinstance(v, str)}
    site = site_filter(form.get("site"))
    t = texts(request)
    if site is None or not admin.sees(site) or part not in ("policy", "calendar", "ics"):
        return forbidden_site(request, site or "—")
    headers = credential(request)
    try:
        if part == "ics":
            upload = data.get("file")
            content = (
                await upload.read() if upload is not None and not isinstance(upload, str) else b""
            )
            answer = await intake.send(
                settings.sla_url, f"/calendars/{site}/ics", None, headers=headers,
                raw=(content, "text/calendar"),
            )  # fmt: skip
        elif part == "policy":
            current = (await _get(settings, request, f"/policies/{site}"))["policy"]
            answer = await intake.send(
                settings.sla_url, f"/policies/{site}", policy_body(form, current),
                headers=headers, method="PUT",
            )  # fmt: skip
        else:
            current = await _get(settings, request, f"/calendars/{site}")
            answer = await intake.send(
                settings.sla_url, f"/calendars/{site}", calendar_body(form, current),
                headers=headers, method="PUT",
            )  # fmt: skip
    except intake.IntakeUnavailable:
        return render(request, "forbidden.html", 503, error=t("error.sla_unavailable"))
    if not answer.ok:
        error = answer.message(lang_of(request))
        return await _page(request, settings, admin, site, answer.status, error=error)
    working_time.forget(site)
    return await _page(request, settings, admin, site, said=t(f"sla_setup.saved.{part}"))
