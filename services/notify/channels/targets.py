"""Refuse outbound requests to addresses inside the network (SSRF): loopback, private,
link-local, metadata and other reserved ranges, unless explicitly allowed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from urllib.parse import urlsplit

from .base import PermanentFailure

METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address in METADATA
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


_RESOLVED: dict[tuple[str, int], tuple[float, list[str]]] = {}
RESOLVE_TTL = 30.0  # seconds a host's addresses are trusted before they are looked up again


async def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]  # a literal address needs no lookup
    except ValueError:
        pass
    now = time.monotonic()
    cached = _RESOLVED.get((host, port))
    if cached and now - cached[0] < RESOLVE_TTL:
        return cached[1]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PermanentFailure(f"{host} does not resolve: {exc}") from None
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
        address = ipaddress.ip_address(text)
        if address.is_loopback and allow_loopback:
            continue
        if _internal(address):
            raise PermanentFailure(f"{host} resolves to an internal address ({address})")
