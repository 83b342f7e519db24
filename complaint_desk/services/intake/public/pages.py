"""The complainant's pages over HTTP: the report form (``/report/{site}``, opened from a link
or a QR code) and the status page (``/status/{token}``). Plain HTML that works without
script, phone first; Traditional Chinese, English with ``?lang=en``. A GET changes nothing;
every refusal is a page that says why."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlencode
from uuid import NAMESPACE_URL, UUID, uuid5

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from complaint_desk.contract.events.complaints import Channel
from complaint_desk.contract.words import CATEGORY_WORDS
from complaint_desk.shared import links
from complaint_desk.shared.throttle import Throttle

from .. import attachments
from .. import commands as c
from ..refusals import Refusal
from ..repository import RegistryStore
from ..settings import IntakeSettings, settings_for
from . import service
from .render import file_error, lang_of, limits_of, read_form, refusal, show, uploads_of
from .texts import CATEGORY_CHOICES, FIELD_NAMES, URGENCY_WORDS, Lang, Texts

router = APIRouter(include_in_schema=False)
HOUR = 3600.0
FORM_FIELDS = (
    "complainant_name", "department", "phone", "email", "location", "asset", "category",
    "description", "urgency",
)  # fmt: skip


def site_token(settings: IntakeSettings, site: str) -> str:
    """The token a site's QR links carry when its form opens only from them."""
    return links.sign(settings.status_link_secret, "status", _site_uuid(site))[:16]


def _site_uuid(site: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"desk-site:{site}")


def form_url(
    settings: IntakeSettings, site: str, place: str = "", asset: str = "", place_code: str = ""
) -> str:
    """The form's address for a place (and equipment), as its QR code carries it: the place
    as people call it, and the registry's codes when the sheet comes from the registry."""
    query: dict[str, str] = {"via": "qr"}
    if place:
        query["place"] = place
    if place_code:
        query["pc"] = place_code
    if asset:
        query["asset"] = asset
    if site in settings.form_token_sites:
        query["t"] = site_token(settings, site)
    return f"{settings.public_base_url.rstrip('/')}/report/{site}?{urlencode(query)}"


def _throttles(request: Request) -> tuple[Throttle, Throttle]:
    state = request.app.state
    if not hasattr(state, "report_throttles"):
        s = settings_for(request)
        state.report_throttles = (
            Throttle(s.form_per_address_per_hour, HOUR),
            Throttle(s.form_per_site_per_hour, HOUR),
        )
    throttles: tuple[Throttle, Throttle] = state.report_throttles
    return throttles


async def _form_context(
    request: Request, settings: IntakeSettings, site: str, values: dict[str, str]
) -> dict[str, Any]:
    """What the form shows besides the values: the kinds of problem, and the site's
    registered places to choose from (any other may be typed)."""
    async with request.app.state.runtime.uow() as conn:
        places = [r["name"] for r in await RegistryStore(conn).places(site)]
    return {
        "site": site, "site_name": settings.public_sites.get(site, site), "values": values,
        "categories": [(code, CATEGORY_WORDS[code]) for code in CATEGORY_CHOICES],
        "urgencies": list(URGENCY_WORDS.items()), "max_files": settings.form_max_files,
        "places": places,
    }  # fmt: skip


def _gate(request: Request, lang: Lang, site: str, token: str | None) -> Response | None:
    """The page that refuses this site's form, if it is refused."""
    settings = settings_for(request)
    if site not in settings.public_sites:
        return refusal(request, lang, 404, Texts(lang)("err.no_site"))
    if site in settings.form_token_sites and not hmac.compare_digest(
        token or "", site_token(settings, site)
    ):
        return refusal(request, lang, 403, Texts(lang)("err.token"))
    return None


