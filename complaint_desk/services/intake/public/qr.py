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

from ..settings import IntakeSettings, SettingsDep
from .pages import form_url

router = APIRouter(tags=["channels"])
Admin = Annotated[Principal, Depends(require(Permission.CONFIGURE_SITE))]

# A4 in millimetres: two columns of codes, four rows a page.
PAGE_W, PAGE_H, COLUMNS, ROWS, CODE = 210, 297, 2, 4, 52


def sheet(settings: IntakeSettings, site: str, places: list[tuple[str, str]]) -> str:
    """The SVG of the site's sheets: ``places`` as (place, equipment) pairs."""
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
        for i, (place, asset) in enumerate(places[page * per_page : (page + 1) * per_page]):
            x = (i % COLUMNS) * cell_w + (cell_w - CODE) / 2
            y = top + 18 + (i // COLUMNS) * cell_h
            code = segno.make(form_url(settings, site, place, asset), error="m")
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
    place: Annotated[list[str], Query(min_length=1, max_length=200)],
    asset: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> Response:
    """A printable sheet (SVG, A4) of QR codes, one per ``place`` (with the ``asset`` at the
    same position, if any), each opening the site's report form prefilled."""
    site = site.upper()
    check_site(principal, site)
    if site not in settings.public_sites:
        raise ApiError(
            404, "no_public_form", f"{site} has no public report form",
            f"{site} 院區未開放線上反映（INTAKE_PUBLIC_SITES）",
        )  # fmt: skip
    assets = (asset or []) + [""] * len(place)
    pairs = [(p.strip()[:200], a.strip()[:200]) for p, a in zip(place, assets, strict=False)]
    pairs = [(p, a) for p, a in pairs if p]
    return Response(
        sheet(settings, site, pairs), media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="qr-{site}.svg"'},
    )  # fmt: skip
