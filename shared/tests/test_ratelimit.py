"""The per-client rate limit, on a small ASGI app and a clock the test moves."""

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from shared.ratelimit import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _client(limit: RateLimit) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=limit), base_url="http://t")


async def _ok(_: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


APP = Starlette(routes=[Route("/x", _ok), Route("/health", _ok), Route("/metrics", _ok)])


async def test_a_client_over_its_rate_gets_429_with_retry_after_and_others_do_not() -> None:
    clock = Clock()
    limit = RateLimit(APP, per_second=2, burst=3, clock=clock)
    async with _client(limit) as c:
        codes = [(await c.get("/x")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429], "a burst of 3, then refused"
        refused = await c.get("/x")
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["error"]["code"] == "rate_limited"
        assert "請求過於頻繁" in refused.json()["error"]["message_zh"]
        other = await c.get("/x", headers={"authorization": "Bearer other"})
        assert other.status_code == 200, "another client (by its token) has its own bucket"
        assert (await c.get("/health")).status_code == 200, "probes are never limited"
        clock.now += 0.5  # one token back at 2 a second
        assert (await c.get("/x")).status_code == 200
        assert (await c.get("/x")).status_code == 429


async def test_no_limit_when_the_rate_is_zero() -> None:
    async with _client(RateLimit(APP, per_second=0, burst=1, clock=Clock())) as c:
        assert {(await c.get("/x")).status_code for _ in range(50)} == {200}
