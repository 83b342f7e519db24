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


PLACE_FIELDS = ("name", "building", "floor", "room")
ASSET_FIELDS = ("type", "name", "serial", "model", "installed_on", "place", "maintenance_team")


@router.post(
    "/console/registry/entry/{kind}", response_class=HTMLResponse, dependencies=[SameOriginForm]
)
async def put_entry(
    request: Request, settings: SettingsDep, admin: SiteAdmin, kind: str
) -> Response:
    """One place or piece of equipment added or changed (``places``, ``assets``), or retired
    (``retire``), through intake."""
    if kind not in ("places", "assets", "retire"):
        return render(request, "not_found.html", 404)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    site = _site_of(admin, form.get("site")) or ""
    code = form.get("code", "")
    t = texts(request)
    if kind == "retire":
        what = "assets" if form.get("what") == "assets" else "places"
        path, body, method, done = f"/sites/{site}/{what}/{code}/retire", {}, "POST", "reg.retired"
    else:
        names = PLACE_FIELDS if kind == "places" else ASSET_FIELDS
        body = {n: form[n] for n in names if form.get(n)}
        path, method, done = f"/sites/{site}/{kind}/{code}", "PUT", "reg.saved"
    try:
        answer = await intake.send(
            settings.intake_url, path, body, headers=credential(request), method=method
        )
    except intake.IntakeUnavailable:
        answer = None
    found = await _registry(request, settings.intake_url, site) if site else {}
    ok = answer is not None and (answer.ok or answer.status == 204)
    error = None if ok else (
        t("error.unavailable") if answer is None else answer.message(t.lang)
    )  # fmt: skip
    return render(
        request, "registry.html", 200 if ok else (503 if answer is None else answer.status),
        nav="registry", site=site, registry=found, sites=sorted(admin.sites or []),
        error=error, saved=t(done, code=code) if ok else None, entry=form if not ok else {},
    )  # fmt: skip


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
