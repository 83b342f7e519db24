"""The per-client rate limit, on a small ASGI app and a clock the test moves."""

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from complaint_desk.shared.ratelimit import RateLimit


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
    limit = RateLimit(APP, per_second=2, burst=3, clock=clock, identify=_identify)
    async with _client(limit) as c:
        codes = [(await c.get("/x")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429], "a burst of 3, then refused"
        refused = await c.get("/x")
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["error"]["code"] == "rate_limited"
        assert "請求過於頻繁" in refused.json()["error"]["message_zh"]
        other = await c.get("/x", headers={"authorization": "Bearer good"})
        assert other.status_code == 200, "another client (by its principal) has its own bucket"
        assert (await c.get("/health")).status_code == 200, "probes are never limited"
        clock.now += 0.5  # one token back at 2 a second
        assert (await c.get("/x")).status_code == 200
        assert (await c.get("/x")).status_code == 429


async def _identify(_: object, secret: str) -> str | None:
    return {"good": "principal-1", "also-good": "principal-1", "second": "principal-2"}.get(secret)


async def test_rotating_junk_credentials_share_the_address_bucket() -> None:
    limit = RateLimit(APP, per_second=1, burst=3, clock=Clock(), identify=_identify)
    async with _client(limit) as c:
        codes = [
            (await c.get("/x", headers={"authorization": f"Bearer junk-{i}"})).status_code
            for i in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]
        # A valid session cookie beside a junk Authorization header is still the address.
        mixed = await c.get(
            "/x", headers={"authorization": "Bearer junk-x", "cookie": "desk_session=good"}
        )
        assert mixed.status_code == 429


async def test_one_principal_is_one_bucket_whatever_its_credential() -> None:
    limit = RateLimit(APP, per_second=1, burst=2, clock=Clock(), identify=_identify)
    async with _client(limit) as c:
        assert (await c.get("/x", headers={"authorization": "Bearer good"})).status_code == 200
        assert (await c.get("/x", cookies={"desk_session": "also-good"})).status_code == 200
        assert (await c.get("/x", headers={"authorization": "Bearer good"})).status_code == 429
        second = await c.get("/x", headers={"authorization": "Bearer second"})
        assert second.status_code == 200, "another principal has its own bucket"


async def test_no_limit_when_the_rate_is_zero() -> None:
    async with _client(RateLimit(APP, per_second=0, burst=1, clock=Clock())) as c:
        assert {(await c.get("/x")).status_code for _ in range(50)} == {200}