@router.get("/report/{site}")
async def report_form(request: Request, site: str) -> Response:
    """The form, prefilled from the QR code's place and equipment; the open reports of the
    same place are offered to join once the kind of problem is chosen."""
    q = request.query_params
    lang, site = lang_of(request), site.upper()
    if (gated := _gate(request, lang, site, q.get("t"))) is not None:
        return gated
    settings = settings_for(request)
    values = {
        "location": q.get("place", "")[:200], "asset": q.get("asset", "")[:200],
        "via": "qr" if q.get("via") == "qr" else "web", "t": q.get("t", "")[:64],
        "place_code": q.get("pc", "")[:40],
        "category": q.get("category", ""), "urgency": "normal",
    }  # fmt: skip
    return show(request, lang, "form.html", **await _form_context(request, settings, site, values))


def _errors(t: Texts, exc: ValidationError) -> list[str]:
    found = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = t.pick(FIELD_NAMES.get(field, (field, field)))
        found.append(name)
    return sorted(set(found))


@router.post("/report/{site}")
async def report_sent(request: Request, site: str) -> Response:
    settings, site = settings_for(request), site.upper()
    form = await read_form(request, settings.form_max_files)
    lang = lang_of(request, form)
    t = Texts(lang)
    if form is None:
        return refusal(request, lang, 413, t("err.too_many_files", n=settings.form_max_files))
    if (gated := _gate(request, lang, site, str(form.get("t") or ""))) is not None:
        return gated
    if form.get("website"):
        return refusal(request, lang, 400, t("err.honeypot"))
    by_address, by_site = _throttles(request)
    address = request.client.host if request.client else "unknown"
    for throttle, key, message in ((by_address, address, "err.rate_address"),
                                   (by_site, site, "err.rate_site")):  # fmt: skip
        if (wait := throttle.wait(key)) > 0:
            minutes = max(1, round(wait / 60))
            return refusal(
                request, lang, 429, t(message, minutes=minutes), **{"Retry-After": str(int(wait))}
            )
    values = {k: str(form.get(k) or "").strip() for k in (*FORM_FIELDS, "via", "t", "place_code")}
    context = await _form_context(request, settings, site, values)
    files = uploads_of(form)
    channel = Channel.QR if values["via"] == "qr" else Channel.WEB
    body = {k: v for k, v in values.items() if k in FORM_FIELDS and v}
    body |= {"site": site, "channel": channel.value, "urgency": values["urgency"] or "normal"}
    body.setdefault("description", "")
    try:
        command = c.ReceiveComplaint.model_validate(body)
    except ValidationError as exc:
        return show(request, lang, "form.html", 422, errors=_errors(t, exc), **context)
    if not (command.phone or command.email):
        return show(request, lang, "form.html", 422, errors=[t("err.contact")], **context)
    limits = limits_of(settings)
    try:
        uploads = [attachments.check(p.file, p.filename or "photo", limits) for p in files]
    except Refusal as exc:
        status = 413 if exc.code == "file_too_large" else 415
        return show(request, lang, "form.html", status, errors=[file_error(t, exc)], **context)
    same_as = str(form.get("same_as") or "") or None
    if same_as is None and not form.get("separate"):
        found = await service.open_reports(
            request.app.state.runtime.uow, site=site, location=command.location,
            category=command.category.value, asset=command.asset,
        )  # fmt: skip
        if found:
            reselect = [t("err.reload_photos")] if files else []
            return show(
                request, lang, "form.html", 200, duplicates=found, notes=reselect, **context
            )
    runtime = request.app.state.runtime
    receipt, joined = await service.report(
        runtime.uow, runtime.keyring, settings, command, uploads, same_as=same_as,
        place_code=values["place_code"] or None,
    )  # fmt: skip
    by_address.fail(address)  # counted: a report made
    by_site.fail(site)
    link = links.status_url(
        settings.public_base_url, settings.status_link_secret, receipt.complaint_id
    )
    return show(request, lang, "done.html", 201, number=receipt.number, joined=joined, link=link)
