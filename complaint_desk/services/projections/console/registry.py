"""The site admin's registry of places and equipment: the lists, and a CSV imported through
intake, a dry run first (what would change, every bad row and why), then for real."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from ..settings import SettingsDep
from . import intake
from .csrf import SameOriginForm
from .render import render, texts
from .signin import credential
from .users import SiteAdmin

router = APIRouter(include_in_schema=False)


def _site_of(admin: Any, site: str | None) -> str | None:
    sites = sorted(admin.sites) if admin.sites is not None else []
    return (site or (sites[0] if sites else "")).upper() or None


async def _registry(request: Request, intake_url: str, site: str) -> dict[str, Any]:
    try:
        answer = await intake.send(
            intake_url, f"/sites/{site}/registry", None, headers=credential(request),
            method="GET", within=5.0,
        )  # fmt: skip
    except intake.IntakeUnavailable:
        return {"places": [], "assets": []}
    return answer.body if answer.ok else {"places": [], "assets": []}


@router.get("/console/registry", response_class=HTMLResponse)
async def registry_page(
    request: Request,
    settings: SettingsDep,
    admin: SiteAdmin,
    site: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    chosen = _site_of(admin, site)
    found = await _registry(request, settings.intake_url, chosen) if chosen else {}
    return render(request, "registry.html", nav="registry", site=chosen, registry=found,
                  sites=sorted(admin.sites or []))  # fmt: skip


@router.post("/console/registry/import", response_class=HTMLResponse, dependencies=[SameOriginForm])
async def import_csv(request: Request, settings: SettingsDep, admin: SiteAdmin) -> Response:
    """The CSV to intake: ``dry_run`` shows what would change; the import itself changes
    nothing while a row is bad."""
    form = await request.form()
    site = _site_of(admin, str(form.get("site") or "")) or ""
    upload = form.get("csv")
    if isinstance(upload, UploadFile):
        content = await upload.read()
    else:  # confirmed after the dry run: the text it checked
        content = str(form.get("text") or "").encode()
    dry_run = form.get("apply") != "1"
    t = texts(request)
    try:
        answer = await intake.send(
            settings.intake_url, f"/sites/{site}/registry/import?dry_run={str(dry_run).lower()}",
            None, headers=credential(request), raw=(content, "text/csv"), within=60.0,
        )  # fmt: skip
    except intake.IntakeUnavailable:
        return render(request, "registry.html", 503, nav="registry", site=site, registry={},
                      sites=sorted(admin.sites or []), error=t("error.unavailable"))  # fmt: skip
    report = answer.body if answer.ok else {
        "dry_run": dry_run, "counts": {}, "changes": [],
        "bad_rows": answer.body.get("error", {}).get("rows", []),
    }  # fmt: skip
    found = await _registry(request, settings.intake_url, site)
    return render(
        request, "registry.html", 200 if answer.ok else 422, nav="registry", site=site,
        registry=found, sites=sorted(admin.sites or []), report=report,
        error=None if answer.ok else answer.message(texts(request).lang),
        csv_text=content.decode("utf-8", "replace") if dry_run else "",
    )  # fmt: skip
