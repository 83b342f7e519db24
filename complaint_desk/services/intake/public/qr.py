"""Printable sheets of QR codes for a site's report form: one code per place (and piece of
equipment), each opening the form prefilled. SVG (segno), A4, two columns, each code with
its place written under it; a site admin prints it from the console."""

from __future__ import annotations

from html import escape
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import check_site, require
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import UnitOfWorkDep
from complaint_desk.shared.uow import UnitOfWork

from ..repository import RegistryStore
from ..settings import IntakeSettings, SettingsDep
from .pages import form_url

router = APIRouter(tags=["channels"])
Code = tuple[str, str, str]  # the place as people call it, the equipment's code, the place's
Admin = Annotated[Principal, Depends(require(Permission.CONFIGURE_SITE))]

# A4 in millimetres: two columns of codes, four rows a page.
PAGE_W, PAGE_H, COLUMNS, ROWS, CODE = 210, 297, 2, 4, 52


def sheet(settings: IntakeSettings, site: str, places: list[tuple[str, str]] | list[Code]) -> str:
    """The SVG of the site's sheets: ``places`` as (place, equipment) pairs, or as the
    registry's codes (place name, equipment code, place code)."""
    per_page = COLUMNS * ROWS
    pages = max(1, -(-len(places) // per_page))
    cell_w, cell_h = PAGE_W / COLUMNS, (PAGE_H - 20) / ROWS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W}mm" '
        f'height="{PAGE_H * pages}mm" viewBox="0 0 {PAGE_W} {PAGE_H * pages}">',
        '<style>text{font-family:"WenQuanYi Zen Hei","Noto Sans TC",sans-serif}</style>',
    ]
    name = escape(settings.public_sites.get(site, site))
    for page in range(pages):
        top = page * PAGE_H
        parts.append(
            f'<text x="{PAGE_W / 2}" y="{top + 12}" font-size="6" text-anchor="middle">'
            f"{name}：掃描 QR 碼反映問題 / Scan to report a problem</text>"
        )
        for i, entry in enumerate(places[page * per_page : (page + 1) * per_page]):
            place, asset, place_code = entry[0], entry[1], entry[2] if len(entry) > 2 else ""
            x = (i % COLUMNS) * cell_w + (cell_w - CODE) / 2
            y = top + 18 + (i // COLUMNS) * cell_h
            url = form_url(settings, site, place, asset, place_code)
            code = segno.make(url, error="m")
            size = code.symbol_size(scale=1, border=0)[0]
            inner = code.svg_inline(scale=1, border=0, omitsize=True)
            parts.append(
                f'<g transform="translate({x:.1f} {y:.1f}) scale({CODE / size:.4f})">'
                f"{_paths(inner)}</g>"
            )
            caption = escape(place + (f" · {asset}" if asset else ""))
            parts.append(
                f'<text x="{x + CODE / 2:.1f}" y="{y + CODE + 7:.1f}" font-size="4.5" '
                f'text-anchor="middle">{caption}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _paths(svg: str) -> str:
    """The drawing inside segno's <svg> element, to place it on the sheet."""
    return svg[svg.index(">") + 1 : svg.rindex("</svg>")]


@router.get(
    "/sites/{site}/qr-sheet.svg",
    summary="QR codes of the site's report form / 院區 QR 碼",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, 404: {"description": "No public form"}},
)
async def qr_sheet(
    site: str,
    settings: SettingsDep,
    principal: Admin,
    uow: UnitOfWorkDep,
    place: Annotated[list[str] | None, Query(max_length=200)] = None,
    asset: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> Response:
    """A printable sheet (SVG, A4) of QR codes, one per ``place`` (with the ``asset`` at the
    same position, if any), each opening the site's report form prefilled. Without places:
    the site's registry, a code for each piece of equipment and each place."""
    site = site.upper()
    check_site(principal, site)
    if site not in settings.public_sites:
        raise ApiError(
            404, "no_public_form", f"{site} has no public report form",
            f"{site} 院區未開放線上反映（INTAKE_PUBLIC_SITES）",
        )  # fmt: skip
    entries: list[tuple[str, str]] | list[Code]
    if place:
        assets = (asset or []) + [""] * len(place)
        pairs = [(p.strip()[:200], a.strip()[:200]) for p, a in zip(place, assets, strict=False)]
        entries = [(p, a) for p, a in pairs if p]
    else:
        entries = await _registered(uow, site)
    return Response(
        sheet(settings, site, entries), media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="qr-{site}.svg"'},
    )  # fmt: skip


async def _registered(uow: UnitOfWork, site: str) -> list[Code]:
    """A code per piece of equipment (at its place), then per place."""
    async with uow() as conn:
        store = RegistryStore(conn)
        places = {r["code"]: r["name"] for r in await store.places(site)}
        assets = await store.assets(site)
    found: list[Code] = [
        (places.get(a["place"] or "", a["name"]), a["code"], a["place"] or "") for a in assets
    ]
    return found + [(name, "", code) for code, name in places.items()]
