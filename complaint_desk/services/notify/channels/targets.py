"""Refuse outbound requests to addresses inside the network (SSRF): loopback, private,
CGNAT, link-local, metadata, tunnels and other reserved ranges, unless explicitly allowed.
Checked twice: when a URL is given (a clear 422), and by the resolver the connection itself
uses (what is actually connected to)."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import time
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from .base import PermanentFailure

METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
# Transition mechanisms that tunnel to an IPv4 address: no webhook receiver needs them, and
# they could carry a request to an internal IPv4 host.
TUNNELS = (ipaddress.ip_network("2002::/16"), ipaddress.ip_network("2001::/32"))
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _internal(address: IPAddress) -> bool:
    """Not a public address on the internet: loopback, private, CGNAT (100.64.0.0/10),
    link-local, metadata, reserved, multicast, 6to4 and Teredo, and an IPv4-mapped or NAT64
    address that embeds any of these."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in net for net in TUNNELS):
            return True
        embedded = address.ipv4_mapped
        if embedded is None and any(address in net for net in NAT64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _internal(embedded)
    return (
        address in METADATA
        or not address.is_global
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def allowed(address: IPAddress, *, allow_loopback: bool) -> bool:
    return (allow_loopback and address.is_loopback) or not _internal(address)


@functools.lru_cache(maxsize=4096)
def _allowed_text(text: str, allow_loopback: bool) -> bool:
    """:func:`allowed` for an address as text: the verdict on an address never changes, and
    parsing it again for every send was a tenth of a webhook's CPU."""
    return allowed(ipaddress.ip_address(text), allow_loopback=allow_loopback)


@functools.lru_cache(maxsize=4096)
def _literal(host: str) -> str | None:
    """The host as an address, when it is one (it needs no lookup)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


# What a refusal says: never the address a name resolved to, nor why a connection failed
# (either would let a caller map the internal network through our answers).
INTERNAL_REFUSED = "the host is inside the network, or resolves there: refused"


class RefusedAddress(OSError):
    """A resolver's answer had no address we may connect to."""


class GuardedResolver(AbstractResolver):
    """Resolves as aiohttp's default resolver does, then keeps only the addresses we may
    reach: the connector connects to one of those, so a name that resolves elsewhere at
    connect time than it did when checked (DNS rebinding) still reaches no internal host."""

    def __init__(
        self,
        *,
        allow_loopback: bool,
        allowed_hosts: frozenset[str],
        inner: AbstractResolver | None = None,
    ) -> None:
        self.inner = inner or DefaultResolver()
        self.allow_loopback, self.allowed_hosts = allow_loopback, allowed_hosts

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.inner.resolve(host, port, family)
        if host in self.allowed_hosts:
            return found
        kept = [r for r in found if _allowed_text(r["host"], self.allow_loopback)]
        if not kept:
            raise RefusedAddress(INTERNAL_REFUSED)
        return kept

    async def close(self) -> None:
        await self.inner.close()


_RESOLVED: dict[tuple[str, int], tuple[float, list[str]]] = {}
RESOLVE_TTL = 30.0  # seconds a host's addresses are trusted before they are looked up again


async def _addresses(host: str, port: int) -> list[str]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    now = time.monotonic()
    cached = _RESOLVED.get((host, port))
    if cached and now - cached[0] < RESOLVE_TTL:
        return cached[1]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise PermanentFailure(f"{host} does not resolve") from None
    found = [str(info[4][0]) for info in infos]
    if len(_RESOLVED) > 10_000:
        _RESOLVED.clear()
    _RESOLVED[(host, port)] = (now, found)
    return found


async def check_url(url: str, *, allow_loopback: bool, allowed_hosts: frozenset[str]) -> None:
    """Raise :class:`PermanentFailure` unless ``url`` is an http(s) URL whose host resolves
    only to public addresses (or is explicitly allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentFailure(f"not an http(s) URL: {url[:100]}")
    host = parts.hostname
    if host in allowed_hosts:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for text in await _addresses(host, port):
        if not _allowed_text(text, allow_loopback):
            raise PermanentFailure(INTERNAL_REFUSED)
