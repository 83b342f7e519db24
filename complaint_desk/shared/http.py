"""HTTP conventions every service shares: bilingual error bodies, a body-size limit, request
metrics and traces, secure headers, and the /health and /metrics endpoints.

Over 300 lines: the middleware every request passes through, read together in their order."""

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from opentelemetry.trace import SpanKind
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from complaint_desk.shared import logging as desk_logging
from complaint_desk.shared import metrics, tracing
from complaint_desk.shared.invalid import validation_error_body
from complaint_desk.shared.ratelimit import Identify, RateLimit

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
# A file upload (POST …/attachments, a dossier to verify) may be this large here; its route
# enforces the service's own, smaller, setting.
UPLOAD_PATH = re.compile(r"/(attachments|dossiers/verify|report/[^/]+|status/[^/]+/message)$")
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024


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


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content=validation_error_body(exc.errors()))


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
    """Refuses bodies over the limit with 413, whether or not Content-Length is declared. A
    body without one (chunked) is read, up to the limit, before the app sees it: an error
    raised from inside the app's own body parsing would reach the client as a 400."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        upload = scope.get("method") == "POST" and UPLOAD_PATH.search(scope.get("path", ""))
        limit = MAX_UPLOAD_BYTES if upload else self.max_bytes
        if declared is not None or upload:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await _send_413(send, limit)
                return
            await self.app(scope, receive, send)  # the server reads no more than declared
            return
        buffered: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                await _send_413(send, self.max_bytes)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


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


class RecordMetrics:
    """Counts and times each request by its route and status (Prometheus), and sets the log's
    correlation id. A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` runs the rest
    of the app in a task of its own per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        desk_logging.correlation_id.set(_header(scope, b"x-correlation-id"))
        desk_logging.causation_id.set(None)
        started = time.perf_counter()
        status = 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            metrics.HTTP_REQUESTS.labels(method, path, str(status)).inc()
            metrics.HTTP_SECONDS.labels(method, path).observe(time.perf_counter() - started)


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == name), None)


# Label values are bounded: any other method name a client invents is counted as "other",
# and a path that matched no route as "unmatched".
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# Our pages load only their own scripts and styles; nothing frames them; no address leaks to
# another site. The API documents' pages load their viewers' assets, so they get no CSP.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
DOCUMENT_VIEWERS = ("/docs", "/redoc", "/asyncapi")


class TraceRequests:
    """Each request in a span of the trace its ``traceparent`` header names (W3C), or of a
    new one: the events it records, and all they cause, carry that trace."""

    QUIET = frozenset({"/metrics", "/health"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.QUIET:
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"traceparent")
        with tracing.span(f"{scope['method']} {scope['path']}", given, SpanKind.SERVER):
            await self.app(scope, receive, send)


class SecurityHeaders:
    """Headers every answer carries (OWASP's secure headers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(SECURITY_HEADERS)
        if scope["path"] not in DOCUMENT_VIEWERS:
            extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                added = [(n, v) for n, v in extra if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, with_headers)


class HeadAsGet:
    """HEAD on a GET route answers as GET would, without the body (RFC 9110 §9.3.2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def install(
    app: FastAPI,
    rate_per_second: float = 0.0,
    rate_burst: int = 1,
    identify: Identify | None = None,
) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for unstorable in _UNSTORABLE_TEXT:
        app.add_exception_handler(unstorable, _unstorable_text)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(RecordMetrics)  # innermost: it reads the route the router matched
    app.add_middleware(BodySizeLimit)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RateLimit, per_second=rate_per_second, burst=rate_burst, identify=identify)
    app.add_middleware(TraceRequests)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, a 429 or a 413 too


def ops_router(health: Callable[[], Awaitable[dict[str, Any]]]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get(
        "/health", summary="Liveness and dependencies / 健康檢查",
        responses={200: {"content": {"application/json": {"example": {
            "status": "ok", "service": "intake", "database": "ok", "kafka": "ok",
            "outbox_relay_leader": True,
        }}}}, 503: {"description": "A dependency is down / 相依服務無法使用"}},
    )  # fmt: skip
    async def get_health() -> JSONResponse:
        """200 with each dependency's state (database, broker, consumers) when the service
        can serve; 503 with the same body when one it needs is down."""
        report = await health()
        return JSONResponse(status_code=200 if report["status"] == "ok" else 503, content=report)

    @router.get("/metrics", summary="Prometheus metrics / 監控指標", include_in_schema=False)
    async def get_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
