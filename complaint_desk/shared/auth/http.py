"""Authentication and authorization on HTTP: a bearer token (integrations, scripts) or the
console's session cookie, then the principal's permission and sites.

Every route of every service depends on :func:`require` unless it is in ``PUBLIC``;
:func:`assert_every_route_guarded` checks that when an app is built."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from complaint_desk.shared import metrics
from complaint_desk.shared.auth import store
from complaint_desk.shared.auth.roles import OutOfScope, Permission, Principal
from complaint_desk.shared.auth.secrets import token_digest
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.ratelimit import SESSION_COOKIE

# Paths anyone may fetch: liveness, metrics (no personal data, no ids), the API documents,
# the complainant's signed callback link, the console's sign-in and its static files, and
# the complainant's own pages (the report form, gated per site, and the signed status link),
# and Open311 (its POST checks the api_key itself; reads without one omit descriptions).
PUBLIC = frozenset(
    {
        "/health", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc",
        "/asyncapi", "/asyncapi.json", "/callback/{token}", "/", "/console/sign-in",
        "/console/static/{name}", "/report/{site}", "/status/{token}", "/status/{token}/message",
        "/status/{token}/escalate",
        *(f"/open311/v2{p}" for p in (
            "/discovery.{response_format}", "/services.{response_format}",
            "/services/{service_code}.{response_format}", "/requests.{response_format}",
            "/requests/{service_request_id}.{response_format}",
            "/request/{service_request_id}.{response_format}",
            "/tokens/{token_id}.{response_format}",
        )),
    }
)  # fmt: skip
CACHE_SECONDS = 5.0  # a revoked credential stops working within this

_bearer = HTTPBearer(auto_error=False, description="API token / API 權杖 (desk_…)")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Console session")
_cache: dict[bytes, tuple[Principal | None, float]] = {}


def _refuse(reason: str, message: str, message_zh: str) -> ApiError:
    metrics.AUTH_REFUSED.labels("http", reason).inc()
    return ApiError(
        401, reason, message, message_zh, headers={"WWW-Authenticate": 'Bearer realm="desk"'}
    )


async def _lookup(request: Request, token: str) -> Principal | None:
    return await principal_for(request.app, token)


async def principal_for(app: Any, token: str) -> Principal | None:
    """The principal a bearer secret authenticates in ``app``'s service (cached briefly,
    failures too, so junk credentials cost one lookup each per few seconds at most)."""
    digest = token_digest(token)
    hit = _cache.get(digest)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        return hit[0]
    pool = app.state.runtime.pool
    principal = await store.authenticate(pool, token) if pool is not None else None
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[digest] = (principal, now + CACHE_SECONDS)
    return principal


async def principal_id(app: Any, token: str) -> str | None:
    """For the rate limiter: which principal a secret is, by id."""
    principal = await principal_for(app, token)
    return str(principal.id) if principal is not None else None


def forget_cached(token: str) -> None:
    _cache.pop(token_digest(token), None)


async def current_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """Who is asking: from ``Authorization: Bearer <token>`` or the console's session cookie."""
    token = bearer.credentials if bearer else session
    if not token:
        raise _refuse(
            "unauthenticated",
            "Sign in, or send an API token: Authorization: Bearer <token>",
            "請先登入，或以 Authorization: Bearer <權杖> 提供 API 權杖",
        )
    principal = await _lookup(request, token)
    if principal is None:
        raise _refuse(
            "invalid_credential",
            "The token or session is unknown, expired or revoked",
            "權杖或登入階段無效、已過期或已撤銷",
        )
    request.state.principal = principal
    return principal


def forbidden(message: str, message_zh: str) -> ApiError:
    metrics.AUTH_REFUSED.labels("http", "forbidden").inc()
    return ApiError(403, "forbidden", message, message_zh)


def require(
    *any_of: Permission, organisation_wide: bool = False
) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the principal, if it holds one of ``any_of`` (none named: any
    authenticated principal) and, where asked, serves every site."""

    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if any_of and not any(principal.can(p) for p in any_of):
            wanted = " or ".join(p.value for p in any_of)
            raise forbidden(
                f"Your role ({principal.role}) lacks the permission: {wanted}",
                f"您的角色（{principal.role}）沒有此權限：{wanted}",
            )
        if organisation_wide and not principal.organisation_wide:
            raise forbidden(
                "Only a principal serving every site may do this",
                "此操作僅限負責所有院區的帳號",
            )
        return principal

    return dependency


def site_forbidden(site: str) -> ApiError:
    return forbidden(f"Site {site} is not among yours", f"院區 {site} 不在您的權限範圍內")


def scope(principal: Principal, requested: str | None) -> list[str] | None:
    """The sites a query may cover (None: all); 403 for a site not the principal's."""
    try:
        return principal.scope(requested)
    except OutOfScope as exc:
        raise site_forbidden(exc.site) from None


def check_site(principal: Principal, site: str) -> None:
    """403 unless the principal serves ``site`` (a site named in the request)."""
    if not principal.sees(site):
        raise site_forbidden(site.upper())


def _depends_on(dependant: object, target: Callable[..., object]) -> bool:
    for dep in getattr(dependant, "dependencies", []):
        if dep.call is target or _depends_on(dep, target):
            return True
    return False


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route of the app, those of included routers too (which FastAPI 0.165
    keeps behind a lazy include rather than copying into ``app.routes``)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies included routes into app.routes
        return [r for r in app.routes if isinstance(r, APIRoute)]
    return [c.route for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)]


def unguarded_routes(app: FastAPI) -> list[str]:
    """Routes outside ``PUBLIC`` that do not authenticate."""
    return [
        f"{','.join(sorted(route.methods or ()))} {route.path}"
        for route in api_routes(app)
        if route.path not in PUBLIC and not _depends_on(route.dependant, current_principal)
    ]


def assert_every_route_guarded(app: FastAPI) -> None:
    missing = unguarded_routes(app)
    if missing:
        raise RuntimeError(f"routes without authentication: {', '.join(missing)}")
