"""The SSRF guard: which addresses are inside, and that the connection itself is checked
(a name that resolves elsewhere at connect time than when it was checked)."""

import ipaddress
import socket
import time
from collections.abc import AsyncIterator
from uuid import uuid4

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from complaint_desk.services.notify.channels import Message, PermanentFailure, targets
from complaint_desk.services.notify.channels.webhook import WebhookChannel
from tests.receivers import HttpSink


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.4", "169.254.169.254",
        "100.64.0.1", "100.127.255.254",  # CGNAT
        "::1", "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "2002:7f00:1::1", "2002:808:808::1",  # 6to4 (either way)
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::c0a8:1",  # NAT64 of private IPv4
        "0.0.0.0", "224.0.0.1", "240.0.0.1",
    ],
)  # fmt: skip
def test_addresses_inside_the_network_are_refused(address: str) -> None:
    assert not targets.allowed(ipaddress.ip_address(address), allow_loopback=False)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "64:ff9b::5db8:d822"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert targets.allowed(ipaddress.ip_address(address), allow_loopback=False)


class Rebinding(AbstractResolver):
    """A DNS answer that changed since the name was checked: now it is the local sink."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]  # fmt: skip

    async def close(self) -> None:
        return None


@pytest.fixture
def rebinding_host(http_sink: HttpSink) -> str:
    host = f"hooks-{uuid4().hex[:6]}.example"
    # When the URL is checked the name is public ...
    targets._RESOLVED[(host, http_sink.port)] = (time.monotonic(), ["93.184.216.34"])
    return host


async def _send(session: aiohttp.ClientSession, host: str, http_sink: HttpSink, name: str) -> None:
    channel = WebhookChannel(session)
    url = http_sink.url(name).replace("127.0.0.1", host)
    message = Message(uuid4(), url, "s", "b", {"id": "x"}, ("whsec_" + "A" * 32,))
    await channel.send(message)


@pytest.fixture
async def guarded() -> AsyncIterator[aiohttp.ClientSession]:
    resolver = targets.GuardedResolver(
        allow_loopback=False, allowed_hosts=frozenset(), inner=Rebinding()
    )
    connector = aiohttp.TCPConnector(resolver=resolver)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


async def test_a_name_that_rebinds_to_an_internal_address_is_not_connected_to(
    http_sink: HttpSink, rebinding_host: str, guarded: aiohttp.ClientSession
) -> None:
    with pytest.raises(PermanentFailure) as refused:
        await _send(guarded, rebinding_host, http_sink, "rebound")
    assert http_sink.for_hook("rebound") == []
    assert "127.0.0.1" not in str(refused.value), "no internal detail in the error"


async def test_without_the_guarded_resolver_the_rebinding_would_have_reached_it(
    http_sink: HttpSink, rebinding_host: str
) -> None:
    connector = aiohttp.TCPConnector(resolver=Rebinding())
    async with aiohttp.ClientSession(connector=connector) as session:
        await _send(session, rebinding_host, http_sink, "reached")
    assert len(http_sink.for_hook("reached")) == 1, "the positive control"
