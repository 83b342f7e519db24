"""The console's sign-in: a name and password give a session cookie (HttpOnly, SameSite=Lax,
so another site's form cannot act with it); the session is a credential like an API token,
kept only as a digest, and the console forwards it to intake with each command."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from complaint_desk.shared.auth import Principal, store
from complaint_desk.shared.auth.http import current_principal, forget_cached
from complaint_desk.shared.ratelimit import SESSION_COOKIE
from complaint_desk.shared.runtime.deps import PoolDep
from complaint_desk.shared.throttle import Throttle

from ..settings import SettingsDep
from .csrf import SameOriginForm, check_origin
from .render import render, texts

router = APIRouter(include_in_schema=False)


# Password guessing: five failures for a name, or twenty from one address, within 15 minutes
# hold that name (or address) back, whatever the password; scrypt makes each check costly.
BY_NAME, BY_ADDRESS = Throttle(5, 15 * 60), Throttle(20, 15 * 60)


def _safe_next(target: str | None) -> str:
    """Only a path of the console: never another site (an open redirect)."""
    if target and target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return "/console"


@router.get("/console/sign-in")
async def sign_in_form(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    return render(request, "signin.html", next=_safe_next(next), error=None, user_name="")


@router.post("/console/sign-in", dependencies=[Depends(check_origin)])
async def sign_in(
    request: Request,
    pool: PoolDep,
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=500)],
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    who, where = name.strip().casefold(), request.client.host if request.client else "?"
    seconds = max(BY_NAME.wait(who), BY_ADDRESS.wait(where))
    if seconds:
        wait = int(seconds) // 60 + 1
        response = render(
            request,
            "signin.html",
            429,
            next=_safe_next(next),
            error=texts(request)("signin.throttled", minutes=wait),
            user_name=name,
        )
        response.headers["Retry-After"] = str(wait * 60)
        return response
    token = await store.sign_in(
        pool, name.strip(), password, timedelta(hours=settings.session_hours)
    )
    if token is None:
        BY_NAME.fail(who)
        BY_ADDRESS.fail(where)
        t = texts(request)
        return render(
            request,
            "signin.html",
            401,
            next=_safe_next(next),
            error=t("signin.failed"),
            user_name=name,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure or request.url.scheme == "https",
    )
    return response


@router.post("/console/sign-out", dependencies=[SameOriginForm])
async def sign_out(
    request: Request, pool: PoolDep, _: Annotated[Principal, Depends(current_principal)]
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await store.revoke(pool, token)
        forget_cached(token)
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def credential(request: Request) -> dict[str, str]:
    """The signed-in person's credential, for the commands the console sends on their behalf."""
    token = request.cookies.get(SESSION_COOKIE)
    if token is None:
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() or None
    return {"Authorization": f"Bearer {token}"} if token else {}
