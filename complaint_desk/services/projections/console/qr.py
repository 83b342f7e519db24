"""The site admin's QR sheets: the places (and equipment) of a site, one per line, become a
printable sheet of QR codes opening the complainant's report form there (made by intake)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ..settings import SettingsDep
from .files import relay
from .render import render
from .users import SiteAdmin

router = APIRouter(include_in_schema=False)
PLACES_MAX = 200


def places_of(text: str) -> list[tuple[str, str]]:
    """Each line a place, optionally ``place | equipment``; blank lines left out."""
    found = []
    for line in text.splitlines()[:PLACES_MAX]:
        place, _, asset = line.partition("|")
        if place.strip():
            found.append((place.strip()[:200], asset.strip()[:200]))
    return found


@router.get("/console/qr", response_class=HTMLResponse)
async def qr_page(request: Request, admin: SiteAdmin) -> Response:
    sites = sorted(admin.sites) if admin.sites is not None else []
    return render(request, "qr.html", nav="qr", sites=sites)


@router.get("/console/qr/sheet.svg")
async def qr_sheet(
    request: Request,
    settings: SettingsDep,
    _: SiteAdmin,
    site: Annotated[str, Query(min_length=2, max_length=12)],
    places: Annotated[str, Query(min_length=1, max_length=20_000)],
) -> Response:
    """The sheet as intake makes it for this admin (their sites only)."""
    pairs = places_of(places)
    params = [("place", p) for p, _ in pairs] + [("asset", a) for _, a in pairs]
    url = f"{settings.intake_url.rstrip('/')}/sites/{site.upper()}/qr-sheet.svg"
    return await relay(request, url, params, "qr.no_form")
