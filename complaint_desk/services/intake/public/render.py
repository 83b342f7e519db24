"""Rendering the complainant's pages: their language (Traditional Chinese, English with
``?lang=en`` or the form's ``lang``), times in the desk's zone, and refusals as pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from .. import attachments
from ..refusals import Refusal
from ..settings import IntakeSettings, settings_for
from .texts import Lang, Texts

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def limits_of(settings: IntakeSettings) -> attachments.Limits:
    return attachments.Limits(
        settings.attachment_types, settings.attachment_max_bytes,
        settings.attachments_per_complaint_max_bytes,
    )  # fmt: skip


def lang_of(request: Request, form: FormData | None = None) -> Lang:
    value = (form.get("lang") if form is not None else None) or request.query_params.get("lang")
    return "en" if value == "en" else "zh-Hant"


def show(request: Request, lang: Lang, name: str, status: int = 200, **context: Any) -> Response:
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


def refusal(request: Request, lang: Lang, status: int, message: str, **headers: str) -> Response:
    response = show(request, lang, "refused.html", status, message=message)
    response.headers.update(headers)
    return response


def uploads_of(form: FormData) -> list[UploadFile]:
    return [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]


async def read_form(request: Request, max_files: int) -> FormData | None:
    try:
        return await request.form(max_files=max_files, max_fields=40)
    except HTTPException:
        return None  # more files or fields than a form has


def file_error(t: Texts, exc: Refusal) -> str:
    """The refusal's own words (they name the file and the limit), in the page's language."""
    return exc.message_zh if t.lang == "zh-Hant" else exc.message
