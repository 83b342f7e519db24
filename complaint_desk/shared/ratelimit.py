"""Per-client rate limits: a token bucket per client, 429 with Retry-After beyond it.

A client is the principal its credential authenticates (bearer token or console session),
else its address: junk or rotating credentials never buy a fresh bucket. The address is the
immediate peer's, or the one a trusted proxy forwarded (``TRUSTED_PROXIES``; uvicorn rewrites
the scope's client only for those). Limits are per service replica, in memory: with N
replicas behind a balancer a client gets up to N times the rate, which the limit's size
allows for."""

import json
import math
import time
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from complaint_desk.shared import metrics

# Which principal a credential authenticates (its id), or None: given the app and the secret.
Identify = Callable[[Any, str], Awaitable[str | None]]
SESSION_COOKIE = "desk_session"

EXEMPT = ("/health", "/metrics")  # probes and Prometheus' scrapes are never limited


class RateLimit:
    def __init__(
        self,
        app: ASGIApp,
        per_second: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        identify: Identify | None = None,
    ) -> None:
        self.app, self.rate, self.burst, self.clock = app, per_second, burst, clock
        self.identify = identify
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.rate <= 0 or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        client = await self._client(scope)
        now = self.clock()
        tokens, at = self.buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self.buckets[client] = (tokens, now)
            metrics.HTTP_RATE_LIMITED.inc()
            await _send_429(send, math.ceil((1.0 - tokens) / self.rate))
            return
        self.buckets[client] = (tokens - 1.0, now)
        if len(self.buckets) > 10_000:
            self._forget_idle(now)
        await self.app(scope, receive, send)

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst / self.rate  # a bucket idle this long is full again
        self.buckets = {c: b for c, b in self.buckets.items() if now - b[1] < full_after}

    async def _client(self, scope: Scope) -> str:
        secret = credential(scope)
        if secret and self.identify is not None:
            principal = await self.identify(scope.get("app"), secret)
            if principal is not None:
                return f"principal:{principal}"
        address = scope.get("client")
        return f"addr:{address[0]}" if address else "addr:unknown"


def credential(scope: Scope) -> str | None:
    """The secret a request presents: its bearer token, else its console session."""
    headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    for name, value in headers:
        if name == b"cookie":
            cookies: SimpleCookie = SimpleCookie()
            try:
                cookies.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header carries no session
                continue
            if SESSION_COOKIE in cookies:
                return cookies[SESSION_COOKIE].value
    return None


async def _send_429(send: Send, retry_after: int) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "rate_limited",
                "message": f"Too many requests; try again in {retry_after} s",
                "message_zh": f"請求過於頻繁，請於 {retry_after} 秒後再試",
            }
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(retry_after).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
