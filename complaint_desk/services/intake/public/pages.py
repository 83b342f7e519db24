"""The complainant's pages over HTTP: the report form (``/report/{site}``, opened from a link
or a QR code) and the status page (``/status/{token}``). Plain HTML that works without
script, phone first; Traditional Chinese, English with ``?lang=en``. A GET changes nothing;
every refusal is a page that says why."""

from __future__ import annotations

import hmac
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from complaint_desk.contract.events import utcnow
from complaint_desk.contract.events.complaints import Channel
from complaint_desk.shared import links
from complaint_desk.shared.throttle import Throttle

from .. import attachments
from .. import commands as c
from ..refusals import ComplaintNotFound, IllegalTransition, NothingOverdue, Refusal
from ..settings import IntakeSettings, settings_for
from . import service
from .texts import CATEGORY_CHOICES, FIELD_NAMES, URGENCY_WORDS, Lang, Texts
from .view import CATEGORY_WORDS

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
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


def form_url(settings: IntakeSettings, site: str, place: str = "", asset: str = "") -> str:
    """The form's address for a place (and equipment), as its QR code carries it."""
    query: dict[str, str] = {"via": "qr"}
    if place:
        query["place"] = place
    if asset:
        query["asset"] = asset
    if site in settings.form_token_sites:
        query["t"] = site_token(settings, site)
    return f"{settings.public_base_url.rstrip('/')}/report/{site}?{urlencode(query)}"


def _lang(request: Request, form: FormData | None = None) -> Lang:
    value = (form.get("lang") if form is not None else None) or request.query_params.get("lang")
    return "en" if value == "en" else "zh-Hant"


