"""Cross-site request forgery: the console's forms are sent by the officer's browser with its
session cookie, so a page elsewhere must not be able to send them. Two checks, as OWASP's
cheat sheet recommends: the request comes from our own origin (Origin, else Referer), and a
form sent with a session cookie carries the session's token (a hidden field that a page of
another origin cannot read). API clients authenticate with a bearer token, which a browser
never adds by itself: they need neither."""

import hashlib
import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from complaint_desk.shared.auth import Principal
from complaint_desk.shared.auth.http import current_principal, forbidden
from complaint_desk.shared.ratelimit import SESSION_COOKIE

FIELD = "csrf"


def token_for(session: str) -> str:
    """The form token of a console session: derived from the session's secret, which only
    our own pages (and the browser's cookie jar) know."""
    return hashlib.sha256(b"desk-console-csrf\0" + session.encode()).hexdigest()[:40]


def form_token(request: Request) -> str:
    session = request.cookies.get(SESSION_COOKIE)
    return token_for(session) if session else ""


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from another origin."""
    sent_from = request.headers.get("origin") or request.headers.get("referer")
    if not sent_from or sent_from == "null":
        return sent_from is None  # no header: not a browser's cross-site form (token decides)
    return urlsplit(sent_from).netloc == request.headers.get("host", "")


def refuse() -> Exception:
    return forbidden(
        "This form was not sent from the console's own page; reload it and try again",
        "此表單並非由值班台本身送出，請重新載入頁面後再試",
    )


async def check_origin(request: Request) -> None:
    """For forms sent before sign-in (the sign-in form itself)."""
    if not same_origin(request):
        raise refuse()


async def check_form(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    """For forms of a signed-in officer: our origin, and the session's token."""
    if not same_origin(request):
        raise refuse()
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if not bearer and request.cookies.get(SESSION_COOKIE):
        sent = str((await request.form()).get(FIELD, ""))
        if not hmac.compare_digest(sent, form_token(request)):
            raise refuse()
    return principal


SameOriginForm = Depends(check_form)
