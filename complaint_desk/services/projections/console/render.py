"""Rendering a console page: the officer's language, times in the desk's zone, the
signed-in person."""

import json
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
from .timeline import facts, person, who

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


# The words console.js counts time left in (剩 1 個工作天 3 小時), from the same texts.
SPAN_KEYS = (
    "span.bday", "span.bdays", "span.day", "span.days", "span.hour", "span.minute",
    "sla.left", "sla.overdue", "sla.off_hours",
)  # fmt: skip


def span_words(t: Texts) -> str:
    return json.dumps({k: t(k, span="{span}") for k in SPAN_KEYS}, ensure_ascii=False)


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
            "who": lambda h: who(Texts(lang), h["actor"], h.get("relayed_by")),
            "person": lambda name: person(Texts(lang), name) if name else "—",
            "user": getattr(request.state, "principal", None),
            "span_words": span_words(Texts(lang)),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
