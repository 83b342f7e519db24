"""The server's own settings, on a real uvicorn server over loopback."""

import asyncio
import base64
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from complaint_desk.shared.serve import server_config
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.tools.devstack.postgres import free_port


async def _client_host(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.client.host if request.client else "?")


APP = Starlette(routes=[Route("/who", _client_host)])


@asynccontextmanager
async def _running(config: uvicorn.Config) -> AsyncIterator[str]:
    """A real uvicorn server on loopback for the test's duration: its base URL."""
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes no event to wait on
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        await task


def _ours(**settings: str) -> uvicorn.Config:
    """The services' own server settings, on a free port."""
    return server_config(
        APP,
        ServiceSettings(host="127.0.0.1", port=free_port(), **settings),  # type: ignore[arg-type]
    )


async def test_a_forwarded_address_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.7"}
    async with _running(_ours()) as base, httpx.AsyncClient() as client:
        assert (await client.get(f"{base}/who", headers=spoofed)).text == "127.0.0.1"
    trusted = _ours(TRUSTED_PROXIES="127.0.0.1")
    async with _running(trusted) as base, httpx.AsyncClient() as client:
        assert (await client.get(f"{base}/who", headers=spoofed)).text == "203.0.113.7"


@pytest.mark.parametrize("service", ["intake", "sla", "notify", "projections"])
def test_a_service_refuses_to_start_in_production_with_default_secrets(service: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DESK_PROFILE" and not k.endswith("_KEY")}
    env |= {"INTEGRATION_SIGNING_SECRET": "change-me", "DATABASE_URL": "postgresql://nowhere/x"}
    ran = subprocess.run(
        [sys.executable, "-m", f"complaint_desk.services.{service}"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode != 0
    assert "refusing to start with default or weak secrets" in ran.stderr
    assert "INTEGRATION_SIGNING_SECRET" in ran.stderr and "PERSONAL_DATA_KEY" in ran.stderr
    own = {"intake": "INTAKE_CONTACT_KEY_SECRET", "notify": "NOTIFY_CALLBACK_SECRET",
           "projections": "PROJECTIONS_CONTACT_KEY_SECRET"}.get(service)  # fmt: skip
    assert own is None or own in ran.stderr


def test_strong_secrets_pass_and_development_accepts_the_defaults() -> None:
    strong = ServiceSettings(
        PERSONAL_DATA_KEY=base64.b64encode(os.urandom(32)).decode(),
        INTEGRATION_SIGNING_SECRET=secrets.token_urlsafe(24),
    )
    assert strong.insecure_secrets() == []
    strong.refuse_insecure_secrets()
    ServiceSettings(DESK_PROFILE="development").refuse_insecure_secrets()
    assert ServiceSettings(DESK_PROFILE="development").cookies_secure is False
    assert ServiceSettings().cookies_secure is True, "secure cookies outside development"


async def test_a_client_that_sends_nothing_or_its_headers_slowly_is_closed() -> None:
    config = _ours(HTTP_HEADER_TIMEOUT_SECONDS="0.3")
    async with _running(config) as base:
        for opening in (b"", b"GET /who HTTP/1.1\r\nHost: x\r\n"):  # silent; headers unfinished
            reader, writer = await asyncio.open_connection("127.0.0.1", config.port)
            writer.write(opening)
            await writer.drain()
            # The server closes it: the read ends (bounded, so a failure cannot hang the run).
            assert await asyncio.wait_for(reader.read(), timeout=10) == b""
            writer.close()
        async with httpx.AsyncClient() as client:  # a client that sends its request is served
            assert (await client.get(f"{base}/who")).status_code == 200


async def test_without_the_deadline_a_silent_client_would_hold_its_connection() -> None:
    plain = uvicorn.Config(APP, host="127.0.0.1", port=free_port(), log_config=None)
    async with _running(plain):
        reader, writer = await asyncio.open_connection("127.0.0.1", plain.port)
        with pytest.raises(TimeoutError):  # the positive control: plain uvicorn keeps it open
            await asyncio.wait_for(reader.read(), timeout=1.0)
        writer.close()


async def test_headers_without_end_are_refused_and_a_large_body_is_not_mistaken_for_them() -> None:
    config = _ours(HTTP_MAX_HEADER_BYTES="4096")
    async with _running(config) as base:
        reader, writer = await asyncio.open_connection("127.0.0.1", config.port)
        writer.write(b"GET /who HTTP/1.1\r\nHost: x\r\n")
        for n in range(20):  # 20 KiB of headers, in time, never ending
            writer.write(f"X-Pad-{n}: {'a' * 1000}\r\n".encode())
            await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)  # then closed
        writer.close()
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert "請求標頭過大" in answer.decode()
        async with httpx.AsyncClient() as client:  # a body far past the limit is a body
            served = await client.post(f"{base}/who", content=b"x" * 200_000)
            assert served.status_code == 405  # /who takes GET: the request reached routing
            assert (await client.get(f"{base}/who", headers={"X-Ok": "a" * 2000})).text


async def _response_head(reader: asyncio.StreamReader) -> bytes:
    """One response's status line and headers (bounded, so a failure cannot hang the run)."""
    return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)


async def test_the_rest_of_a_body_answered_early_is_not_counted_as_headers() -> None:
    config = _ours(HTTP_MAX_HEADER_BYTES="4096")
    async with _running(config):
        reader, writer = await asyncio.open_connection("127.0.0.1", config.port)
        size = 256 * 1024  # far past the header limit
        writer.write(f"POST /who HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode())
        await writer.drain()
        head = await _response_head(reader)  # answered before its body is read (as a 413 is)
        assert head.startswith(b"HTTP/1.1 405 ")
        length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
                     .split(b":")[1])  # fmt: skip
        await reader.readexactly(length)
        writer.write(b"x" * size)  # the body still arrives after the answer
        writer.write(b"GET /who HTTP/1.1\r\nHost: x\r\n\r\n")  # then the next request
        await writer.drain()
        assert (await _response_head(reader)).startswith(b"HTTP/1.1 200 "), "served, not 431"
        writer.close()


async def test_a_request_the_parser_cannot_read_is_refused_in_words() -> None:
    config = _ours()
    async with _running(config):
        reader, writer = await asyncio.open_connection("127.0.0.1", config.port)
        writer.write(b"RTXMETHOD /who HTTP/1.1\r\nHost: x\r\n\r\n")  # a method nobody defined
        await writer.drain()
        answer = (await asyncio.wait_for(reader.read(), timeout=10)).decode()  # then closed
        writer.close()
        assert answer.startswith("HTTP/1.1 400 ")
        assert "無法解讀的請求" in answer and "Invalid HTTP request" in answer
