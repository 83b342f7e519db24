"""HTTP conventions every service shares: bilingual error bodies, a body-size limit, request
metrics, and the /health and /metrics endpoints."""

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import logging as desk_logging
from . import metrics
from .ratelimit import RateLimit

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


class ApiError(Exception):
    """An error a client caused, with its message in English and Traditional Chinese."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        message_zh: str,
        headers: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.code = status, code
        self.message, self.message_zh = message, message_zh
        self.headers = headers
        self.details = details


def error_body(code: str, message: str, message_zh: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "message_zh": message_zh, **details}}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": _field_path(tuple(e.get("loc", ()))), "reason": e.get("msg", "invalid")}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
    return JSONResponse(
        status_code=422,
        content=error_body(
            "validation_error",
            f"Invalid request: {summary}",
            f"請求內容有誤：{summary}",
            fields=fields,
        ),
    )


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    sign_in = getattr(request.app.state, "sign_in_path", None)
    if exc.status == 401 and sign_in and "text/html" in request.headers.get("accept", ""):
        # A person in a browser is sent to sign in, and brought back afterwards.
        return RedirectResponse(f"{sign_in}?{urlencode({'next': request.url.path})}", 303)
    return JSONResponse(
        status_code=exc.status,
        content=error_body(exc.code, exc.message, exc.message_zh, **exc.details),
        headers=exc.headers,
    )


_STATUS_ZH = {
    404: "找不到資源",
    405: "不支援此方法",
    413: "請求內容過大",
    415: "不支援的內容類型",
}


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "Request error"
    return JSONResponse(
        status_code=exc.status_code,
        content=error_body(
            f"http_{exc.status_code}", detail, _STATUS_ZH.get(exc.status_code, "請求錯誤")
        ),
        headers=getattr(exc, "headers", None),
    )


# Text PostgreSQL cannot store (a NUL character) or that is not Unicode at all (a lone
# surrogate): the client's input, refused before anything was written (the transaction that
# met it rolled back).
_UNSTORABLE_TEXT: tuple[type[Exception], ...] = (
    asyncpg.CharacterNotInRepertoireError,
    asyncpg.UntranslatableCharacterError,
    UnicodeEncodeError,
)


async def _unstorable_text(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content=error_body(
            "invalid_text",
            "Text contains characters that cannot be stored (NUL or unpaired surrogates)",
            "文字含有無法儲存的字元（NUL 或不成對的代理字元）",
        ),
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", extra={"error": type(exc).__name__}, exc_info=exc)
    return JSONResponse(
        status_code=500,
        content=error_body("internal_error", "Internal error", "系統內部錯誤"),
    )


class BodySizeLimit:
    """Refuses bodies over the limit with 413, whether or not Content-Length is declared."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_413(send, self.max_bytes)
            return
        seen = 0
        too_large = False

        async def limited() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _send_413(send, self.max_bytes)


class _TooLarge(Exception):
    pass


async def _send_413(send: Send, limit: int) -> None:
    response = JSONResponse(
        status_code=413,
        content=error_body(
            "payload_too_large",
            f"Request body exceeds {limit} bytes",
            f"請求內容超過 {limit} 位元組上限",
        ),
    )
    await response({"type": "http"}, _noop_receive, send)


async def _noop_receive() -> Message:
    return {"type": "http.disconnect"}


async def _record_metrics(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    desk_logging.correlation_id.set(request.headers.get("x-correlation-id"))
    desk_logging.causation_id.set(None)
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    metrics.HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
    metrics.HTTP_SECONDS.labels(request.method, path).observe(time.perf_counter() - started)
    return response


def install(app: FastAPI, rate_per_second: float = 0.0, rate_burst: int = 1) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for unstorable in _UNSTORABLE_TEXT:
        app.add_exception_handler(unstorable, _unstorable_text)
    app.add_exception_handler(Exception, _unexpected)
    app.middleware("http")(_record_metrics)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RateLimit, per_second=rate_per_second, burst=rate_burst)


def ops_router(health: Callable[[], Awaitable[dict[str, Any]]]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="Liveness and dependencies / 健康檢查")
    async def get_health() -> JSONResponse:
        report = await health()
        return JSONResponse(status_code=200 if report["status"] == "ok" else 503, content=report)

    @router.get("/metrics", summary="Prometheus metrics / 監控指標", include_in_schema=False)
    async def get_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
