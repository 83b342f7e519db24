"""The complainant's status page (``/status/{token}``, the link their acknowledgement
carries): where the complaint stands, and what they may add to it. Opening it records
nothing; a link expires a while after the case is archived (a setting)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from complaint_desk.contract.events import utcnow
from complaint_desk.shared import links

from .. import attachments
from ..refusals import ComplaintNotFound, IllegalTransition, NothingOverdue, Refusal
from ..settings import settings_for
from . import service
from .render import file_error, lang_of, limits_of, read_form, refusal, show, uploads_of
from .texts import FIELD_NAMES, Lang, Texts

router = APIRouter(include_in_schema=False)


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
        return refusal(request, lang, 404, t("err.bad_link"))
    if page.expired:
        return refusal(request, lang, 410, t("err.expired"))
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
    return show(
        request, lang, "status.html", status, page=page, view=page.shown, token=token,
        late_words=[t(f"late.{w}") for w in page.overdue], **extra,
    )  # fmt: skip


@router.get("/status/{token}")
async def status_page(request: Request, token: str) -> Response:
    """Where the complaint stands. Opening it records nothing (mail scanners open links)."""
    lang = lang_of(request)
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
    form = await read_form(request, settings.form_max_files)
    lang = lang_of(request, form)
    t = Texts(lang)
    if form is None:
        return refusal(request, lang, 413, t("err.too_many_files", n=settings.form_max_files))
    page = await _status_page(request, token, lang)
    if isinstance(page, Response):
        return page
    text = str(form.get("text") or "").strip()
    if not text or len(text) > 4000:
        return _status(request, lang, token, page, 422, errors=[t.pick(FIELD_NAMES["text"])])
    limits = limits_of(settings)
    try:
        uploads = [
            attachments.check(p.file, p.filename or "photo", limits) for p in uploads_of(form)
        ]
        await service.add_message(
            request.app.state.runtime.uow, settings, page, text, uploads, utcnow()
        )
    except IllegalTransition:
        return refusal(request, lang, 409, t("err.not_now"))
    except Refusal as exc:
        status = 413 if exc.code == "file_too_large" else 415
        return _status(request, lang, token, page, status, errors=[file_error(t, exc)])
    return RedirectResponse(f"/status/{token}?done=added&lang={lang}", status_code=303)


@router.post("/status/{token}/escalate")
async def status_escalate(request: Request, token: str) -> Response:
    form = await read_form(request, 0)
    lang = lang_of(request, form)
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
        return refusal(request, lang, 409, t("err.not_late"))
    except IllegalTransition:
        return refusal(request, lang, 409, t("err.not_now"))
    return RedirectResponse(f"/status/{token}?done=escalated&lang={lang}", status_code=303)
