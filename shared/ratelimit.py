"""Per-client rate limits: a token bucket per client, 429 with Retry-After beyond it.

A client is its bearer token if it sends one (hashed, never kept), else its address. Limits
are per service replica, in memory: with N replicas behind a balancer a client gets up to N
times the rate, which the limit's size allows for."""

import hashlib
import json
import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from . import metrics

EXEMPT = ("/health", "/metrics")  # probes and Prometheus' scrapes are never limited


class RateLimit:
    def __init__(
        self,
        app: ASGIApp,
        per_second: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app, self.rate, self.burst, self.clock = app, per_second, burst, clock
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.rate <= 0 or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        client = _client(scope)
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


def _client(scope: Scope) -> str:
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            return "token:" + hashlib.sha256(value).hexdigest()[:16]
    address = scope.get("client")
    return f"addr:{address[0]}" if address else "addr:unknown"


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
