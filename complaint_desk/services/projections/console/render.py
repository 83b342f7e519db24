"""Rendering a console page: the officer's language, times in the desk's zone, the
signed-in person."""

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from ..settings import settings_for
from .csrf import form_token
from .texts import LANGS, Lang, Texts
from .timeline import facts

HERE = Path(__file__).parent
LANG_COOKIE = "desk_lang"

templates = Jinja2Templates(directory=HERE / "templates")


def lang_of(request: Request) -> Lang:
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGS:
            return value
    return "zh-Hant"


def texts(request: Request) -> Texts:
    return Texts(lang_of(request))


def here(request: Request, **params: Any) -> str:
    """This page's address with ``params`` changed, relative: never built from the Host
    header a client sent."""
    query = urlencode({**request.query_params, **{k: str(v) for k, v in params.items()}})
    return f"{request.url.path}?{query}"


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = lang_of(request)
    settings = settings_for(request)
    zone = ZoneInfo(settings.timezone)

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"

    other = LANGS[1 - LANGS.index(lang)]
    response = templates.TemplateResponse(
        request,
        name,
        {
            "t": Texts(lang),
            "lang": lang,
            "switch_url": here(request, lang=other),
            "here": lambda **params: here(request, **params),
            "csrf": form_token(request),
            "when": when,
            "facts": lambda h: facts(
                Texts(lang), when, h["data"], h["stream_type"], h["event_type"]
            ),
            "user": getattr(request.state, "principal", None),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
