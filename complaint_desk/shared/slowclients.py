"""uvicorn's HTTP/1.1 protocol with a deadline for each request's headers. uvicorn closes a
connection that stays idle after a response (keep-alive), but not one that connects and
sends nothing, or sends its headers a byte at a time (slowloris): each would hold a
connection slot for ever. Headers are also bounded in size, as h11 bounds them (httptools
does not): a client could otherwise send headers without end within the deadline. It is
uvicorn's httptools protocol (a C parser): h11's pure-Python parsing was a large share of
each request's CPU."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TOO_LARGE_BODY = "請求標頭過大 Request header fields too large\n".encode()
TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
    b"content-length: " + str(len(TOO_LARGE_BODY)).encode() + b"\r\n\r\n" + TOO_LARGE_BODY
)


class HeaderDeadlineProtocol(HttpToolsProtocol):
    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.header_timeout: float = getattr(config, "header_timeout", 10.0)
        self.max_header_bytes: int = getattr(config, "max_header_bytes", 16 * 1024)
        self._deadline: asyncio.TimerHandle | None = None
        self._armed_for: Any = None
        self._header_bytes = 0  # received while the current request's headers are unfinished

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._deadline is None:
            return
        if self.cycle is not self._armed_for:
            self._disarm()  # a request's headers arrived in time
            return
        self._header_bytes += len(data)  # a chunk that ends the headers is not counted
        if self._header_bytes > self.max_header_bytes and not self.transport.is_closing():
            self._disarm()
            self.transport.write(TOO_LARGE)
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._disarm()
        self._arm()  # the next request's headers have the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._armed_for = self.cycle
        self._header_bytes = 0
        self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()
