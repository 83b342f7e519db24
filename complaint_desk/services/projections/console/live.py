"""Live pages: what the timeline projector commits, pushed to the console pages open on it
(Server-Sent Events). PostgreSQL tells us at commit (LISTEN/NOTIFY), so every replica of
projections hears every change, whichever replica's projector applied it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse

from complaint_desk.shared.runtime.deps import running
from complaint_desk.shared.runtime.runtime import ServiceRuntime

from .. import repository
from .pages import Viewer
from .render import texts

CHANNEL = "desk_changes"
KEEPALIVE_SECONDS = 15.0
log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Change:
    complaint_id: UUID
    position: int
    event_type: str

    @classmethod
    def parse(cls, payload: str) -> Change | None:
        try:
            complaint, position, event_type = payload.split(" ", 2)
            return cls(UUID(complaint), int(position), event_type)
        except ValueError:
            return None


class ChangeFeed:
    """One LISTEN connection per process, fanned out to each open page. A page too slow to
    keep up, or a lost connection, ends that page's stream: its browser reconnects and the
    page catches up from the position it was drawn at."""

    def __init__(self) -> None:
        self._pages: set[asyncio.Queue[Change | None]] = set()
        # Set while the feed hears the database; pages opened before miss nothing they
        # need (they catch up from the position they were drawn at).
        self.listening = asyncio.Event()

    async def run(self, runtime: ServiceRuntime) -> None:
        """The service's background job: listen on its database."""
        await self.listen(runtime.settings.database_url)

    async def listen(self, database_url: str) -> None:
        """Listen until cancelled, connecting again when the connection is lost."""
        while True:
            try:
                await self._listen(database_url)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("live updates cannot listen", extra={"error": type(exc).__name__})
            self._end_all()
            await asyncio.sleep(1)  # before connecting again, not to spin on a down database

    async def _listen(self, database_url: str) -> None:
        """Until the connection is lost."""
        lost = asyncio.Event()
        conn = await asyncpg.connect(database_url)
        try:
            conn.add_termination_listener(lambda _: lost.set())
            await conn.add_listener(CHANNEL, self._heard)
            self.listening.set()
            await lost.wait()
        finally:
            self.listening.clear()
            with contextlib.suppress(Exception):
                await conn.close()

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        change = Change.parse(str(payload))
        if change is None:
            return
        for page in list(self._pages):
            try:
                page.put_nowait(change)
            except asyncio.QueueFull:
                self._end(page)

    def _end(self, page: asyncio.Queue[Change | None]) -> None:
        self._pages.discard(page)
        if page.full():  # the end must get in: the page catches up on reconnecting anyway
            page.get_nowait()
        page.put_nowait(None)

    def _end_all(self) -> None:
        for page in list(self._pages):
            self._end(page)

    def subscribe(self) -> asyncio.Queue[Change | None]:
        """A page's queue of every change from now on; ``None`` in it ends the stream."""
        page: asyncio.Queue[Change | None] = asyncio.Queue(maxsize=256)
        self._pages.add(page)
        return page

    def unsubscribe(self, page: asyncio.Queue[Change | None]) -> None:
        self._pages.discard(page)

    def changes(self) -> AsyncIterator[Change]:
        """Every change from the moment of this call on, until the stream ends."""
        return self._drain(self.subscribe())

    async def _drain(self, page: asyncio.Queue[Change | None]) -> AsyncIterator[Change]:
        try:
            while (change := await page.get()) is not None:
                yield change
        finally:
            self.unsubscribe(page)


def feed_of(request: Request) -> ChangeFeed:
    feed = request.app.state.changes
    assert isinstance(feed, ChangeFeed)
    return feed


@router.get("/console/live")
async def live(
    request: Request,
    principal: Viewer,
    since: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    complaint: UUID | None = None,
) -> Response:
    """Server-Sent Events for a console page: ``change`` each time the timeline (of
    ``complaint``, or of any complaint) commits an event after position ``since``, the one
    the page was drawn at, with the event's name in the officer's language; a comment every
    15 s keeps the connection open. An unknown complaint, or one of another site, is 404."""
    pool = running(request).pool
    if complaint is not None:
        row = await repository.get_complaint(pool, complaint)
        if row is None or not principal.sees(row["site"]):
            return Response(status_code=404)
    t = texts(request)
    feed = feed_of(request)
    page = feed.subscribe()
    # Anything committed between drawing the page and opening this stream is told at once.
    latest = await repository.latest_position(pool, complaint)

    async def events() -> AsyncIterator[str]:
        try:
            if latest > since:
                yield _event("", latest)
            while True:
                try:
                    change = await asyncio.wait_for(page.get(), timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if change is None:
                    return
                if complaint is None or change.complaint_id == complaint:
                    yield _event(t.event(change.event_type), change.position)
        finally:
            feed.unsubscribe(page)

    return EventSourceResponse(events(), headers={"Cache-Control": "no-store"})


def _event(what: str, position: int) -> str:
    data = json.dumps({"position": position, "what": what}, ensure_ascii=False)
    return f"event: change\ndata: {data}\n\n"
