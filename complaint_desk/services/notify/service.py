"""The complainant callback (回訪): a single-use signed link after resolution, a reminder
when there is no answer, then a request to the officer to call by phone."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from complaint_desk.contract.events import DomainEvent, EventEnvelope, Metadata, utcnow
from complaint_desk.contract.events.complaints import SatisfactionReason
from complaint_desk.contract.events.notifications import (
    CallbackAnswered,
    CallbackPhoneCallRequested,
    CallbackReminderSent,
)
from complaint_desk.shared import eventstore
from complaint_desk.shared.db import Connection
from complaint_desk.shared.uow import UnitOfWork

from . import repository
from .domain import ChannelKind, Kind, Outgoing, routing_chain
from .repository import queue
from .settings import NotifySettings
from .templates import render, sms_text

ACTOR = "system:notify"


class BadToken(ValueError):
    pass


def make_token(secret: str, complaint_id: UUID, cycle: int, nonce: str) -> str:
    body = complaint_id.bytes + struct.pack(">H", cycle) + bytes.fromhex(nonce)
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(body + mac).decode().rstrip("=")


def read_token(secret: str, token: str) -> tuple[UUID, int, str]:
    """(complaint, cycle, nonce) of a genuine token; :class:`BadToken` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise BadToken("malformed") from None
    if len(raw) != 16 + 2 + 8 + 16:
        raise BadToken("malformed")
    body, mac = raw[:-16], raw[-16:]
    if not hmac.compare_digest(mac, hmac.new(secret.encode(), body, hashlib.sha256).digest()[:16]):
        raise BadToken("signature does not match")
    return UUID(bytes=body[:16]), struct.unpack(">H", body[16:18])[0], body[18:].hex()


@dataclass(frozen=True)
class OpenedCallback:
    cycle: int
    expires_at: datetime
    outgoing: Outgoing


def complainant_outgoing(
    contact: dict[str, Any],
    kind: Kind,
    link: str,
    dedupe_key: str,
    not_before: datetime,
    extra: dict[str, Any] | None = None,
    thread: str | None = None,
) -> Outgoing:
    """A message to the complainant, by their preferred channel (their contact stays sealed
    until the dispatcher sends it). ``thread``: the signed thread id a reply's In-Reply-To
    will carry back (see shared.links)."""

    channel = contact["preferred_channel"]
    destination = contact["phone"] if channel == ChannelKind.SMS else contact["email"]
    values = {
        "number": contact["number"],
        "site": contact["site"],
        "link": link,
        "handling_summary": contact.get("handling_summary") or "—",
        "improvement": contact.get("improvement") or "—",
        **(extra or {}),
    }
    subject, body = render(kind, values)
    if channel == ChannelKind.SMS:
        body = sms_text(kind, values)
    return Outgoing(
        dedupe_key=dedupe_key, channel=channel, destination=destination, recipient="complainant",
        kind=kind, subject=subject, body=body,
        payload={"number": contact["number"], **({"thread": thread} if thread else {})},
        not_before=not_before,
    )  # fmt: skip


def link_for(settings: NotifySettings, complaint_id: UUID, cycle: int, nonce: str) -> str:
    token = make_token(settings.callback_secret, complaint_id, cycle, nonce)
    return f"{settings.public_base_url.rstrip('/')}/callback/{token}"


async def open_callback(
    conn: Connection, settings: NotifySettings, resolved: EventEnvelope, contact: dict[str, Any]
) -> OpenedCallback | None:
    """Schedule the callback message of this cycle (once), after the configured delay."""
    cycle = int(contact["cycle"])
    nonce = secrets.token_hex(8)
    send_at = resolved.occurred_at + timedelta(seconds=settings.callback_delay_seconds)
    expires_at = send_at + timedelta(days=settings.callback_link_days)
    opened = await repository.open_callback(
        conn,
        complaint_id=resolved.stream_id,
        cycle=cycle,
        nonce=nonce,
        channel=contact["preferred_channel"],
        requested_at=send_at,
        next_step_at=send_at + timedelta(seconds=settings.callback_reminder_after_seconds),
        expires_at=expires_at,
    )
    if opened is None:
        return None
    link = link_for(settings, resolved.stream_id, cycle, nonce)
    outgoing = complainant_outgoing(
        contact, Kind.CALLBACK, link, f"callback:{resolved.stream_id}:{cycle}", send_at
    )
    return OpenedCallback(cycle, expires_at, outgoing)