def _page(request: Request, lang: Lang, name: str, status: int = 200, **context: Any) -> Response:
    settings = settings_for(request)
    zone = ZoneInfo(settings.number_timezone)

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"

    other = "en" if lang == "zh-Hant" else "zh-Hant"
    response = templates.TemplateResponse(
        request, name,
        {"t": Texts(lang), "lang": lang, "other": other, "when": when, **context},
        status_code=status,
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the status link is a credential
    return response


def _refused(request: Request, lang: Lang, status: int, message: str, **headers: str) -> Response:
    response = _page(request, lang, "refused.html", status, message=message)
    response.headers.update(headers)
    return response


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


def _form_context(settings: IntakeSettings, site: str, values: dict[str, str]) -> dict[str, Any]:
    return {
        "site": site, "site_name": settings.public_sites.get(site, site), "values": values,
        "categories": [(code, CATEGORY_WORDS[code]) for code in CATEGORY_CHOICES],
        "urgencies": list(URGENCY_WORDS.items()), "max_files": settings.form_max_files,
    }  # fmt: skip


def _gate(request: Request, lang: Lang, site: str, token: str | None) -> Response | None:
    """The page that refuses this site's form, if it is refused."""
    settings = settings_for(request)
    if site not in settings.public_sites:
        return _refused(request, lang, 404, Texts(lang)("err.no_site"))
    if site in settings.form_token_sites and not hmac.compare_digest(
        token or "", site_token(settings, site)
    ):
        return _refused(request, lang, 403, Texts(lang)("err.token"))
    return None


@router.get("/report/{site}")
async def report_form(request: Request, site: str) -> Response:
    """The form, prefilled from the QR code's place and equipment; the open reports of the
    same place are offered to join once the kind of problem is chosen."""
    q = request.query_params
    lang, site = _lang(request), site.upper()
    if (refused := _gate(request, lang, site, q.get("t"))) is not None:
        return refused
    settings = settings_for(request)
    values = {
        "location": q.get("place", "")[:200], "asset": q.get("asset", "")[:200],
        "via": "qr" if q.get("via") == "qr" else "web", "t": q.get("t", "")[:64],
        "category": q.get("category", ""), "urgency": "normal",
    }  # fmt: skip
    return _page(request, lang, "form.html", **_form_context(settings, site, values))


def _photos(form: FormData) -> list[UploadFile]:
    return [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]


def _errors(t: Texts, exc: ValidationError) -> list[str]:
    found = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = t.pick(FIELD_NAMES.get(field, (field, field)))
        found.append(name)
    return sorted(set(found))


async def _read_form(request: Request, max_files: int) -> FormData | None:
    try:
        return await request.form(max_files=max_files, max_fields=40)
    except HTTPException:
        return None  # more files or fields than a form has


@router.post("/report/{site}")
async def report_sent(request: Request, site: str) -> Response:
    settings, site = settings_for(request), site.upper()
    form = await _read_form(request, settings.form_max_files)
    lang = _lang(request, form)
    t = Texts(lang)
    if form is None:
        return _refused(request, lang, 413, t("err.too_many_files", n=settings.form_max_files))
    if (refused := _gate(request, lang, site, str(form.get("t") or ""))) is not None:
        return refused
    if form.get("website"):
        return _refused(request, lang, 400, t("err.honeypot"))
    by_address, by_site = _throttles(request)
    address = request.client.host if request.client else "unknown"
    for throttle, key, message in ((by_address, address, "err.rate_address"),
                                   (by_site, site, "err.rate_site")):  # fmt: skip
        if (wait := throttle.wait(key)) > 0:
            minutes = max(1, round(wait / 60))
            return _refused(
                request, lang, 429, t(message, minutes=minutes), **{"Retry-After": str(int(wait))}
            )
    values = {k: str(form.get(k) or "").strip() for k in (*FORM_FIELDS, "via", "t")}
    context = _form_context(settings, site, values)
    photos = _photos(form)
    channel = Channel.QR if values["via"] == "qr" else Channel.WEB
    body = {k: v for k, v in values.items() if k in FORM_FIELDS and v}
    body |= {"site": site, "channel": channel.value, "urgency": values["urgency"] or "normal"}
    body.setdefault("description", "")
    try:
        command = c.ReceiveComplaint.model_validate(body)
    except ValidationError as exc:
        return _page(request, lang, "form.html", 422, errors=_errors(t, exc), **context)
    if not (command.phone or command.email):
        return _page(request, lang, "form.html", 422, errors=[t("err.contact")], **context)
    limits = attachments.Limits(
        settings.attachment_types, settings.attachment_max_bytes,
        settings.attachments_per_complaint_max_bytes,
    )  # fmt: skip
    try:
        uploads = [attachments.check(p.file, p.filename or "photo", limits) for p in photos]
    except Refusal as exc:
        status = 413 if exc.code == "file_too_large" else 415
        return _page(request, lang, "form.html", status, errors=[_file_error(t, exc)], **context)
    same_as = str(form.get("same_as") or "") or None
    if same_as is None and not form.get("separate"):
        found = await service.open_reports(
            request.app.state.runtime.uow, site=site, location=command.location,
            category=command.category.value, asset=command.asset,
        )  # fmt: skip
        if found:
            reselect = [t("err.reload_photos")] if photos else []
            return _page(
                request, lang, "form.html", 200, duplicates=found, notes=reselect, **context
            )
    runtime = request.app.state.runtime
    receipt = await service.report(
        runtime.uow, runtime.keyring, settings, command, uploads, same_as=same_as
    )
    by_address.fail(address)  # counted: a report made
    by_site.fail(site)
    link = links.status_url(
        settings.public_base_url, settings.status_link_secret, receipt.complaint_id
    )
    return _page(request, lang, "done.html", 201, number=receipt.number, joined=same_as, link=link)


def _file_error(t: Texts, exc: Refusal) -> str:
    """The refusal's own words (they name the file and the limit), in the page's language."""
    return exc.message_zh if t.lang == "zh-Hant" else exc.message


async def _status_page(request: Request, token: str, lang: Lang) -> service.StatusPage | Response:
    settings = settings_for(request)
    t = Texts(lang)
    try:
        complaint_id = links.read(settings.status_link_secret, "status", token)
        page = await service.status(
            request.app.state.runtime.uow, complaint_id, utcnow(),
            settings.status_link_days_after_close,
        )  # fmt: skip
    except (links.BadLink, ComplaintNotFound):
        return _refused(request, lang, 404, t("err.bad_link"))
    if page.expired:
        return _refused(request, lang, 410, t("err.expired"))
    return page


def _status(
    request: Request,
    lang: Lang,
    token: str,
    page: service.StatusPage,
    status: int = 200,
    **extra: Any,
) -> Response:
    t = Texts(lang)
    return _page(
        request, lang, "status.html", status, page=page, view=page.shown, token=token,
        late_words=[t(f"late.{w}") for w in page.overdue], **extra,
    )  # fmt: skip


@router.get("/status/{token}")
async def status_page(request: Request, token: str) -> Response:
    """Where the complaint stands. Opening it records nothing (mail scanners open links)."""
    lang = _lang(request)
    page = await _status_page(request, token, lang)
    if isinstance(page, Response):
        return page
    done = request.query_params.get("done")
    return _status(
        request, lang, token, page, done=done if done in ("added", "escalated") else None
    )


@router.post("/status/{token}/message")
async def status_message(request: Request, token: str) -> Response:
    settings = settings_for(request)
    form = await _read_form(request, settings.form_max_files)
    lang = _lang(request, form)
    t = Texts(lang)
    if form is None:
        return _refused(request, lang, 413, t("err.too_many_files", n=settings.form_max_files))
    page = await _status_page(request, token, lang)
    if isinstance(page, Response):
        return page
    text = str(form.get("text") or "").strip()
    if not text or len(text) > 4000:
        return _status(request, lang, token, page, 422, errors=[t.pick(FIELD_NAMES["text"])])
    limits = attachments.Limits(
        settings.attachment_types, settings.attachment_max_bytes,
        settings.attachments_per_complaint_max_bytes,
    )  # fmt: skip
    try:
        uploads = [attachments.check(p.file, p.filename or "photo", limits) for p in _photos(form)]
        await service.add_message(
            request.app.state.runtime.uow, settings, page, text, uploads, utcnow()
        )
    except IllegalTransition:
        return _refused(request, lang, 409, t("err.not_now"))
    except Refusal as exc:
        status = 413 if exc.code == "file_too_large" else 415
        return _status(request, lang, token, page, status, errors=[_file_error(t, exc)])
    return RedirectResponse(f"/status/{token}?done=added&lang={lang}", status_code=303)


@router.post("/status/{token}/escalate")
async def status_escalate(request: Request, token: str) -> Response:
    form = await _read_form(request, 0)
    lang = _lang(request, form)
    t = Texts(lang)
    page = await _status_page(request, token, lang)
    if isinstance(page, Response):
        return page
    reason = str(form.get("reason") or "").strip()[:4000] if form is not None else ""
    try:
        await service.request_escalation(
            request.app.state.runtime.uow, page, reason or None, utcnow()
        )
    except NothingOverdue:
        return _refused(request, lang, 409, t("err.not_late"))
    except IllegalTransition:
        return _refused(request, lang, 409, t("err.not_now"))
    return RedirectResponse(f"/status/{token}?done=escalated&lang={lang}", status_code=303)
