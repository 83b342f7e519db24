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


def _refusal(status: bytes, words: str) -> bytes:
    """A whole plain-text response, the connection to be closed after it."""
    body = words.encode()
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


TOO_LARGE = _refusal(
    b"431 Request Header Fields Too Large", "請求標頭過大 Request header fields too large\n"
)
# What the C parser refuses before any route sees it: a method it does not know (an invented
# one), a malformed request line or header.
INVALID = _refusal(b"400 Bad Request", "無法解讀的請求 Invalid HTTP request\n")


class HeaderDeadlineProtocol(HttpToolsProtocol):
    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.header_timeout: float = getattr(config, "header_timeout", 10.0)
        self.max_header_bytes: int = getattr(config, "max_header_bytes", 16 * 1024)
        self._deadline: asyncio.TimerHandle | None = None
        self._armed_for: Any = None
        self._header_bytes = 0  # received while the current request's headers are unfinished
        # Between a request's first byte and the end of its headers. Not after an early
        # answer (413 to a body too large) while the rest of that body still arrives.
        self._in_headers = False

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
        if not self._in_headers:
            return  # the rest of a body answered early, or nothing yet
        self._header_bytes += len(data)  # a chunk that ends the headers is not counted
        if self._header_bytes > self.max_header_bytes and not self.transport.is_closing():
            self._disarm()
            self.transport.write(TOO_LARGE)
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True

    def on_headers_complete(self) -> None:
        self._in_headers = False
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """The parser's refusal (an invented method, a malformed request line), in words."""
        self.transport.write(INVALID)
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
