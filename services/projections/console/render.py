"""Rendering a console page: the officer's language, times in the desk's zone, the
signed-in person."""

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from .texts import LANGS, Lang, Texts

HERE = Path(__file__).parent
LANG_COOKIE = "desk_lang"

templates = Jinja2Templates(directory=HERE / "templates")


def lang_of(request: Request) -> Lang:
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGS:
            return value  # type: ignore[return-value]
    return "zh-Hant"


def texts(request: Request) -> Texts:
    return Texts(lang_of(request))


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = lang_of(request)
    settings = request.app.state.runtime.settings
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
            "switch_url": request.url.include_query_params(lang=other),
            "when": when,
            "user": getattr(request.state, "principal", None),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