async def follow_up(
    uow: UnitOfWork, settings: NotifySettings, now: datetime, limit: int = 100
) -> int:
    """Unanswered callbacks: a reminder first, then a request to the officer to phone."""

    async with uow() as conn:
        due = await repository.due_callbacks(conn, now, limit)
        for row in due:
            complaint_id, cycle = row["complaint_id"], row["cycle"]
            contact = row
            produced: list[DomainEvent]
            if row["status"] == "requested":
                link = link_for(settings, complaint_id, cycle, row["nonce"])
                outgoing = [
                    complainant_outgoing(
                        contact, Kind.CALLBACK_REMINDER, link,
                        f"callback-reminder:{complaint_id}:{cycle}", now,
                    )
                ]  # fmt: skip
                produced = [CallbackReminderSent(cycle=cycle)]
                next_step = now + timedelta(seconds=settings.callback_phone_after_seconds)
                await repository.advance_callback(conn, complaint_id, cycle, "reminded", next_step)
            else:
                outgoing = await _phone_request(conn, contact, complaint_id, cycle, now)
                produced = [CallbackPhoneCallRequested(cycle=cycle)]
                await repository.advance_callback(conn, complaint_id, cycle, "phone", None)
            produced += await queue(
                conn, complaint_id, row["site"], outgoing, cause="CallbackFollowUp"
            )
            await eventstore.append(
                conn, complaint_id, produced, Metadata(site_id=row["site"], actor=ACTOR),
                expected_version=None,
            )  # fmt: skip
    return len(due)


async def _phone_request(
    conn: Connection, contact: dict[str, Any], complaint_id: UUID, cycle: int, now: datetime
) -> list[Outgoing]:

    owner = contact.get("owner") or contact["receiving_officer"]
    for role in routing_chain(f"officer:{owner}"):
        entry = await repository.staff_entry(conn, contact["site"], role)
        if entry is not None:
            values = {"number": contact["number"], "site": contact["site"]}
            subject, body = render(Kind.CALLBACK_PHONE, values, entry["locale"])
            return [
                Outgoing(
                    dedupe_key=f"callback-phone:{complaint_id}:{cycle}", channel=entry["channel"],
                    destination=entry["destination"], recipient=role, kind=Kind.CALLBACK_PHONE,
                    subject=subject, body=body, payload={"number": contact["number"]},
                    not_before=now,
                )
            ]  # fmt: skip
    return []


class AlreadyAnswered(Exception):
    pass


class LinkExpired(Exception):
    pass


class LinkWithdrawn(Exception):
    """The desk no longer waits for this answer: ``why`` is ``recorded`` (called back by
    phone) or ``closed``."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class OpenLink:
    complaint_id: UUID
    cycle: int
    category: str | None


async def open_link(conn: Connection, settings: NotifySettings, token: str) -> OpenLink:
    """The callback a link stands for, if it may still be answered; else raises
    :class:`BadToken`, :class:`AlreadyAnswered`, :class:`LinkExpired` or
    :class:`LinkWithdrawn`. Reading it records nothing (mail scanners open links)."""
    complaint_id, cycle, nonce = read_token(settings.callback_secret, token)
    row = await repository.callback(conn, complaint_id, cycle)
    if row is None or row["nonce"] != nonce:
        raise BadToken("no such callback")
    if row["status"] == "answered":
        raise AlreadyAnswered
    if row["status"] == "withdrawn":
        raise LinkWithdrawn(row["withdrawn"] or "closed")
    if row["expires_at"] <= utcnow():
        raise LinkExpired
    category = await repository.contact_category(conn, complaint_id)
    return OpenLink(complaint_id, cycle, category)


async def answer(
    uow: UnitOfWork,
    settings: NotifySettings,
    token: str,
    *,
    satisfied: bool,
    comments: str | None,
    rating: int | None = None,
    reasons: list[SatisfactionReason] | None = None,
    suggestions: str | None = None,
) -> UUID:
    """Record the complainant's answer once: CallbackAnswered, which intake turns into
    CallbackRecorded (and a supervisor's review when they are not satisfied)."""
    now = utcnow()
    async with uow() as conn:
        link = await open_link(conn, settings, token)
        channel = await repository.answer_callback(conn, link.complaint_id, link.cycle, now)
        if channel is None:  # answered, withdrawn or expired a moment ago
            await open_link(conn, settings, token)
            raise AlreadyAnswered
        contact = await repository.contact(conn, link.complaint_id)
        assert contact is not None
        await eventstore.append(
            conn,
            link.complaint_id,
            [
                CallbackAnswered(
                    cycle=link.cycle,
                    satisfied=satisfied,
                    comments=comments,
                    channel=channel,
                    rating=rating,
                    reasons=reasons or [],
                    suggestions=suggestions,
                )
            ],
            Metadata(site_id=contact["site"], actor="complainant"),
            expected_version=None,
        )
    return link.complaint_id


def test_message(site: str, role: str, entry: dict[str, Any], by: str, now: datetime) -> Outgoing:
    """A message to the person a directory entry names, saying so: a site admin checks that
    the entry reaches them. Sent like any notice (retries, daily caps, dead letters)."""
    values = {"site": site, "role": role, "by": by}
    subject, body = render(Kind.TEST, values, entry["locale"])
    if entry["channel"] == ChannelKind.SMS:
        body = sms_text(Kind.TEST, values, entry["locale"])
    return Outgoing(
        dedupe_key=f"test:{uuid4()}", channel=entry["channel"], destination=entry["destination"],
        recipient=role, kind=Kind.TEST, subject=subject, body=body, payload={}, not_before=now,
    )  # fmt: skip
