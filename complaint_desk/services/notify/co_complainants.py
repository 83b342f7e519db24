"""Complainants merged into a complaint (併案): notify keeps their contacts (sealed, as the
complainant's) and sends each the complaint's updates, by their own channel and under their
own complaint's number, with their own status link."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from complaint_desk.contract.events import EventEnvelope, utcnow
from complaint_desk.contract.events.channels import CoComplainantAdded
from complaint_desk.shared import links
from complaint_desk.shared.db import Connection

from . import repository
from .domain import Kind, Outgoing, preferred_channel
from .service import complainant_outgoing
from .settings import NotifySettings


async def remember(conn: Connection, event: EventEnvelope) -> None:
    c = CoComplainantAdded.model_validate(event.data)
    await repository.add_co_complainant(
        conn, complaint_id=event.stream_id, merged=c.merged, number=c.merged_number,
        preferred_channel=preferred_channel(c.channel, c.phone, c.email), phone=c.phone,
        email=c.email,
    )  # fmt: skip


async def forget(conn: Connection, event: EventEnvelope) -> None:
    await repository.remove_co_complainant(conn, event.stream_id, UUID(str(event.data["merged"])))


def thread_of(settings: NotifySettings, complaint_id: UUID) -> str:
    """The signed thread id the desk's mail about the complaint carries (see shared.links)."""
    return links.sign(settings.status_link_secret, "thread", complaint_id)


def status_link(settings: NotifySettings, complaint_id: UUID) -> str:
    s = settings
    return links.status_url(s.status_page_base_url, s.status_link_secret, complaint_id)


async def copies(
    conn: Connection,
    settings: NotifySettings,
    event: EventEnvelope,
    contact: dict[str, Any],
    kind: Kind,
    extra: dict[str, Any] | None = None,
) -> list[Outgoing]:
    """The update for each co-complainant; their callback links to their status page (the
    complaint's answer is its own complainant's to give)."""
    found = []
    for co in await repository.co_complainants(conn, event.stream_id):
        theirs = {**contact, **co}
        link = status_link(settings, co["merged"]) if kind is Kind.CALLBACK else ""
        found.append(
            complainant_outgoing(
                theirs, kind, link, f"{kind.value}:{event.event_id}:co:{co['merged']}",
                utcnow(), extra, thread=thread_of(settings, co["merged"]),
            )
        )  # fmt: skip
    return found
